import { InvalidArgumentError } from "../../core/errors.ts";
import { normalizeFilters } from "../../docker/filters.ts";

/**
 * The merged event stream: every node's events, each tagged with its node as classic Swarm did
 * (`node: {Name, Id, Addr, Ip}`) plus an Actor attribute `node.name`, fanned out to every `docker
 * events` watcher. A short history is kept so that `--since` can replay recent events.
 */
export interface DockerEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  from?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  scope?: string;
  time?: number;
  timeNano?: number;
  node?: { Name: string; Id: string; Addr: string; Ip: string };
  [k: string]: unknown;
}

export interface NodeTag {
  Name: string;
  Id: string;
  Addr: string;
  Ip: string;
}

/** Add the node to an event (a new object; the node's own is left alone). */
export function tagEvent(ev: DockerEvent, node: NodeTag): DockerEvent {
  const attrs = { ...(ev.Actor?.Attributes ?? {}), "node.name": node.Name };
  return { ...ev, Actor: { ...(ev.Actor ?? {}), Attributes: attrs }, node };
}

const eventFilterKeys = new Set([
  "config",
  "container",
  "daemon",
  "event",
  "image",
  "label",
  "network",
  "node",
  "plugin",
  "scope",
  "secret",
  "service",
  "type",
  "volume",
]);

/** A matcher for Docker's /events filters (values of one key OR-ed, keys AND-ed), plus `node`. */
export function eventMatcher(raw: unknown): (ev: DockerEvent) => boolean {
  const filters = normalizeFilters(raw);
  for (const key of Object.keys(filters)) {
    if (!eventFilterKeys.has(key)) throw new InvalidArgumentError(`invalid filter '${key}'`);
  }
  const any = (key: string, test: (v: string) => boolean) => {
    const values = filters[key];
    return !values || values.length === 0 || values.some(test);
  };
  return (ev) => {
    const type = ev.Type ?? "container";
    const attrs = ev.Actor?.Attributes ?? {};
    const actorId = ev.Actor?.ID ?? ev.id ?? "";
    const action = ev.Action ?? ev.status ?? "";
    const byIdOrName = (kind: string) => (v: string) =>
      type === kind && (actorId === v || actorId.startsWith(v) || attrs.name === v);
    return (
      any("type", (v) => v === type) &&
      any("event", (v) => v === action || action.startsWith(`${v}:`)) &&
      any("scope", (v) => v === (ev.scope ?? "local")) &&
      any("container", byIdOrName("container")) &&
      any("network", byIdOrName("network")) &&
      any("volume", byIdOrName("volume")) &&
      any("plugin", byIdOrName("plugin")) &&
      any("image", (v) => {
        const image = type === "image" ? actorId : (attrs.image ?? ev.from ?? "");
        return image === v || image.split(":")[0] === v || (type === "image" && attrs.name === v);
      }) &&
      any("node", (v) => ev.node?.Name === v || ev.node?.Id === v) &&
      (filters.label ?? []).every((l) => {
        const eq = l.indexOf("=");
        return eq < 0 ? Object.hasOwn(attrs, l) : attrs[l.slice(0, eq)] === l.slice(eq + 1);
      })
    );
  };
}

export type Subscriber = (ev: DockerEvent) => void;

export class EventBus {
  private readonly subscribers = new Set<Subscriber>();
  private readonly history: DockerEvent[] = [];

  constructor(private readonly keep = 1000) {}

  get listeners(): number {
    return this.subscribers.size;
  }

  publish(ev: DockerEvent): void {
    this.history.push(ev);
    if (this.history.length > this.keep) this.history.splice(0, this.history.length - this.keep);
    for (const s of this.subscribers) s(ev);
  }

  /** Events kept in memory with timeNano ≥ sinceNs. */
  since(sinceNs: number): DockerEvent[] {
    return this.history.filter((e) => (e.timeNano ?? (e.time ?? 0) * 1e9) >= sinceNs);
  }

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}
