import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCodes } from "../core/errors.ts";
import { type Message, message, type Sender } from "../core/message.ts";
import { pipe } from "../core/pipe.ts";
import { Verbs } from "../core/verbs.ts";
import { ChannelRef, encodeMessage } from "./codec.ts";
import { Flag, FrameType, HEADER_SIZE, writeHeader } from "./frame.ts";
import type { WireLimits } from "./limits.ts";
import { memoryConnection } from "./memory.ts";
import { Mux } from "./mux.ts";
import { StreamKind, WireSession } from "./wire.ts";

function sessions(handler: Sender, limits: Partial<WireLimits> = {}) {
  const [a, b] = memoryConnection();
  const server = new WireSession(a, { client: false, handler, limits: { keepAliveMs: 0, ...limits } });
  const client = new WireSession(b, { client: true, limits: { keepAliveMs: 0, ...limits } });
  return { server, client };
}

describe("wire session (docs/transport.md §4–7)", () => {
  it("at maxStreams, sends carrying a ret wait for a stream to close instead of failing", async () => {
    const held: Message[] = [];
    const handler: Sender = { send: async (m) => void held.push(m), close() {} };
    const { client } = sessions(handler, { maxStreams: 8 });
    const ch = client.openChannel(); // 1 stream; 7 left for rets
    const sends = Array.from({ length: 20 }, (_, i) =>
      ch.send(message(Verbs.Log, [String(i)], { ret: pipe()[1] })),
    );
    const settled = new Set<number>();
    for (const [i, p] of sends.entries()) void p.then(() => settled.add(i));
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(settled.size <= 7, `only 7 rets fit, ${settled.size} sends went through`);
    assert.ok(client.mux.streamCount <= 8);
    // Closing the held reply channels frees streams; every waiting send then goes through.
    while (settled.size < 20) {
      for (const m of held.splice(0)) m.ret?.close();
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(sends);
    client.close();
  });

  it("a message referencing a stream that was never opened resets its channel; the session goes on", async () => {
    const [rx, tx] = pipe();
    const [a, b] = memoryConnection();
    const server = new WireSession(a, { client: false, handler: tx, limits: { keepAliveMs: 0 } });
    const raw = new Mux(b, { client: true, keepAliveMs: 0 });
    const withRef = encodeMessage({ verb: "Log", args: ["x"], ret: new ChannelRef(99), att: undefined });
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(withRef.length);
    let wasReset = false;
    const s = raw.open([Buffer.of(StreamKind.Channel), prefix, withRef]);
    s.sink = { data() {}, end() {}, reset: () => (wasReset = true) };
    await new Promise((r) => setTimeout(r, 30));
    assert.ok(wasReset, "the channel stream was reset");
    assert.equal(server.closed, false);
    // A well-formed channel on the same session still works.
    const ok = encodeMessage({ verb: "Log", args: ["fine"], ret: undefined, att: undefined });
    const p2 = Buffer.alloc(4);
    p2.writeUInt32BE(ok.length);
    const s2 = raw.open([Buffer.of(StreamKind.Channel), p2, ok]);
    s2.sink = { data() {}, end() {}, reset() {} };
    assert.deepEqual((await rx.receive())?.args, ["fine"]);
    raw.close();
  });

  it("a reply that breaks the limit reaches the requester as a typed error, not a hang", async () => {
    const handler: Sender = {
      async send(m) {
        // The server's own limit is larger: it sends a reply the client refuses.
        await m.ret?.send(message(Verbs.Set, ["y".repeat(2048)]));
        m.ret?.close();
      },
      close() {},
    };
    const [a, b] = memoryConnection();
    new WireSession(a, { client: false, handler, limits: { keepAliveMs: 0 } });
    const client = new WireSession(b, { client: true, limits: { keepAliveMs: 0, maxMessageBytes: 1024 } });
    const [replies, ret] = pipe();
    await client.openChannel().send(message(Verbs.Get, [], { ret }));
    const m = await replies.receive();
    assert.equal(m?.verb, Verbs.Error);
    assert.equal(m?.args[1], ErrorCodes.LimitExceeded);
    assert.equal(await replies.receive(), undefined);
    client.close();
  });

  it("frames a raw header as the spec says (sanity of the helper used by the fuzzers)", () => {
    const h = Buffer.alloc(HEADER_SIZE);
    writeHeader(h, 0, FrameType.WindowUpdate, Flag.SYN | Flag.FIN, 0x01020304, 0xa0b0c0d0);
    assert.deepEqual([...h], [0, 1, 0, 5, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0]);
  });
});
