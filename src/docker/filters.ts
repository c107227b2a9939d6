import { InvalidArgumentError, NotFoundError } from "../core/errors.ts";
import { parseImageRef } from "./names.ts";
import { type ContainerInspect, type ContainerSummary, containerSummary } from "./summary.ts";
import { parseRfc3339 } from "./time.ts";
import type { ListOptions } from "./verbs.ts";

/**
 * `docker ps` filtering on inspect documents (GET /containers/json?filters=…), so that every backend
 * and the frontend's fallback give the same answers (docs/PROTOCOL.md §6.4.2). Values of one key
 * are OR-ed, keys are AND-ed, as in the engine.
 */

/** Filters in the one form used here: key → values. */
export type Filters = Record<string, string[]>;

/** The keys the engine accepts for /containers/json. */
export const psFilterKeys: readonly string[] = [
  "ancestor",
  "before",
  "expose",
  "exited",
  "health",
  "id",
  "isolation",
  "is-task",
  "label",
  "name",
  "network",
  "publish",
  "since",
  "status",
  "volume",
];

const validStatuses = new Set(["created", "restarting", "running", "removing", "paused", "exited", "dead"]);
const validHealth = new Set(["starting", "healthy", "unhealthy", "none"]);

/**
 * Accept both wire forms of `filters`: `{"key":{"value":true}}` (API ≥ 1.22) and `{"key":["value"]}`,
 * as an object or its JSON text. Empty or missing gives `{}`.
 */
export function normalizeFilters(raw: unknown): Filters {
  if (raw === undefined || raw === null || raw === "") return {};
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new InvalidArgumentError(`invalid filters: ${raw}`);
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError("invalid filters: expected a JSON object");
  }
  const out: Filters = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (Array.isArray(v)) out[key] = v.map(String);
    // The engine takes the keys of the map whatever their value: {"status":{"exited":false}} filters too.
    else if (v && typeof v === "object") out[key] = Object.keys(v);
    else
      throw new InvalidArgumentError(
        `invalid filters: the value of ${JSON.stringify(key)} must be a map or a list`,
      );
  }
  return out;
}

/** Reject what the engine rejects, with its wording: unknown keys, bad status, non-numeric exited. */
export function checkPsFilters(filters: Filters): void {
  for (const [key, values] of Object.entries(filters)) {
    if (!psFilterKeys.includes(key)) throw new InvalidArgumentError(`Invalid filter '${key}'`);
    for (const v of values) {
      if (key === "status" && !validStatuses.has(v))
        throw new InvalidArgumentError(`Invalid filter 'status=${v}'`);
      if (key === "exited" && !/^-?\d+$/.test(v))
        throw new InvalidArgumentError(`Invalid filter 'exited=${v}'`);
      if (key === "health" && !validHealth.has(v)) {
        throw new InvalidArgumentError(`Unrecognised filter value for health: ${v}`);
      }
      if (key === "is-task" && v !== "true" && v !== "false") {
        throw new InvalidArgumentError(`Invalid filter 'is-task=${v}'`);
      }
    }
  }
}

export interface MatchContext {
  /** Resolve an image reference or ID prefix to an image ID (`sha256:…`), for `ancestor`. */
  resolveImage?: (ref: string) => string | undefined;
}

function regexMatch(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern).test(text);
  } catch {
    return text.includes(pattern);
  }
}

/** `label=key` (present) or `label=key=value` (equal). */
export function labelMatches(labels: Record<string, string> | null | undefined, filter: string): boolean {
  const l = labels ?? {};
  const eq = filter.indexOf("=");
  if (eq < 0) return Object.hasOwn(l, filter);
  const key = filter.slice(0, eq);
  return Object.hasOwn(l, key) && l[key] === filter.slice(eq + 1);
}

function familiar(ref: string): string | undefined {
  try {
    return parseImageRef(ref).familiar;
  } catch {
    return undefined;
  }
}

function ancestorMatches(inspect: ContainerInspect, value: string, ctx: MatchContext): boolean {
  if (inspect.Config.Image === value) return true;
  const f = familiar(value);
  if (f !== undefined && familiar(inspect.Config.Image) === f) return true;
  const id = inspect.Image.replace(/^sha256:/, "");
  const bare = value.replace(/^sha256:/, "");
  if (/^[0-9a-f]{4,64}$/.test(bare) && id.startsWith(bare)) return true;
  const resolved = ctx.resolveImage?.(value);
  return resolved !== undefined && resolved === inspect.Image;
}

function anyOf(values: string[] | undefined, test: (v: string) => boolean): boolean {
  return values === undefined || values.length === 0 || values.some(test);
}

function portKeys(inspect: ContainerInspect): string[] {
  return Object.keys(inspect.NetworkSettings.Ports ?? {});
}

/** Does one container pass the filters (all keys except before/since, which need the whole list)? */
export function matchesPsFilters(
  inspect: ContainerInspect,
  filters: Filters,
  ctx: MatchContext = {},
): boolean {
  const labels = inspect.Config.Labels ?? {};
  const name = inspect.Name.startsWith("/") ? inspect.Name : `/${inspect.Name}`;
  return (
    anyOf(filters.name, (v) => regexMatch(v, name)) &&
    // The engine's id filter is a prefix match (FuzzyMatch), not a regexp.
    anyOf(filters.id, (v) => inspect.Id.startsWith(v)) &&
    anyOf(filters.status, (v) => v === inspect.State.Status) &&
    (filters.label ?? []).every((v) => labelMatches(labels, v)) &&
    anyOf(filters.ancestor, (v) => ancestorMatches(inspect, v, ctx)) &&
    anyOf(
      filters.exited,
      (v) => !inspect.State.Running && msSet(inspect.State.StartedAt) && inspect.State.ExitCode === Number(v),
    ) &&
    anyOf(filters.health, (v) => (inspect.State.Health?.Status ?? "none") === v) &&
    anyOf(filters.network, (v) => Object.hasOwn(inspect.NetworkSettings.Networks ?? {}, v)) &&
    anyOf(filters.isolation, (v) => (inspect.HostConfig.Isolation ?? "") === v) &&
    anyOf(filters["is-task"], (v) => Object.hasOwn(labels, "com.docker.swarm.task") === (v === "true")) &&
    anyOf(filters.volume, (v) =>
      (inspect.Mounts ?? []).some((m) => {
        const mount = m as { Name?: string; Source?: string; Destination?: string };
        return mount.Name === v || mount.Source === v || mount.Destination === v;
      }),
    ) &&
    anyOf(filters.expose, (v) => portKeys(inspect).some((k) => k === v || k.split("/")[0] === v)) &&
    anyOf(filters.publish, (v) =>
      Object.entries(inspect.NetworkSettings.Ports ?? {}).some(
        ([k, b]) =>
          (b?.length ?? 0) > 0 && (k === v || k.split("/")[0] === v || b!.some((x) => x.HostPort === v)),
      ),
    )
  );
}

function msSet(time: string): boolean {
  return !!time && !time.startsWith("0001-01-01");
}

function createdNs(inspect: ContainerInspect): bigint {
  return parseRfc3339(inspect.Created) ?? 0n;
}

/** Find the container a `before`/`since` value names: full ID, name, or unique ID prefix. */
function findRef(inspects: readonly ContainerInspect[], ref: string): ContainerInspect {
  const bare = ref.replace(/^\//, "");
  const exact = inspects.find((c) => c.Id === ref || c.Name.replace(/^\//, "") === bare);
  if (exact) return exact;
  const byPrefix = inspects.filter((c) => c.Id.startsWith(ref));
  if (byPrefix.length === 1) return byPrefix[0]!;
  throw new NotFoundError(`No such container: ${ref}`);
}

export interface ListContext extends MatchContext {
  /** The current time in ms (for statuses). */
  now?: number;
}

/**
 * GET /containers/json on a set of inspect documents: newest first; only running containers unless
 * `all`, a `limit` or a `status` filter is given; then filters, before/since and limit.
 */
export function listContainers(
  inspects: readonly ContainerInspect[],
  options: ListOptions = {},
  ctx: ListContext = {},
): ContainerSummary[] {
  const filters = normalizeFilters(options.filters);
  checkPsFilters(filters);
  const limit = options.limit ?? 0;
  const all = options.all === true || limit > 0 || (filters.status?.length ?? 0) > 0;
  const before = (filters.before ?? []).map((r) => createdNs(findRef(inspects, r)));
  const since = (filters.since ?? []).map((r) => createdNs(findRef(inspects, r)));
  // Parse each creation time once: sorting on the strings would parse O(n log n) times.
  const sorted = inspects
    .map((c) => ({ c, created: createdNs(c) }))
    .sort((x, y) => (y.created > x.created ? 1 : y.created < x.created ? -1 : 0));
  const out: ContainerSummary[] = [];
  for (const { c, created } of sorted) {
    if (!all && !c.State.Running) continue;
    if (before.some((t) => created >= t)) continue;
    if (since.some((t) => created <= t)) continue;
    if (!matchesPsFilters(c, filters, ctx)) continue;
    out.push(
      containerSummary(c, { ...(ctx.now !== undefined && { now: ctx.now }), size: options.size === true }),
    );
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}
