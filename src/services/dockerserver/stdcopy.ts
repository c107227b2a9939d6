/**
 * Docker's stdcopy framing, used on attach/exec/logs when the container has no TTY:
 * byte 0 = stream (0 stdin, 1 stdout, 2 stderr, 3 systemerr), bytes 1..3 = 0, bytes 4..7 = payload
 * length (uint32 big-endian), then the payload.
 */
const STREAM_IDS: Record<string, number> = { stdin: 0, stdout: 1, stderr: 2, systemerr: 3 };

/** One frame for a `Log [stream, chunk]` message; `chunk` is a byte string (PROTOCOL §1.4). */
export function frame(stream: string, chunk: string): Buffer {
  const len = Buffer.byteLength(chunk, "latin1");
  const buf = Buffer.allocUnsafe(8 + len);
  buf[0] = STREAM_IDS[stream] ?? 1;
  buf[1] = 0;
  buf[2] = 0;
  buf[3] = 0;
  buf.writeUInt32BE(len, 4);
  buf.write(chunk, 8, "latin1");
  return buf;
}

/** The bytes of a container I/O chunk: framed when there is no TTY, raw when there is. */
export function encodeOutput(stream: string, chunk: string, tty: boolean): Buffer {
  return tty ? Buffer.from(chunk, "latin1") : frame(stream, chunk);
}

/** Split a byte buffer into frames (tests, and readers of our own output). */
export function* parseFrames(buf: Buffer): Generator<{ stream: number; payload: Buffer }> {
  let off = 0;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32BE(off + 4);
    if (off + 8 + len > buf.length) return;
    yield { stream: buf[off]!, payload: buf.subarray(off + 8, off + 8 + len) };
    off += 8 + len;
  }
}
