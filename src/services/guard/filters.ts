import { call } from "../../core/client.ts";
import type { Sender } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";
import { field, str } from "./json.ts";
import type { Scope } from "./policy.ts";
import {
  type ContainerInfo,
  infoFromEvent,
  infoFromInspect,
  infoFromSummary,
  scopeViolation,
} from "./scope.ts";

/**
 * Scoped replies: listings and events show only the containers the caller's scope covers. What
 * cannot be checked (a container that vanished, a reply that does not parse) is left out, not let
 * through.
 */

const LOOKUP_CONCURRENCY = 8;

/** `Get` on a container object → what scope needs; undefined when it fails. */
export async function inspectContainer(object: Sender, id: string): Promise<ContainerInfo | undefined> {
  try {
    const m = await call(object, Verbs.Get, [], [Verbs.Set]);
    return infoFromInspect(JSON.parse(m.args[0] ?? ""), id);
  } catch {
    return undefined;
  }
}

/** Look a container up downstream (guard's own request: not subject to the caller's policy). */
export async function lookupContainer(root: Sender, id: string): Promise<ContainerInfo | undefined> {
  try {
    const m = await call(root, Verbs.Attach, [id], [Verbs.Ack]);
    return m.ret ? await inspectContainer(m.ret, m.args[0] || id) : undefined;
  } catch {
    return undefined;
  }
}

/** The `Ls` reply's IDs that are in scope, in their order. */
export async function filterIds(root: Sender, scope: Scope, ids: readonly string[]): Promise<string[]> {
  const keep = new Array<boolean>(ids.length).fill(false);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      const info = await lookupContainer(root, ids[i]!);
      keep[i] = info !== undefined && scopeViolation(scope, info) === undefined;
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, ids.length) }, worker));
  return ids.filter((_, i) => keep[i]);
}

/** The `Get ["containers", …]` fast path's summaries that are in scope. */
export function filterSummaries(scope: Scope, json: string): string {
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return "[]";
  }
  if (!Array.isArray(list)) return "[]";
  return JSON.stringify(list.filter((s) => scopeViolation(scope, infoFromSummary(s)) === undefined));
}

/**
 * Whether an event may be shown. Container events are checked against the scope, from the
 * attributes the engine puts on them (name, labels), or by looking the container up when they
 * lack the labels. Events of other types that name a container (network connect) are checked the
 * same way; the rest (images, …) pass.
 */
export async function filterEvent(root: Sender, scope: Scope, json: string): Promise<boolean> {
  let ev: unknown;
  try {
    ev = JSON.parse(json);
  } catch {
    return false;
  }
  const type = str(ev, "Type").toLowerCase();
  let info: ContainerInfo | undefined;
  if (type === "container") info = infoFromEvent(ev);
  else {
    const ref = str(field(field(ev, "Actor"), "Attributes"), "container");
    if (ref === "") return true;
    info = await lookupContainer(root, ref);
    return info !== undefined && scopeViolation(scope, info) === undefined;
  }
  if (!info) return false;
  const attrs = info.labels;
  const labelsKnown = !scope.labels || Object.keys(scope.labels.value).every((k) => k in attrs);
  if (!labelsKnown || (scope.names && info.name === "")) {
    const looked = await lookupContainer(root, info.id);
    if (!looked) return false;
    info = looked;
  }
  return scopeViolation(scope, info) === undefined;
}
