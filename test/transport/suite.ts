import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Client, request } from "../../src/core/client.ts";
import { ClosedError, ErrorCodes, SwarmError } from "../../src/core/errors.ts";
import { message, type Sender } from "../../src/core/message.ts";
import { pipe } from "../../src/core/pipe.ts";
import { Verbs } from "../../src/core/verbs.ts";
import { memoryConnection } from "../../src/transport/memory.ts";
import type { Fixture, Harness } from "./fixtures.ts";
import { driveBounce, testService } from "./service.ts";

const MB = 1024 * 1024;

async function eventually(check: () => boolean, ms = 2000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof SwarmError, `expected a SwarmError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/**
 * The behaviour every transport must share with the in-process pipe (docs/transport.md §9).
 * Registered once per fixture by shared.test.ts.
 */
export function transportSuite(fixture: Fixture): void {
  describe(`transport: ${fixture.name}`, () => {
    let svc: ReturnType<typeof testService>;
    let h: Harness;
    let link: Sender;
    let client: Client;

    before(async () => {
      svc = testService();
      h = await fixture.setup(svc.server);
      link = await h.connect();
      client = new Client(link);
    });
    after(async () => {
      svc.release();
      await h.close();
    });

    it("delivers messages in order", async () => {
      const [rx, tx] = pipe();
      const h2 = await fixture.setup(tx);
      const ch = await h2.connect();
      const n = 2000;
      const got: string[] = [];
      const reading = (async () => {
        for await (const m of rx) if (got.push(m.args[0]!) === n) break;
      })();
      for (let i = 0; i < n; i++) await ch.send(message(Verbs.Log, [String(i)]));
      await within(reading, 5000, "ordered delivery");
      assert.deepEqual(
        got,
        Array.from({ length: n }, (_, i) => String(i)),
      );
      await h2.close();
    });

    it("answers requests and rebuilds typed errors", async () => {
      assert.deepEqual(await client.ls(), ["a", "b", "c"]);
      assert.equal(await client.get("x", "y"), "x,y");
      await rejectsWithCode(client.start("missing"), ErrorCodes.NotFound);
      await rejectsWithCode(client.stop(), ErrorCodes.NoReply);
    });

    it("hands back objects through nested return channels, 8 deep", async () => {
      let obj = client;
      const objects: Client[] = [];
      for (let i = 0; i < 8; i++) objects.push((obj = await obj.spawn(`c${i}`)));
      assert.equal(await obj.get(), "root/c0/c1/c2/c3/c4/c5/c6/c7");
      for (const o of objects) o.target.close();
    });

    it("carries return channels both ways, alternating direction 12 deep", async () => {
      const r = await within(driveBounce(await request(link, "Bounce", [12])), 5000, "bounce");
      assert.equal(r, "0.1.2.3.4.5.6.7.8.9.10.11.12");
    });

    it("streams replies until the caller leaves, and the producer notices", async () => {
      const stopped = svc.nextWatchStop();
      const replies = await client.watch("1000000");
      for (let i = 0; i < 5; i++) assert.equal((await replies.receive())?.args[0], String(i));
      replies.close();
      const sent = await within(stopped, 3000, "producer stop");
      assert.ok(sent < 1_000_000, `producer kept going: ${sent}`);
    });

    it("carries a byte stream of 4 MB each way, with half-close (reply att)", async () => {
      const d = await client.connect();
      const data = randomBytes(4 * MB);
      const chunks: Buffer[] = [];
      const reading = (async () => {
        for await (const c of d) chunks.push(c as Buffer);
      })();
      for (let i = 0; i < data.length; i += 64 * 1024) {
        if (!d.write(data.subarray(i, i + 64 * 1024))) await new Promise((r) => d.once("drain", r));
      }
      d.end();
      await within(reading, 15000, "echo stream");
      assert.equal(Buffer.compare(Buffer.concat(chunks), data), 0);
    });

    it("carries a byte stream of 3 MB from the requester (request att)", async () => {
      const [mine, theirs] = memoryConnection();
      const data = randomBytes(3 * MB);
      const back: Buffer[] = [];
      mine.on("data", (c: Buffer) => back.push(c));
      const ended = new Promise((r) => mine.once("end", r));
      mine.end(data);
      const m = await client.call(Verbs.File, [], [Verbs.Ack], theirs);
      assert.deepEqual(m.args, [String(data.length), createHash("sha256").update(data).digest("hex")]);
      await within(ended, 5000, "att half-close");
      assert.equal(Buffer.concat(back).toString(), "received");
    });

    it("makes a receiver that does not read slow the sender down (back-pressure)", async () => {
      const [rx, tx] = pipe({ highWaterMark: 1 });
      const h2 = await fixture.setup(tx);
      const ch = await h2.connect();
      let sent = 0;
      let blocked: Promise<void> | undefined;
      while (sent < 200_000) {
        const p = ch.send(message(Verbs.Log, [String(sent)]));
        const settled = await Promise.race([
          p.then(() => true),
          new Promise((r) => setTimeout(r, 50, false)),
        ]);
        if (!settled) {
          blocked = p;
          break;
        }
        sent++;
      }
      assert.ok(blocked, "send never waited");
      assert.ok(sent < 100_000, `too much buffered before back-pressure: ${sent}`);
      let got = 0;
      for await (const m of rx) {
        assert.equal(m.args[0], String(got));
        if (++got === sent + 1) break;
      }
      await within(blocked, 2000, "blocked send");
      await h2.close();
    });

    it("rejects sends on a closed channel with CLOSED", async () => {
      const ch = await h.connect();
      assert.deepEqual(await new Client(ch).ls(), ["a", "b", "c"]);
      ch.close();
      await assert.rejects(ch.send(message(Verbs.Ls)), ClosedError);
    });

    it("leaks no streams once channels are closed", async () => {
      const ch = await h.connect();
      const c = new Client(ch);
      const o = await c.spawn("x");
      assert.equal(await o.get(), "root/x");
      o.target.close(); // a handed-out object lives until its holder closes it
      const d = await c.connect();
      d.end();
      d.resume();
      await new Promise((r) => d.once("close", r));
      ch.close();
      link.close();
      await eventually(() => h.openStreams() === 0, 2000, "all streams closed");
      link = await h.connect();
      client = new Client(link);
    });

    if (fixture.wire) {
      it("refuses a message over the size limit with LIMIT_EXCEEDED and keeps working", async () => {
        const h2 = await fixture.setup(svc.server, { maxMessageBytes: 64 * 1024 });
        const c = new Client(await h2.connect());
        await rejectsWithCode(c.get("x".repeat(100 * 1024)), ErrorCodes.LimitExceeded);
        assert.equal(await c.get("small"), "small");
        await h2.close();
      });
    }

    it("fails requests in flight when the peer crashes, and nothing hangs", async () => {
      const h2 = await fixture.setup(svc.server);
      const ch = await h2.connect();
      const c = new Client(ch);
      assert.deepEqual(await c.ls(), ["a", "b", "c"]);
      const pending = c.attach("hang");
      await new Promise((r) => setTimeout(r, 50));
      await h2.crash();
      await within(rejectsWithCode(pending, ErrorCodes.Unavailable), 3000, "in-flight request");
      await assert.rejects(ch.send(message(Verbs.Ls)), SwarmError);
      await h2.close();
    });

    it("reconnects after the peer restarts: in-flight fails, later requests succeed", async () => {
      const h2 = await fixture.setup(svc.server);
      const r = h2.redialer();
      const c = new Client(r);
      assert.deepEqual(await c.ls(), ["a", "b", "c"]);
      const pending = c.attach("hang");
      await new Promise((res) => setTimeout(res, 50));
      await h2.crash();
      await within(rejectsWithCode(pending, ErrorCodes.Unavailable), 3000, "in-flight request");
      await rejectsWithCode(c.ls(), ErrorCodes.Unavailable);
      await h2.restart();
      let names: string[] | undefined;
      const end = Date.now() + 3000;
      while (!names && Date.now() < end) {
        names = await c.ls().catch(() => undefined);
        if (!names) await new Promise((res) => setTimeout(res, 20));
      }
      assert.deepEqual(names, ["a", "b", "c"]);
      r.close();
      await h2.close();
    });
  });
}
