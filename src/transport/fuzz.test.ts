import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { ErrorCodes, SwarmError } from "../core/errors.ts";
import type { Message, Sender } from "../core/message.ts";
import { ByteStreamRef, ChannelRef, decodeMessage, encodeMessage } from "./codec.ts";
import { Flag, FrameType, HEADER_SIZE, writeHeader } from "./frame.ts";
import { memoryConnection } from "./memory.ts";
import { StreamKind, WireSession } from "./wire.ts";

/**
 * Bad input (docs/transport.md §8): random and mutated frames and messages, truncated frames, huge
 * lengths, deep nesting, unknown references. The process must not crash, nothing may hang, and
 * memory stays bounded by the limits. Case counts are printed at the end.
 */
let cases = 0;
after(() => console.log(`fuzz cases run: ${cases}`));

const escaped: unknown[] = [];
const onEscape = (e: unknown) => escaped.push(e);
process.on("uncaughtException", onEscape);
process.on("unhandledRejection", onEscape);

const isProtocol = (e: unknown) => e instanceof SwarmError && e.code === ErrorCodes.Protocol;

function frame(type: number, flags: number, id: number, length: number, payload = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  writeHeader(h, 0, type as 0, flags, id, length);
  h[1] = type; // allow invalid types through
  return Buffer.concat([h, payload]);
}

function lengthPrefixed(body: Uint8Array): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(body.length);
  return Buffer.concat([p, body]);
}

/** A server session with a handler that settles every message; `raw` writes into it. */
function target() {
  const [ours, raw] = memoryConnection();
  let delivered = 0;
  const handler: Sender = {
    async send(m: Message) {
      delivered++;
      m.ret?.close();
      m.att?.destroy();
    },
    close() {},
  };
  const s = new WireSession(ours, {
    client: false,
    handler,
    limits: { maxStreams: 64, maxUnclaimed: 16, maxMessageBytes: 64 * 1024, keepAliveMs: 0 },
  });
  raw.on("data", () => {});
  raw.on("error", () => {});
  return { s, raw, delivered: () => delivered };
}

const settle = () => new Promise((r) => setImmediate(r));

/** Close the session: it must be done within a second, whatever it was fed. */
async function closesWithoutHanging(s: WireSession): Promise<void> {
  s.close();
  const why = await Promise.race([s.done, new Promise((r) => setTimeout(r, 1000, "hang"))]);
  assert.notEqual(why, "hang");
}

const wireMessage = fc.record({
  verb: fc.constantFrom("Log", "Ack", "Spawn", "Error", "X_1"),
  args: fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }),
  ret: fc.option(
    fc.integer({ min: 0, max: 20 }).map((n) => new ChannelRef(n)),
    { nil: undefined },
  ),
  att: fc.option(
    fc.integer({ min: 0, max: 20 }).map((n) => new ByteStreamRef(n)),
    { nil: undefined },
  ),
});

const mutation = fc.record({
  at: fc.nat(),
  byte: fc.integer({ min: 0, max: 255 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
});

describe("fuzz: message decoder", () => {
  it("random bytes decode to a valid message or a PROTOCOL error, nothing else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        cases++;
        try {
          const m = decodeMessage(bytes, { maxArgs: 100 });
          assert.equal(typeof m.verb, "string");
        } catch (e) {
          assert.ok(isProtocol(e), String(e));
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it("mutated and truncated valid messages: valid or PROTOCOL error", () => {
    fc.assert(
      fc.property(wireMessage, fc.array(mutation, { minLength: 1, maxLength: 4 }), (m, muts) => {
        cases++;
        let b = Buffer.from(encodeMessage(m));
        for (const { at, byte, cut } of muts) {
          b[at % b.length] = byte;
          if (cut !== undefined) b = b.subarray(0, cut % (b.length + 1));
        }
        try {
          decodeMessage(b, { maxArgs: 100 });
        } catch (e) {
          assert.ok(isProtocol(e), String(e));
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it("nesting 1 to 200 000 deep is refused without a crash", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom(0x91, 0x81), (depth, header) => {
        cases++;
        const body = Buffer.concat([Buffer.from([0x92, 0xa3, 76, 111, 103]), Buffer.alloc(depth, header)]);
        assert.throws(() => decodeMessage(body, { maxArgs: 100 }), isProtocol);
      }),
      { numRuns: 300 },
    );
  });
});

const frameSpec = fc.record({
  type: fc.integer({ min: 0, max: 5 }),
  flags: fc.integer({ min: 0, max: 15 }),
  id: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(0xffff_ffff)),
  length: fc.oneof(
    fc.integer({ min: 0, max: 64 }),
    fc.constant(0xffff_ffff),
    fc.integer({ min: 0, max: 300_000 }),
  ),
  payload: fc.uint8Array({ maxLength: 64 }),
});

describe("fuzz: session", () => {
  it("random frame sequences, split anywhere: no crash, no hang, bounded state", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frameSpec, { maxLength: 12 }), fc.nat(), async (specs, split) => {
        cases++;
        const t = target();
        const bytes = Buffer.concat(
          specs.map((f) => frame(f.type, f.flags, f.id, f.length, Buffer.from(f.payload))),
        );
        const at = bytes.length ? split % bytes.length : 0;
        t.raw.write(bytes.subarray(0, at));
        t.raw.write(bytes.subarray(at));
        await settle();
        assert.ok(t.s.mux.streamCount <= 64);
        await closesWithoutHanging(t.s);
      }),
      { numRuns: 1500 },
    );
    assert.deepEqual(escaped, []);
  });

  it("well-framed streams carrying random, mutated and oversized messages with unknown references", async () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 80 }).map((b) => lengthPrefixed(b)),
      fc.tuple(wireMessage, mutation).map(([m, { at, byte }]) => {
        const b = Buffer.from(encodeMessage(m));
        if (at % 3 === 0) b[at % b.length] = byte;
        return lengthPrefixed(b);
      }),
      fc.integer({ min: 64 * 1024 + 1, max: 0xffff_ffff }).map((n) => {
        const p = Buffer.alloc(4);
        p.writeUInt32BE(n);
        return p; // a length past the limit, with no body
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ kind: fc.integer({ min: 0, max: 4 }), body }), { minLength: 1, maxLength: 6 }),
        async (streams) => {
          cases++;
          const t = target();
          let id = 1;
          for (const { kind, body: b } of streams) {
            const payload = Buffer.concat([Buffer.of(kind), b]);
            t.raw.write(frame(FrameType.Data, Flag.SYN, id, payload.length, payload));
            t.raw.write(frame(FrameType.WindowUpdate, Flag.FIN, id, 0));
            id += 2;
          }
          await settle();
          await settle();
          assert.equal(t.s.closed, false, "a bad message must reset its stream, not the session");
          await closesWithoutHanging(t.s);
        },
      ),
      { numRuns: 2000 },
    );
    assert.deepEqual(escaped, []);
  });

  it("a 4 GB length prefix resets the stream without allocating it", async () => {
    cases++;
    const t = target();
    const before = process.memoryUsage().arrayBuffers;
    const prefix = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    const payload = Buffer.concat([Buffer.of(StreamKind.Channel), prefix, Buffer.alloc(200_000)]);
    t.raw.write(frame(FrameType.Data, Flag.SYN, 1, payload.length, payload));
    await settle();
    assert.ok(process.memoryUsage().arrayBuffers - before < 50 * 1024 * 1024);
    assert.equal(t.s.mux.streamCount, 0, "the stream was reset");
    assert.equal(t.s.closed, false);
    t.s.close();
  });
});
