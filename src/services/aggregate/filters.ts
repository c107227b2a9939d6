import { type Expr, satisfies } from "./expr.ts";
import type { HostPort, ScheduleRequest } from "./request.ts";
import type { Capacity } from "./strategy.ts";

/**
 * Scheduling filters, in classic Swarm's order: health, port, dependency, affinity, constraint.
 * Each keeps the nodes that can take the container and names the ones it excluded, so that when
 * no node is left the error says which filter excluded what.
 */
export interface SchedNode extends Capacity {
  healthy: boolean;
  /** Why it is not healthy (shown in errors). */
  status: string;
  /** The node's ID (engine ID), also matched by `constraint:node==`. */
  id: string;
  /** Engine labels, plus classic Swarm's kernelversion, operatingsystem, ostype, storagedriver. */
  labels: Readonly<Record<string, string>>;
  /** Names (without `/`), full IDs and short IDs of its containers. */
  containerRefs(): Iterable<string>;
  /** Its images: `repo:tag`, `repo` (for `:latest`), full and short IDs. */
  imageRefs(): Iterable<string>;
  /** Host ports held by its containers, as `port/proto`. */
  takenPorts(): ReadonlySet<string>;
}

export const filterNames = ["health", "port", "dependency", "affinity", "constraint"] as const;

/** One filter's verdict: who it excluded, and why in a few words. */
export interface Exclusion {
  filter: string;
  nodes: string[];
}

interface Step<N> {
  kept: N[];
  exclusion?: Exclusion;
}

function split<N extends SchedNode>(filter: string, nodes: readonly N[], ok: (n: N) => boolean): Step<N> {
  const kept: N[] = [];
  const out: string[] = [];
  for (const n of nodes) {
    if (ok(n)) kept.push(n);
    else out.push(n.name);
  }
  return out.length ? { kept, exclusion: { filter, nodes: out } } : { kept };
}

/** Every dependency is on the node, by name, full ID or ID prefix. */
function hasAll(refs: Iterable<string>, names: readonly string[]): boolean {
  const have = [...refs];
  return names.every((n) => have.some((h) => h === n || (/^[0-9a-f]+$/.test(n) && h.startsWith(n))));
}

function portKey(p: HostPort): string {
  return `${p.port}/${p.proto}`;
}

/** Candidates an expression is matched against on a node. */
function candidates(expr: Expr, node: SchedNode): string[] {
  if (expr.key === "container") return [...node.containerRefs()];
  if (expr.key === "image") return [...node.imageRefs()];
  if (expr.key === "node") return [node.name, node.id];
  const v = node.labels[expr.key];
  return v === undefined ? [] : [v];
}

/** Apply hard expressions, then soft ones only while they leave some node. */
function applyExprs<N extends SchedNode>(nodes: N[], exprs: readonly Expr[], exclusions: Exclusion[]): N[] {
  for (const e of exprs.filter((x) => !x.soft)) {
    const step = split(e.text, nodes, (n) => satisfies(e, candidates(e, n)));
    if (step.exclusion) exclusions.push(step.exclusion);
    nodes = step.kept;
  }
  for (const e of exprs.filter((x) => x.soft)) {
    const kept = nodes.filter((n) => satisfies(e, candidates(e, n)));
    if (kept.length > 0) nodes = kept;
  }
  return nodes;
}

/** Run every filter; returns the nodes left and what each filter excluded. */
export function applyFilters<N extends SchedNode>(
  req: ScheduleRequest,
  nodes: readonly N[],
): { nodes: N[]; exclusions: Exclusion[] } {
  const exclusions: Exclusion[] = [];
  const record = (s: Step<N>): N[] => {
    if (s.exclusion) exclusions.push(s.exclusion);
    return s.kept;
  };
  let left = record(split("health", nodes, (n) => n.healthy));
  if (req.hostPorts.length) {
    const wanted = req.hostPorts.map(portKey);
    left = record(
      split(`port ${wanted.join(", ")}`, left, (n) => {
        const taken = n.takenPorts();
        return !wanted.some((p) => taken.has(p));
      }),
    );
  }
  if (req.dependencies.length) {
    left = record(
      split(`dependency ${req.dependencies.join(", ")}`, left, (n) =>
        hasAll(n.containerRefs(), req.dependencies),
      ),
    );
  }
  left = applyExprs(left, req.affinities, exclusions);
  left = applyExprs(left, req.constraints, exclusions);
  return { nodes: left, exclusions };
}

/** `a, b, c and 997 more`. */
export function nameList(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.join(", ");
  return `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}

/** The text of a "no node fits" error. */
export function explain(exclusions: readonly Exclusion[], nodeStatus: (name: string) => string): string {
  const parts = exclusions.map((e) =>
    e.filter === "health"
      ? `health excluded ${nameList(e.nodes.map((n) => `${n} (${nodeStatus(n)})`))}`
      : `${e.filter} excluded ${nameList(e.nodes)}`,
  );
  return `unable to find a node that satisfies the request: ${parts.join("; ")}`;
}
