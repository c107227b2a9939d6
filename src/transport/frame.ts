/**
 * Yamux framing (https://github.com/hashicorp/yamux/blob/master/spec.md), the session layer of the
 * libswarm wire protocol (docs/transport.md §2). Every frame is a 12-byte header, big-endian:
 *
 *   version:u8 (0) | type:u8 | flags:u16 | streamId:u32 | length:u32
 *
 * followed, for Data frames only, by `length` bytes of payload.
 */
export const HEADER_SIZE = 12;
export const YAMUX_VERSION = 0;
/** The window every stream starts with, both ways (yamux's fixed initial value). */
export const INITIAL_WINDOW = 256 * 1024;

export const FrameType = {
  Data: 0,
  WindowUpdate: 1,
  Ping: 2,
  GoAway: 3,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const Flag = {
  SYN: 1,
  ACK: 2,
  FIN: 4,
  RST: 8,
} as const;

export const GoAwayCode = {
  Normal: 0,
  ProtocolError: 1,
  InternalError: 2,
} as const;
export type GoAwayCode = (typeof GoAwayCode)[keyof typeof GoAwayCode];

export interface FrameHeader {
  type: FrameType;
  flags: number;
  streamId: number;
  length: number;
}

/** Write a header into `buf` at `at`. */
export function writeHeader(
  buf: Buffer,
  at: number,
  type: FrameType,
  flags: number,
  streamId: number,
  length: number,
): void {
  // Plain byte stores: measurably faster than Buffer's checked writers on this hot path.
  buf[at] = YAMUX_VERSION;
  buf[at + 1] = type;
  buf[at + 2] = flags >>> 8;
  buf[at + 3] = flags & 0xff;
  putU32(buf, at + 4, streamId);
  putU32(buf, at + 8, length);
}

export function putU32(buf: Buffer, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = (v >>> 16) & 0xff;
  buf[at + 2] = (v >>> 8) & 0xff;
  buf[at + 3] = v & 0xff;
}

/** Read a header at `at`; throws a string describing the problem when the header is malformed. */
export function readHeader(buf: Buffer, at: number): FrameHeader {
  const version = buf[at]!;
  if (version !== YAMUX_VERSION) throw new FrameError(`unsupported yamux version ${version}`);
  const type = buf[at + 1]!;
  if (type > FrameType.GoAway) throw new FrameError(`unknown frame type ${type}`);
  return {
    type: type as FrameType,
    flags: (buf[at + 2]! << 8) | buf[at + 3]!,
    streamId: ((buf[at + 4]! << 24) | (buf[at + 5]! << 16) | (buf[at + 6]! << 8) | buf[at + 7]!) >>> 0,
    length: ((buf[at + 8]! << 24) | (buf[at + 9]! << 16) | (buf[at + 10]! << 8) | buf[at + 11]!) >>> 0,
  };
}

/** A frame that breaks the framing rules: the session answers GoAway(protocol error) and ends. */
export class FrameError extends Error {
  override name = "FrameError";
}
