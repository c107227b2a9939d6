import { addExtension, Packr } from "msgpackr";
import { ProtocolError } from "../core/errors.ts";
import { isValidVerb } from "../core/verbs.ts";

/**
 * The message codec (docs/transport.md §3). A message is a msgpack array
 * `[verb, args, ret?, att?]`: verb a string, args an array of strings, ret nil or a channel
 * reference, att nil or a byte-stream reference. A reference is a msgpack extension whose payload
 * is the 4-byte big-endian id of the stream that carries it.
 */
export const ExtType = {
  /** A Sender: messages written on the referenced stream reach the Sender on the side that opened it. */
  Channel: 1,
  /** A byte stream (Duplex): the referenced stream carries its bytes both ways. */
  ByteStream: 2,
} as const;

/** A reference to a stream carrying a channel (`ret`). */
export class ChannelRef {
  constructor(readonly streamId: number) {}
}

/** A reference to a stream carrying a byte stream (`att`). */
export class ByteStreamRef {
  constructor(readonly streamId: number) {}
}

function idBytes(id: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(id >>> 0, 0);
  return b;
}

function readId(b: Uint8Array, what: string): number {
  if (b.length !== 4) throw new ProtocolError(`${what} reference must be 4 bytes, got ${b.length}`);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

addExtension({
  Class: ChannelRef,
  type: ExtType.Channel,
  pack: (r: ChannelRef) => idBytes(r.streamId),
  unpack: (b: Uint8Array) => new ChannelRef(readId(b, "channel")),
});
addExtension({
  Class: ByteStreamRef,
  type: ExtType.ByteStream,
  pack: (r: ByteStreamRef) => idBytes(r.streamId),
  unpack: (b: Uint8Array) => new ByteStreamRef(readId(b, "byte-stream")),
});

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, structuredClone: false });

/** A message as it travels: references instead of live channels. */
export interface WireMessage {
  verb: string;
  args: readonly string[];
  ret: ChannelRef | undefined;
  att: ByteStreamRef | undefined;
}

export interface DecodeLimits {
  /** At most this many args. */
  maxArgs: number;
}

export function encodeMessage(m: WireMessage): Buffer {
  if (m.att) return packr.pack([m.verb, m.args, m.ret ?? null, m.att]);
  if (m.ret) return packr.pack([m.verb, m.args, m.ret]);
  return packr.pack([m.verb, m.args]);
}

/** Verbs already seen valid: most traffic repeats a handful. Bounded. */
const knownVerbs = new Set<string>();

function validVerb(v: unknown): v is string {
  if (typeof v === "string" && knownVerbs.has(v)) return true;
  if (!isValidVerb(v)) return false;
  if (knownVerbs.size < 1024) knownVerbs.add(v);
  return true;
}

/**
 * Decode and validate one message (`bytes[start..end)`); any deviation from the shape is a
 * ProtocolError.
 */
export function decodeMessage(
  bytes: Uint8Array,
  limits: DecodeLimits,
  start = 0,
  end = bytes.length,
): WireMessage {
  let v: unknown;
  try {
    v = start === 0 && end === bytes.length ? packr.unpack(bytes) : packr.unpack(bytes, { start, end });
  } catch (err) {
    throw new ProtocolError(`malformed message: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(v) || v.length < 2 || v.length > 4) {
    throw new ProtocolError("malformed message: not an array of 2 to 4 elements");
  }
  const [verb, args, ret, att] = v as unknown[];
  if (!validVerb(verb)) throw new ProtocolError("malformed message: invalid verb");
  if (!Array.isArray(args)) throw new ProtocolError("malformed message: args is not an array");
  if (args.length > limits.maxArgs)
    throw new ProtocolError(`malformed message: more than ${limits.maxArgs} args`);
  for (const a of args)
    if (typeof a !== "string") throw new ProtocolError("malformed message: an arg is not a string");
  if (ret != null && !(ret instanceof ChannelRef))
    throw new ProtocolError("malformed message: ret is not a channel");
  if (att != null && !(att instanceof ByteStreamRef)) {
    throw new ProtocolError("malformed message: att is not a byte stream");
  }
  return { verb, args, ret: ret ?? undefined, att: att ?? undefined } as WireMessage;
}
