import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCodes, SwarmError } from "../../core/errors.ts";
import type { Message } from "../../core/message.ts";
import { reply, Server } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { timedCall, timedGetJSON } from "./calls.ts";

describe("timed calls", () => {
  it("answer like a call when the reply comes in time", async () => {
    const s = new Server().on(Verbs.Get, (m) => reply(m, Verbs.Set, ['{"ok":true}']).then(() => {}));
    assert.deepEqual(await timedGetJSON(s, [], 500, "get"), { ok: true });
  });

  it("fail with TIMEOUT, and abandon the reply channel, when the node does not answer", async () => {
    const held: Message[] = [];
    const hung = { send: async (m: Message) => void held.push(m), close() {} };
    const t0 = Date.now();
    await assert.rejects(timedCall(hung, Verbs.Get, [], [Verbs.Set], 100, "ping"), (err: unknown) => {
      assert.ok(err instanceof SwarmError);
      assert.equal(err.code, ErrorCodes.Timeout);
      assert.match(err.message, /ping: no answer within 100 ms/);
      return true;
    });
    assert.ok(Date.now() - t0 < 1000);
    await assert.rejects(
      held[0]!.ret!.send({ verb: Verbs.Set, args: [] }),
      /closed/,
      "the late reply has nowhere to go",
    );
  });

  it("pass typed errors through and reject a reply that is not JSON", async () => {
    const s = new Server()
      .on(Verbs.Get, async (m) => {
        if (m.args[0] === "bad") await reply(m, Verbs.Set, ["{"]);
        else throw new SwarmError(ErrorCodes.NotFound, "No such container: x");
      })
      .on(Verbs.Ls, () => {});
    await assert.rejects(timedGetJSON(s, ["x"], 500, "get"), { code: ErrorCodes.NotFound });
    await assert.rejects(timedGetJSON(s, ["bad"], 500, "get"), { code: ErrorCodes.Protocol });
    await assert.rejects(timedCall(s, Verbs.Ls, [], [Verbs.Set], 500), { code: ErrorCodes.NoReply });
  });
});
