import type { Duplex } from "node:stream";
import { FrameType, HEADER_SIZE, putU32, writeHeader } from "./frame.ts";

const CHUNK_SIZE = 64 * 1024;
/** Payloads up to this size are copied into the batch; larger ones are written as they are. */
const COPY_LIMIT = 2048;
/** Past this many queued bytes the batch is written at once instead of at the next turn. */
const FLUSH_BYTES = 128 * 1024;

/**
 * Batches outgoing frames: frames queued during one turn of the event loop leave in one write.
 * `blocked` is true while the connection's own buffer is full; writers wait on `whenUnblocked`.
 */
export class FrameWriter {
  private cur = Buffer.allocUnsafe(CHUNK_SIZE);
  private start = 0;
  private pos = 0;
  private chunks: Buffer[] = [];
  private queued = 0;
  private scheduled = false;
  private closed = false;
  blocked = false;
  private waiters: { resolve(): void; reject(e: unknown): void }[] = [];

  constructor(private readonly conn: Duplex) {
    conn.on("drain", () => {
      this.blocked = false;
      for (const w of this.waiters.splice(0)) w.resolve();
    });
  }

  /** Queue one frame. `payload` parts are concatenated; their total must equal `length` for Data. */
  frame(type: FrameType, flags: number, streamId: number, length: number, payload?: readonly Buffer[]): void {
    if (this.closed) return;
    this.reserve(HEADER_SIZE);
    writeHeader(this.cur, this.pos, type, flags, streamId, length);
    this.pos += HEADER_SIZE;
    this.queued += HEADER_SIZE;
    if (payload) {
      for (const part of payload) {
        if (part.length <= COPY_LIMIT) {
          this.reserve(part.length);
          part.copy(this.cur, this.pos);
          this.pos += part.length;
        } else {
          this.seal();
          this.chunks.push(part);
        }
        this.queued += part.length;
      }
    }
    if (this.queued >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  /** Queue a Data frame whose payload is a big-endian u32 `prefix` followed by `body` (one message). */
  prefixed(flags: number, streamId: number, prefix: number, body: Buffer): void {
    if (this.closed) return;
    const small = body.length <= COPY_LIMIT;
    this.reserve(HEADER_SIZE + 4 + (small ? body.length : 0));
    const cur = this.cur;
    writeHeader(cur, this.pos, FrameType.Data, flags, streamId, 4 + body.length);
    putU32(cur, this.pos + HEADER_SIZE, prefix);
    this.pos += HEADER_SIZE + 4;
    if (small) {
      body.copy(cur, this.pos);
      this.pos += body.length;
    } else {
      this.seal();
      this.chunks.push(body);
    }
    this.queued += HEADER_SIZE + 4 + body.length;
    if (this.queued >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  private readonly flushNow = () => this.flush();

  /** Write everything queued now. */
  flush(): void {
    this.scheduled = false;
    if (this.closed) return;
    this.seal();
    const chunks = this.chunks;
    if (chunks.length === 0) return;
    this.chunks = [];
    this.queued = 0;
    let ok = true;
    if (chunks.length === 1) ok = this.conn.write(chunks[0]);
    else {
      this.conn.cork();
      for (const c of chunks) ok = this.conn.write(c);
      this.conn.uncork();
    }
    if (!ok) this.blocked = true;
  }

  /** Resolves once the connection can take more; rejects if the writer closes first. */
  whenUnblocked(): Promise<void> {
    if (!this.blocked) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Stop writing; waiters are rejected with `err`. */
  close(err: Error): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private seal(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.cur.subarray(this.start, this.pos));
      this.start = this.pos;
    }
  }

  private reserve(n: number): void {
    if (this.cur.length - this.pos >= n) return;
    this.seal();
    this.cur = Buffer.allocUnsafe(Math.max(CHUNK_SIZE, n));
    this.start = 0;
    this.pos = 0;
  }
}
