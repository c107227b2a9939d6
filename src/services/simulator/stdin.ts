/**
 * A simulated process's stdin: a bounded queue of byte strings, then EOF. Writers wait while more
 * than `capBytes` are unread (back-pressure from a paused or slow reader), readers wait for data.
 */
export class StdinQueue {
  private readonly chunks: string[] = [];
  private bytes = 0;
  private eof = false;
  private readers: (() => void)[] = [];
  private writers: (() => void)[] = [];

  constructor(private readonly capBytes = 256 * 1024) {}

  get ended(): boolean {
    return this.eof;
  }

  /** Queue a chunk; waits while the queue is full. Ignored after EOF. */
  async write(chunk: string): Promise<void> {
    while (!this.eof && this.bytes >= this.capBytes) await new Promise<void>((r) => this.writers.push(r));
    if (this.eof || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.wake("readers");
  }

  /** EOF: readers get what is queued, then undefined. Idempotent. */
  end(): void {
    this.eof = true;
    this.wake("readers");
    this.wake("writers");
  }

  /** The next chunk, or undefined at EOF. */
  async read(): Promise<string | undefined> {
    while (this.chunks.length === 0 && !this.eof) await new Promise<void>((r) => this.readers.push(r));
    const chunk = this.chunks.shift();
    if (chunk !== undefined) {
      this.bytes -= chunk.length;
      this.wake("writers");
    }
    return chunk;
  }

  private wake(which: "readers" | "writers"): void {
    const list = this[which];
    this[which] = [];
    for (const w of list) w();
  }
}
