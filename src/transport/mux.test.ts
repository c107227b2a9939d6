import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCodes, SwarmError } from "../core/errors.ts";
import { Flag, FrameType, GoAwayCode, HEADER_SIZE, INITIAL_WINDOW, writeHeader } from "./frame.ts";
import { memoryConnection } from "./memory.ts";
import { Mux } from "./mux.ts";
import type { MuxStream, StreamSink } from "./mux-stream.ts";

export function frame(type: number, flags: number, id: number, length: number, payload?: Buffer): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  writeHeader(h, 0, type as 0, flags, id, length);
  return payload ? Buffer.concat([h, payload]) : h;
}

/** A Mux on one end; the test writes raw bytes into the other end and reads what comes back. */
export function rawPeer(
  options: {
    maxStreams?: number;
    keepAliveMs?: number;
    keepAliveTimeoutMs?: number;
    sink?: () => StreamSink;
  } = {},
) {
  const [ours, raw] = memoryConnection();
  const accepted: MuxStream[] = [];
  const { sink, ...muxOptions } = options;
  const mux = new Mux(ours, {
    client: false,
    keepAliveMs: 0,
    ...muxOptions,
    onStream: (s) => {
      accepted.push(s);
      s.sink = sink ? sink() : { data: (c) => s.consumed(c.length), end() {}, reset() {} };
    },
  });
  const received: Buffer[] = [];
  raw.on("data", (c: Buffer) => received.push(c));
  return { mux, raw, accepted, received: () => Buffer.concat(received) };
}

/** Split `bytes` into frames headers (type, flags, id, length) for assertions. */
function headers(bytes: Buffer): { type: number; flags: number; id: number; length: number }[] {
  const out = [];
  let at = 0;
  while (at + HEADER_SIZE <= bytes.length) {
    const type = bytes[at + 1]!;
    const length = bytes.readUInt32BE(at + 8);
    out.push({ type, flags: bytes.readUInt16BE(at + 2), id: bytes.readUInt32BE(at + 4), length });
    at += HEADER_SIZE + (type === FrameType.Data ? length : 0);
  }
  return out;
}

const tick = () => new Promise((r) => setTimeout(r, 10));

describe("yamux session (docs/transport.md §2)", () => {
  it("parses frames delivered one byte at a time", async () => {
    const got: Buffer[] = [];
    let ended = false;
    const p = rawPeer({
      sink: () => ({ data: (c) => got.push(Buffer.from(c)), end: () => (ended = true), reset() {} }),
    });
    const bytes = Buffer.concat([
      frame(FrameType.Data, Flag.SYN, 1, 5, Buffer.from("hello")),
      frame(FrameType.Data, Flag.FIN, 1, 3, Buffer.from("abc")),
      frame(FrameType.Ping, Flag.SYN, 0, 77),
    ]);
    for (const b of bytes) p.raw.write(Buffer.of(b));
    await tick();
    assert.equal(p.accepted.length, 1);
    assert.equal(Buffer.concat(got).toString(), "helloabc");
    assert.ok(ended);
    const answers = headers(p.received());
    assert.deepEqual(answers[0], { type: FrameType.WindowUpdate, flags: Flag.ACK, id: 1, length: 0 });
    assert.deepEqual(answers.at(-1), { type: FrameType.Ping, flags: Flag.ACK, id: 0, length: 77 });
    p.mux.close();
  });

  for (const [what, bytes] of [
    ["an unknown version", Buffer.from([1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0])],
    ["an unknown frame type", Buffer.from([0, 9, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0])],
    ["a SYN with our own parity", frame(FrameType.WindowUpdate, Flag.SYN, 2, 0)],
    ["a SYN on stream 0", frame(FrameType.WindowUpdate, Flag.SYN, 0, 0)],
    ["more data than the window", frame(FrameType.Data, Flag.SYN, 1, INITIAL_WINDOW + 1)],
    ["a huge frame for an unknown stream", frame(FrameType.Data, 0, 99, 0xffff_ffff)],
    ["a window overflow", frame(FrameType.WindowUpdate, Flag.SYN, 1, 0xffff_ffff)],
  ] as const) {
    it(`answers ${what} with GoAway(protocol error) and ends the session, without throwing`, async () => {
      const p = rawPeer();
      p.raw.write(bytes);
      const why = await p.mux.done;
      assert.ok(why instanceof SwarmError && why.code === ErrorCodes.Unavailable);
      assert.match(why.message, /protocol error/);
      await tick();
      const goAway = headers(p.received()).find((h) => h.type === FrameType.GoAway);
      assert.deepEqual(goAway, { type: FrameType.GoAway, flags: 0, id: 0, length: GoAwayCode.ProtocolError });
    });
  }

  it("refuses a stream over maxStreams with RST and keeps the session", async () => {
    const p = rawPeer({ maxStreams: 2 });
    p.raw.write(Buffer.concat([1, 3, 5].map((id) => frame(FrameType.WindowUpdate, Flag.SYN, id, 0))));
    await tick();
    assert.equal(p.accepted.length, 2);
    const rst = headers(p.received()).find((h) => h.flags & Flag.RST);
    assert.equal(rst?.id, 5);
    assert.equal(p.mux.closed, false);
    p.mux.close();
  });

  it("ends a silent session after the keep-alive timeout", async () => {
    const p = rawPeer({ keepAliveMs: 20, keepAliveTimeoutMs: 60 });
    const alive = setTimeout(() => {}, 5000); // the keep-alive timer is unref'd: hold the loop open
    const why = await p.mux.done;
    clearTimeout(alive);
    assert.ok(why instanceof SwarmError && why.code === ErrorCodes.Timeout);
    assert.ok(headers(p.received()).some((h) => h.type === FrameType.Ping && h.flags === Flag.SYN));
  });

  it("measures a ping round trip between two sessions", async () => {
    const [a, b] = memoryConnection();
    const m1 = new Mux(a, { client: true, keepAliveMs: 0 });
    const m2 = new Mux(b, { client: false, keepAliveMs: 0 });
    assert.ok((await m1.ping()) >= 0);
    m1.close();
    assert.match((await m2.done).message, /peer closed the session/);
  });
});
