import { NotFoundError } from "../../core/errors.ts";
import { checkPsFilters, matchesPsFilters, normalizeFilters } from "../../docker/filters.ts";
import { type ContainerSummary, containerSummary } from "../../docker/summary.ts";
import type { ListOptions } from "../../docker/verbs.ts";
import type { Cluster } from "./cluster.ts";
import type { Entry } from "./view.ts";

/**
 * `docker ps` from the cluster view, with the engine's semantics (src/docker/filters.ts): newest
 * first, running only unless all/limit/status, filters, before/since, limit. Names show their node,
 * `/node/name`, as classic Swarm showed them. Containers of a node that is down are still listed,
 * as last seen, with the status "Host Down", so the user sees which node is missing.
 */
export function listFromView(
  cluster: Cluster,
  options: ListOptions,
  find: (ref: string) => Entry | undefined,
): ContainerSummary[] {
  const filters = normalizeFilters(options.filters);
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
  const nameFilters = { ...filters };
  delete nameFilters.before;
  delete nameFilters.since;
  const entries: Entry[] = [];
  for (const e of cluster.view.byId.values()) {
    if (!all && !e.doc.State.Running) continue;
    if (before.some((t) => e.created >= t)) continue;
    if (since.some((t) => e.created <= t)) continue;
    entries.push(e);
  }
  entries.sort((a, b) => b.created - a.created);
  const now = Date.now();
  const out: ContainerSummary[] = [];
  for (const e of entries) {
    const node = cluster.nodeOf(e.owner);
    const doc = { ...e.doc, Name: `/${node.name}/${e.name}` };
    if (!matchesPsFilters(doc, nameFilters)) continue;
    const s = containerSummary(doc, { now, size: options.size === true });
    if (!node.healthy) s.Status = "Host Down";
    out.push(s);
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}
