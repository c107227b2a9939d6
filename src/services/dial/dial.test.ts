import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testService } from "../../../test/transport/service.ts";
import { Client } from "../../core/client.ts";
import { ErrorCodes, SwarmError } from "../../core/errors.ts";
import { silentLogger } from "../../core/logger.ts";
import { pipe } from "../../core/pipe.ts";
import { serve, type WireListener } from "../../transport/connect.ts";
import type { ServiceContext } from "../service.ts";
import { dial } from "./index.ts";

const ctx = { log: silentLogger } as unknown as ServiceContext;

async function isUnavailable(p: Promise<unknown>) {
  await assert.rejects(p, (e: unknown) => e instanceof SwarmError && e.code === ErrorCodes.Unavailable);
}

describe("dial", () => {
  it("sends requests to a remote listen, survives its restart with backoff", async () => {
    const svc = testService();
    let listener: WireListener = await serve("tcp://127.0.0.1:0", svc.server);
    const url = listener.url;
    const fn = await dial.create([url], ctx);
    const [input, toDial] = pipe();
    const [, output] = pipe();
    const done = Promise.resolve(fn({ input, output, signal: new AbortController().signal }));
    const c = new Client(toDial);
    assert.deepEqual(await c.ls(), ["a", "b", "c"]);
    const obj = await c.spawn("remote");
    assert.equal(await obj.get(), "root/remote");

    const inFlight = c.attach("hang");
    await new Promise((r) => setTimeout(r, 50));
    for (const s of listener.sessions) s.mux.conn.destroy(); // the remote process dies
    await listener.close();
    await isUnavailable(inFlight);
    await isUnavailable(c.ls());

    listener = await serve(url, svc.server);
    let names: string[] | undefined;
    for (let i = 0; i < 200 && !names; i++) {
      names = await c.ls().catch(() => undefined);
      if (!names) await new Promise((r) => setTimeout(r, 25));
    }
    assert.deepEqual(names, ["a", "b", "c"]);
    toDial.close();
    await done;
    svc.release();
    await listener.close();
  });

  it("answers UNAVAILABLE when nothing listens", async () => {
    const fn = await dial.create(["tcp://127.0.0.1:1"], ctx);
    const [input, toDial] = pipe();
    const [, output] = pipe();
    const done = Promise.resolve(fn({ input, output, signal: new AbortController().signal }));
    await isUnavailable(new Client(toDial).ls());
    toDial.close();
    await done;
  });

  it("refuses bad arguments when spawned", () => {
    assert.throws(
      () => dial.create(["a", "b"], ctx),
      (e: unknown) => e instanceof SwarmError && e.code === ErrorCodes.InvalidArgument,
    );
    assert.throws(() => dial.create(["--bogus", "tcp://127.0.0.1:1"], ctx), SwarmError);
  });
});
