import type { OutputStream } from "./supervisor.ts";

export interface Chunk {
  stream: OutputStream;
  chunk: Buffer;
  /** The log timestamp the chunk was written with. */
  time: string;
}

/** How many chunks one slow reader may have queued before the process's output is paused. */
const highWater = 256;

/**
 * The live output of a container, fanned out to every reader (attach, logs -f, exec start). A slow
 * reader pauses the process (back-pressure) instead of letting memory grow.
 */
export class OutputBus {
  private readonly readers = new Set<BusReader>();
  private onDrain: (() => void) | undefined;

  /** Register what to call when every reader has room again. */
  setDrainHandler(fn: (() => void) | undefined): void {
    this.onDrain = fn;
  }

  subscribe(): BusReader {
    const r = new BusReader(this);
    this.readers.add(r);
    return r;
  }

  /** Deliver a chunk; false when some reader is full and the producer should pause. */
  publish(stream: OutputStream, chunk: Buffer, time: string): boolean {
    let room = true;
    for (const r of this.readers) if (!r.push({ stream, chunk, time })) room = false;
    return room;
  }

  /** The current run ended: every reader gets EOF after what it has queued, and is dropped. */
  end(): void {
    for (const r of this.readers) r.finish();
    this.readers.clear();
    this.onDrain?.();
  }

  /** @internal */
  leave(r: BusReader): void {
    this.readers.delete(r);
    this.drained();
  }

  /** @internal */
  drained(): void {
    for (const r of this.readers) if (r.full) return;
    this.onDrain?.();
  }
}

export class BusReader {
  private readonly queue: Chunk[] = [];
  private waiter: ((c: Chunk | undefined) => void) | undefined;
  private done = false;

  constructor(private readonly bus: OutputBus) {}

  get full(): boolean {
    return this.queue.length >= highWater;
  }

  /** @internal */
  push(c: Chunk): boolean {
    if (this.done) return true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(c);
      return true;
    }
    this.queue.push(c);
    return !this.full;
  }

  /** @internal */
  finish(): void {
    this.done = true;
    if (this.waiter && this.queue.length === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      w(undefined);
    }
  }

  /** The next chunk, or undefined at the end of the run (or after `close`). */
  next(): Promise<Chunk | undefined> {
    const c = this.queue.shift();
    if (c) {
      if (this.queue.length === highWater - 1) this.bus.drained();
      return Promise.resolve(c);
    }
    if (this.done) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Stop reading: queued chunks are dropped and the producer is no longer held back by this reader. */
  close(): void {
    this.done = true;
    this.queue.length = 0;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
    this.bus.leave(this);
  }
}
