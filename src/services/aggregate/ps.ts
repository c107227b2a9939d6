import { NotFoundError } from "../../core/errors.ts";
import { checkPsFilters, type Filters, matchesPsFilters, normalizeFilters } from "../../docker/filters.ts";
import { type ContainerSummary, containerSummary, statusText } from "../../docker/summary.ts";
import type { ListOptions } from "../../docker/verbs.ts";
import type { Cluster } from "./cluster.ts";
import type { Entry } from "./view.ts";

/**
 * `docker ps` from the cluster view, with the engine's semantics (src/docker/filters.ts): newest
 * first, running only unless all/limit/status, filters, before/since, limit. Names show their node,
 * `/node/name`, as classic Swarm showed them. Containers of a node that is down are still listed,
 * as last seen, with the status "Host Down", so the user sees which node is missing.
 *
 * With 30,000 containers the work is kept small: entries are sorted once per change of the view,
 * each entry's summary is serialized once (only its human Status is filled in per request, and
 * that is cached for the current second).
 */

let sorted: { view: unknown; version: number; entries: Entry[] } | undefined;

function newestFirst(cluster: Cluster): Entry[] {
  const view = cluster.view;
  if (sorted?.view !== view || sorted.version !== view.version) {
    const entries = [...view.byId.values()].sort((a, b) => b.created - a.created);
    sorted = { view, version: view.version, entries };
  }
  return sorted.entries;
}

const marker = "\u0000Status\u0000";

function statusOf(e: Entry, now: number): string {
  const second = Math.floor(now / 1000);
  if (e.statusSecond !== second || e.statusText === undefined) {
    e.statusText = statusText(e.doc.State, now);
    e.statusSecond = second;
  }
  return e.statusText;
}

function summaryJson(e: Entry, name: string, status: string, now: number): string {
  if (e.jsonHead === undefined || e.jsonTail === undefined) {
    const s = containerSummary({ ...e.doc, Name: name }, { now });
    s.Status = marker;
    [e.jsonHead, e.jsonTail] = JSON.stringify(s).split(JSON.stringify(marker)) as [string, string];
  }
  return e.jsonHead + JSON.stringify(status) + e.jsonTail;
}

interface Selection {
  entries: Entry[];
  names: string[];
}

function select(cluster: Cluster, options: ListOptions, find: (ref: string) => Entry | undefined): Selection {
  const filters: Filters = normalizeFilters(options.filters);
  checkPsFilters(filters);
  const limit = options.limit ?? 0;
  const all = options.all === true || limit > 0 || (filters.status?.length ?? 0) > 0;
  const createdOf = (ref: string) => {
    const e = find(ref);
    if (!e) throw new NotFoundError(`No such container: ${ref}`);
    return e.created;
  };
  const before = (filters.before ?? []).map(createdOf);
  const since = (filters.since ?? []).map(createdOf);
  const rest = { ...filters };
  delete rest.before;
  delete rest.since;
  const filtering = Object.keys(rest).length > 0;
  const out: Selection = { entries: [], names: [] };
  for (const e of newestFirst(cluster)) {
    if (!all && !e.doc.State.Running) continue;
    if (before.some((t) => e.created >= t)) continue;
    if (since.some((t) => e.created <= t)) continue;
    const name = (e.display ??= `/${cluster.nodeOf(e.owner).name}/${e.name}`);
    if (filtering && !matchesPsFilters({ ...e.doc, Name: name }, rest)) continue;
    out.entries.push(e);
    out.names.push(name);
    if (limit > 0 && out.entries.length >= limit) break;
  }
  return out;
}

/** The summaries, as objects. */
export function listFromView(
  cluster: Cluster,
  options: ListOptions,
  find: (ref: string) => Entry | undefined,
): ContainerSummary[] {
  const { entries, names } = select(cluster, options, find);
  const now = Date.now();
  return entries.map((e, i) => {
    const s = containerSummary({ ...e.doc, Name: names[i]! }, { now, size: options.size === true });
    if (!cluster.nodeOf(e.owner).healthy) s.Status = "Host Down";
    return s;
  });
}

/**
 * The last answer, reused while nothing it shows can differ: same view version (containers and
 * node health), same options, same second (the human Status has one-second resolution).
 */
let last: { key: string; json: string } | undefined;

/** The summaries as the JSON text of the reply. */
export function listJson(
  cluster: Cluster,
  options: ListOptions,
  find: (ref: string) => Entry | undefined,
): string {
  if (options.size === true) return JSON.stringify(listFromView(cluster, options, find));
  const now = Date.now();
  const key = `${cluster.id}|${cluster.view.version}|${Math.floor(now / 1000)}|${JSON.stringify(options)}`;
  if (last?.key === key) return last.json;
  const { entries, names } = select(cluster, options, find);
  const parts = entries.map((e, i) => {
    const status = cluster.nodeOf(e.owner).healthy ? statusOf(e, now) : "Host Down";
    return summaryJson(e, names[i]!, status, now);
  });
  const json = `[${parts.join(",")}]`;
  last = { key, json };
  return json;
}
