import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { ClosedError, ErrorCodes } from "./errors.ts";
import { message } from "./message.ts";
import { accepted, pipe } from "./pipe.ts";

describe("pipe (PROTOCOL §3)", () => {
  it("delivers messages in order, then EOF after the sender closes (3.1, 3.2)", async () => {
    const [r, s] = pipe();
    for (let i = 0; i < 10; i++) await s.send(message("Log", [String(i)]));
    s.close();
    const got: string[] = [];
    for await (const m of r) got.push(m.args[0]!);
    assert.deepEqual(got, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    assert.equal(await r.receive(), undefined);
  });

  it("a waiting receiver gets EOF when the sender closes", async () => {
    const [r, s] = pipe();
    const pending = r.receive();
    s.close();
    assert.equal(await pending, undefined);
  });

  it("sending on a closed sender fails with SWARM_ERR_CLOSED (3.2)", async () => {
    const [, s] = pipe();
    s.close();
    await assert.rejects(s.send(message("Log")), (e: ClosedError) => e.code === ErrorCodes.Closed);
  });

  it("applies back-pressure: send waits once highWaterMark messages are queued (3.5)", async () => {
    const [r, s] = pipe({ highWaterMark: 2 });
    await s.send(message("Log", ["a"]));
    await s.send(message("Log", ["b"]));
    let third = false;
    const p = s.send(message("Log", ["c"])).then(() => {
      third = true;
    });
    await new Promise((res) => setImmediate(res));
    assert.equal(third, false, "third send must wait for the reader");
    assert.equal((await r.receive())?.args[0], "a");
    await p;
    assert.equal(third, true);
    assert.equal((await r.receive())?.args[0], "b");
    assert.equal((await r.receive())?.args[0], "c");
  });

  it("a fast sender with a slow receiver keeps the queue bounded", async () => {
    const [r, s] = pipe({ highWaterMark: 8 });
    let maxQueued = 0;
    let sent = 0;
    let received = 0;
    const producer = (async () => {
      for (let i = 0; i < 500; i++) {
        await s.send(message("Log", [String(i)]));
        sent++;
        maxQueued = Math.max(maxQueued, sent - received);
      }
      s.close();
    })();
    for await (const m of r) {
      assert.equal(m.args[0], String(received));
      received++;
      if (received % 50 === 0) await new Promise((res) => setTimeout(res, 1));
    }
    await producer;
    assert.equal(received, 500);
    assert.ok(maxQueued <= 9, `queue grew to ${maxQueued}`);
  });

  it("closing the receiver rejects waiting and later sends, and closes dropped messages' ret (3.3)", async () => {
    const [r, s] = pipe({ highWaterMark: 1 });
    const [replies, ret] = pipe();
    await s.send(message("Get", [], { ret }));
    const blocked = s.send(message("Log"));
    r.close();
    await assert.rejects(blocked, ClosedError);
    await assert.rejects(s.send(message("Log")), ClosedError);
    assert.equal(await replies.receive(), undefined, "ret of the dropped message is closed");
  });

  it("closing the receiver destroys the att of dropped messages and ends a waiting read (3.3)", async () => {
    const [r, s] = pipe();
    const att = new PassThrough();
    await s.send(message("Connect", [], { att }));
    r.close();
    assert.equal(att.destroyed, true);
    assert.equal(await r.receive(), undefined);
    const [r2] = pipe();
    const waiting = r2.receive();
    r2.close();
    assert.equal(await waiting, undefined);
  });

  it("breaking out of for-await closes the receiver", async () => {
    const [r, s] = pipe();
    await s.send(message("Log", ["1"]));
    await s.send(message("Log", ["2"]));
    for await (const _m of r) break;
    await assert.rejects(s.send(message("Log")), ClosedError);
  });

  it("poll takes queued messages without waiting; a send accepted at once returns `accepted`", async () => {
    const [r, s] = pipe({ highWaterMark: 2 });
    assert.equal(r.poll?.(), undefined);
    assert.equal(s.send(message("Log", ["a"])), accepted);
    assert.equal(s.send(message("Log", ["b"])), accepted);
    const third = s.send(message("Log", ["c"]));
    assert.notEqual(third, accepted, "a full queue makes the sender wait");
    assert.equal(r.poll?.()?.args[0], "a");
    await third;
    assert.deepEqual([r.poll?.()?.args[0], r.poll?.()?.args[0], r.poll?.()], ["b", "c", undefined]);
    s.close();
    assert.equal(r.poll?.(), undefined);
    assert.equal(await r.receive(), undefined);
  });

  it("a send made while an earlier one waits is delivered after it, even when a slot just freed (3.1)", async () => {
    const [r, s] = pipe({ highWaterMark: 1 });
    void s.send(message("Log", ["0"]));
    const first = s.send(message("Log", ["1"])); // waits: the queue is full
    assert.equal(r.poll?.()?.args[0], "0"); // a slot frees; "1" was first in line for it
    const second = s.send(message("Log", ["2"])); // sent later: must not overtake "1"
    const got = [(await r.receive())?.args[0], (await r.receive())?.args[0]];
    await Promise.all([first, second]);
    assert.deepEqual(got, ["1", "2"]);
  });

  it("many waiting senders get the freed slots one at a time, in the order they sent (3.1, 3.5)", async () => {
    const [r, s] = pipe({ highWaterMark: 2 });
    const sends = Array.from({ length: 20 }, (_, i) => s.send(message("Log", [String(i)])));
    const got: string[] = [];
    for (let i = 0; i < 20; i++) {
      got.push((await r.receive())!.args[0]!);
      await new Promise((res) => setImmediate(res));
    }
    await Promise.all(sends);
    assert.deepEqual(
      got,
      Array.from({ length: 20 }, (_, i) => String(i)),
    );
  });

  it("closing the sender rejects senders still waiting and keeps what was queued (3.2)", async () => {
    const [r, s] = pipe({ highWaterMark: 1 });
    await s.send(message("Log", ["a"]));
    const blocked = s.send(message("Log", ["b"]));
    s.close();
    await assert.rejects(blocked, ClosedError);
    assert.equal((await r.receive())?.args[0], "a");
    assert.equal(await r.receive(), undefined);
  });

  it("rejects a nonsensical highWaterMark", () => {
    assert.throws(() => pipe({ highWaterMark: 0 }), RangeError);
  });
});
