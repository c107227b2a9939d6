import type { EngineEvent } from "./events.ts";

/** What a container or an exec needs from the simulator that owns it. */
export interface EngineContext {
  /** Record an event (Type, Action, Actor). */
  emit(e: Omit<EngineEvent, "seq" | "ns">): void;
  /** A fresh PID for a simulated process. */
  nextPid(): number;
  /** Is `name` (without `/`) taken by a container other than `id`? Returns the holder's ID. */
  nameHolder(name: string): string | undefined;
  /** The container changed its name. */
  renamed(id: string, oldName: string, newName: string): void;
  /** The container is gone: drop it from the indexes. */
  removed(id: string): void;
  /** Aborted when the simulator stops: every stream ends. */
  readonly signal: AbortSignal;
  /** Bytes of log kept per container. */
  readonly logCap: number;
}

/** A promise that settles when the signal aborts (never rejects). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((r) => signal.addEventListener("abort", () => r(), { once: true }));
}

/** Race `p` with the signal: resolves with `p`'s value, or `onAbort` once aborted. Removes its listener. */
export async function untilAborted<T, U>(signal: AbortSignal, p: Promise<T>, onAbort: U): Promise<T | U> {
  if (signal.aborted) return onAbort;
  let listener: (() => void) | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<U>((r) => {
        listener = () => r(onAbort);
        signal.addEventListener("abort", listener, { once: true });
      }),
    ]);
  } finally {
    if (listener) signal.removeEventListener("abort", listener);
  }
}
