import { nowNanos } from "../../docker/time.ts";
import { Notifier } from "./notifier.ts";

/**
 * The engine's event stream (GET /events): a ring of recent events for `since` replays, and a
 * notifier for live watchers. Events serialise to Docker's JSON shape, with `timeNano` written
 * exactly (it is beyond 2^53).
 */
export interface EngineEvent {
  seq: number;
  type: "container" | "network" | "image";
  action: string;
  actorId: string;
  attributes: Record<string, string>;
  /** The image of a container event (the legacy `from`). */
  from?: string;
  ns: bigint;
}

/** How many past events are kept for replays. */
export const EVENT_RING = 1024;

export class EventBus {
  private ring: EngineEvent[] = [];
  private nextSeq = 1;
  readonly changed = new Notifier();

  emit(e: Omit<EngineEvent, "seq" | "ns">): EngineEvent {
    const event: EngineEvent = { ...e, seq: this.nextSeq++, ns: nowNanos() };
    this.ring.push(event);
    if (this.ring.length > EVENT_RING * 2) this.ring = this.ring.slice(-EVENT_RING);
    this.changed.notify();
    return event;
  }

  /** Events with `seq >= from`. */
  from(from: number): EngineEvent[] {
    if (this.ring.length === 0) return [];
    // Sequence numbers are contiguous, so this is a slice.
    return this.ring.slice(Math.max(0, from - this.ring[0]!.seq));
  }

  get end(): number {
    return this.nextSeq;
  }

  /** The kept events (at most EVENT_RING… 2×EVENT_RING), oldest first. */
  all(): readonly EngineEvent[] {
    return this.ring;
  }
}

function sortedAttributes(a: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(a).sort()) out[k] = a[k]!;
  return out;
}

/** Docker's event JSON (container events also carry the legacy status/id/from). */
export function eventJSON(e: EngineEvent): string {
  const time = e.ns / 1_000_000_000n;
  const actor = JSON.stringify({ ID: e.actorId, Attributes: sortedAttributes(e.attributes) });
  const legacy =
    e.type === "container"
      ? `"status":${JSON.stringify(e.action)},"id":${JSON.stringify(e.actorId)},"from":${JSON.stringify(e.from ?? "")},`
      : "";
  return `{${legacy}"Type":${JSON.stringify(e.type)},"Action":${JSON.stringify(e.action)},"Actor":${actor},"scope":"local","time":${time},"timeNano":${e.ns}}`;
}

/** Does an event pass `docker events --filter` (values OR-ed, keys AND-ed)? */
export function eventMatches(e: EngineEvent, filters: Record<string, string[]>): boolean {
  const test = (key: string, pred: (v: string) => boolean) => {
    const values = filters[key];
    return !values || values.length === 0 || values.some(pred);
  };
  // `exec_create: sh -c …` is matched by `event=exec_create`.
  const action = e.action.split(":")[0]!;
  const name = e.attributes.name ?? "";
  return (
    test("type", (v) => v === e.type) &&
    test("event", (v) => v === action || v === e.action) &&
    test("container", (v) =>
      e.type === "container" && (v === name || e.actorId.startsWith(v) || v === `/${name}`)) &&
    test("image", (v) => v === e.from || v === e.attributes.image || `${v}:latest` === e.attributes.image) &&
    test("network", (v) => e.type === "network" && (v === e.actorId || v === name)) &&
    test("label", (v) => {
      const eq = v.indexOf("=");
      return eq < 0 ? Object.hasOwn(e.attributes, v) : e.attributes[v.slice(0, eq)] === v.slice(eq + 1);
    }) &&
    test("scope", (v) => v === "local") &&
    test("daemon", () => false)
  );
}
