import { ClosedError } from "./errors.ts";
import type { Message, Receiver, Sender } from "./message.ts";

export interface PipeOptions {
  /** How many messages may wait unread before `send` waits. Default 64. */
  highWaterMark?: number;
}

/**
 * What a pipe's `send` returns when the message was accepted at once. Callers on a hot path may
 * compare against it and skip the `await` (a microtask per message); awaiting it is always correct.
 */
export const accepted: Promise<void> = Promise.resolve();
const resolved = accepted;

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: unknown): void;
}

/** A send waiting for room: its message goes in when a slot frees, in the order sends were made. */
interface Writer extends Waiter<void> {
  msg: Message;
}

/**
 * An in-memory channel: a Sender and a Receiver joined by a bounded FIFO queue.
 *
 * - Back-pressure: once `highWaterMark` messages are queued, `send` waits for the reader.
 * - `sender.close()` is EOF: queued messages are still delivered, then `receive()` gives undefined.
 * - `receiver.close()` abandons the channel: waiting and later sends reject with ClosedError, and
 *   the `ret` of every message dropped unread is closed, so nobody waits on a reply that cannot come.
 */
export function pipe(options: PipeOptions = {}): [Receiver, Sender] {
  const state = new PipeState(options.highWaterMark ?? 64);
  return [new PipeReceiver(state), new PipeSender(state)];
}

class PipeState {
  readonly queue: Message[] = [];
  readonly readers: Waiter<Message | undefined>[] = [];
  readonly writers: Writer[] = [];
  eof = false;
  abandoned = false;
  constructor(readonly highWaterMark: number) {
    if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
      throw new RangeError(`highWaterMark must be a positive integer, got ${highWaterMark}`);
    }
  }

  /**
   * Move waiting writers' messages into the freed slots, oldest first. Done here, synchronously,
   * so that a send made after a slot frees cannot take it from a writer that was already waiting.
   */
  admitWriters(): void {
    while (this.writers.length > 0 && this.queue.length < this.highWaterMark) {
      const w = this.writers.shift()!;
      this.queue.push(w.msg);
      w.resolve();
    }
  }
}

class PipeSender implements Sender {
  constructor(private readonly s: PipeState) {}

  send(msg: Message): Promise<void> {
    const s = this.s;
    if (s.abandoned) return Promise.reject(new ClosedError("send on a channel whose receiver is closed"));
    if (s.eof) return Promise.reject(new ClosedError("send on a closed channel"));
    // Fast path, no allocation: a reader is waiting, or there is room and nobody waits before us.
    if (s.writers.length === 0) {
      const reader = s.readers.shift();
      if (reader) {
        reader.resolve(msg);
        return resolved;
      }
      if (s.queue.length < s.highWaterMark) {
        s.queue.push(msg);
        return resolved;
      }
    }
    return new Promise<void>((resolve, reject) => s.writers.push({ msg, resolve, reject }));
  }

  close(): void {
    const s = this.s;
    if (s.eof) return;
    s.eof = true;
    for (const r of s.readers.splice(0)) r.resolve(undefined);
    for (const w of s.writers.splice(0)) w.reject(new ClosedError("send on a closed channel"));
  }
}

class PipeReceiver implements Receiver {
  constructor(private readonly s: PipeState) {}

  /** The next queued message without waiting, or undefined when none is queued (EOF included). */
  poll(): Message | undefined {
    const s = this.s;
    if (s.abandoned) return undefined;
    const msg = s.queue.shift();
    if (msg) s.admitWriters();
    return msg;
  }

  receive(): Promise<Message | undefined> {
    const s = this.s;
    if (s.abandoned) return Promise.resolve(undefined);
    const msg = s.queue.shift();
    if (msg) {
      s.admitWriters();
      return Promise.resolve(msg);
    }
    if (s.eof) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => s.readers.push({ resolve, reject }));
  }

  close(): void {
    const s = this.s;
    if (s.abandoned) return;
    s.abandoned = true;
    for (const m of s.queue.splice(0)) {
      m.ret?.close();
      m.att?.destroy();
    }
    for (const r of s.readers.splice(0)) r.resolve(undefined);
    for (const w of s.writers.splice(0))
      w.reject(new ClosedError("send on a channel whose receiver is closed"));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    try {
      while (true) {
        const m = this.poll() ?? (await this.receive());
        if (m === undefined) return;
        yield m;
      }
    } finally {
      // Leaving the loop early (break, throw) means nobody reads any more.
      this.close();
    }
  }
}
