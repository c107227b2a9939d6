import type { OutStream } from "./process.ts";

/**
 * One reader of live output (a container attach, an exec start): deliveries happen in order, one
 * at a time, and the producer waits for them (back-pressure). A failed delivery (the caller closed
 * its receiver) ends the reader; `done` settles once it has ended and everything pushed before
 * `end()` was delivered.
 */
export class Attacher {
  private chain: Promise<boolean> = Promise.resolve(true);
  private alive = true;
  private resolveDone!: () => void;
  readonly done: Promise<void>;

  constructor(
    private readonly deliver: (stream: OutStream, data: string) => Promise<boolean>,
    readonly wants: { stdout: boolean; stderr: boolean } = { stdout: true, stderr: true },
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  get active(): boolean {
    return this.alive;
  }

  push(stream: OutStream, data: string): Promise<boolean> {
    if (!this.alive || !this.wants[stream]) return Promise.resolve(this.alive);
    this.chain = this.chain.then(async (ok) => {
      if (!ok || !this.alive) return false;
      const delivered = await this.deliver(stream, data);
      if (!delivered) this.stop();
      return delivered;
    });
    return this.chain;
  }

  /** No more output: `done` settles after the pending deliveries. */
  end(): void {
    void this.chain.then(() => this.stop());
  }

  /** Stop at once (the caller went away, or the simulator stops). */
  stop(): void {
    this.alive = false;
    this.resolveDone();
  }
}
