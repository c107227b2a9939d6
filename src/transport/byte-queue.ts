/** A FIFO of byte chunks that reads across chunk boundaries without copying when it can. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private offset = 0;
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The big-endian u32 at the front; the caller checks `length >= 4` first. */
  peekUInt32BE(): number {
    const head = this.chunks[0]!;
    if (head.length - this.offset >= 4) return head.readUInt32BE(this.offset);
    const b = Buffer.allocUnsafe(4);
    this.copyTo(b, 4);
    return b.readUInt32BE(0);
  }

  /** The head chunk and offset when the first `n` bytes lie in it (read them in place), else undefined. */
  contiguous(n: number): { buf: Buffer; at: number } | undefined {
    const head = this.chunks[0];
    if (head && head.length - this.offset >= n) return { buf: head, at: this.offset };
    return undefined;
  }

  /** Remove and return the first `n` bytes (`n <= length`). */
  take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const head = this.chunks[0]!;
    let out: Buffer;
    if (head.length - this.offset >= n) {
      out = head.subarray(this.offset, this.offset + n);
    } else {
      out = Buffer.allocUnsafe(n);
      this.copyTo(out, n);
    }
    this.skip(n);
    return out;
  }

  skip(n: number): void {
    this.length -= n;
    while (n > 0) {
      const head = this.chunks[0]!;
      const avail = head.length - this.offset;
      if (avail > n) {
        this.offset += n;
        return;
      }
      n -= avail;
      this.chunks.shift();
      this.offset = 0;
    }
  }

  clear(): void {
    this.chunks = [];
    this.offset = 0;
    this.length = 0;
  }

  private copyTo(target: Buffer, n: number): void {
    let at = 0;
    let off = this.offset;
    for (const c of this.chunks) {
      const k = Math.min(c.length - off, n - at);
      c.copy(target, at, off, off + k);
      at += k;
      off = 0;
      if (at === n) return;
    }
  }
}
