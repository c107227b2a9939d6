import { sameList } from "./entries.ts";

/**
 * A one-slot channel of node lists for drivers: `push` replaces any list the reader has not taken
 * yet (only the newest state matters), a list equal to the last one delivered is dropped, and the
 * iteration ends when `signal` aborts.
 */
export class Latest implements AsyncIterable<string[]> {
  private pending: string[] | undefined;
  private delivered: string[] | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener("abort", () => this.wake?.(), { once: true });
  }

  push(list: string[]): void {
    if (sameList(this.delivered, list)) {
      this.pending = undefined;
      return;
    }
    this.pending = list;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string[]> {
    while (!this.signal.aborted) {
      if (this.pending === undefined) {
        await new Promise<void>((r) => {
          this.wake = r;
        });
        this.wake = undefined;
        continue;
      }
      const list = this.pending;
      this.pending = undefined;
      this.delivered = list;
      yield list;
    }
  }
}

/** Resolve after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * A controller that aborts with `parent`, and that a driver aborts itself when its reader stops
 * early (breaks out of the loop), so its timers and connections end either way.
 */
export function linkedController(parent: AbortSignal): AbortController {
  const c = new AbortController();
  if (parent.aborted) c.abort();
  else parent.addEventListener("abort", () => c.abort(), { once: true, signal: c.signal });
  return c;
}
