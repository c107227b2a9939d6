import type { Filters } from "../../docker/filters.ts";
import { labelMatches, normalizeFilters } from "../../docker/filters.ts";
import { nowNanos, secondsToNanos } from "../../docker/time.ts";
import type { WatchOptions } from "../../docker/verbs.ts";

/** One engine event, kept with its time in nanoseconds (beyond 2^53, so a bigint). */
export interface EngineEvent {
  type: "container";
  action: string;
  id: string;
  attributes: Record<string, string>;
  timeNano: bigint;
}

/** The engine's JSON for an event, with `timeNano` written as an exact integer. */
export function eventJSON(e: EngineEvent): string {
  const base: Record<string, unknown> = {
    status: e.action,
    id: e.id,
    from: e.attributes.image ?? "",
    Type: e.type,
    Action: e.action,
    Actor: { ID: e.id, Attributes: e.attributes },
    scope: "local",
    time: Number(e.timeNano / 1_000_000_000n),
  };
  return `${JSON.stringify(base).slice(0, -1)},"timeNano":${e.timeNano}}`;
}

function matches(e: EngineEvent, f: Filters): boolean {
  const any = (key: string, test: (v: string) => boolean) => !f[key]?.length || f[key]!.some(test);
  const verb = e.action.split(":")[0]!;
  return (
    any("type", (v) => v === e.type) &&
    any("event", (v) => v === e.action || v === verb) &&
    any("container", (v) => e.id.startsWith(v) || e.attributes.name === v) &&
    any("image", (v) => e.attributes.image === v) &&
    (f.label ?? []).every((v) => labelMatches(e.attributes, v))
  );
}

type Listener = (e: EngineEvent) => void;

/** Recent events for `--since`, and live delivery to watchers. */
export class EventLog {
  private readonly history: EngineEvent[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(private readonly keep = 1000) {}

  emit(action: string, id: string, attributes: Record<string, string>): void {
    const e: EngineEvent = { type: "container", action, id, attributes, timeNano: nowNanos() };
    this.history.push(e);
    if (this.history.length > this.keep) this.history.shift();
    for (const l of this.listeners) l(e);
  }

  /**
   * Deliver the events `opts` asks for to `send` until `until` passes, `send` returns false (the
   * watcher left) or `signal` fires. Past events are replayed only with `since`, as the engine does.
   */
  async watch(
    opts: WatchOptions,
    send: (json: string) => Promise<boolean>,
    signal: AbortSignal,
  ): Promise<void> {
    const filters = normalizeFilters(opts.filters);
    const since = opts.since !== undefined ? secondsToNanos(opts.since) : undefined;
    const until = opts.until !== undefined ? secondsToNanos(opts.until) : undefined;
    const queue: EngineEvent[] = [];
    let wake: (() => void) | undefined;
    const listener: Listener = (e) => {
      queue.push(e);
      wake?.();
    };
    this.listeners.add(listener);
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort);
    let timer: NodeJS.Timeout | undefined;
    try {
      if (since !== undefined) queue.unshift(...this.history.filter((e) => e.timeNano >= since));
      while (!signal.aborted) {
        const e = queue.shift();
        if (e) {
          if (until !== undefined && e.timeNano > until) break;
          if (matches(e, filters) && !(await send(eventJSON(e)))) break;
          continue;
        }
        const left = until === undefined ? undefined : Number((until - nowNanos()) / 1_000_000n);
        if (left !== undefined && left <= 0) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (left !== undefined) timer = setTimeout(resolve, left);
        });
        wake = undefined;
        clearTimeout(timer);
      }
    } finally {
      clearTimeout(timer);
      this.listeners.delete(listener);
      signal.removeEventListener("abort", onAbort);
    }
  }
}
