import { globMatch } from "./actions.ts";
import type { Violation } from "./content.ts";
import { field, str, stringMap } from "./json.ts";
import type { Scope } from "./policy.ts";

/**
 * Label and name scoping: which containers a user may see and touch. A container outside the scope
 * is hidden from listings and events, and every request to it is refused.
 */

/** What guard knows about a container: enough to decide scope. */
export interface ContainerInfo {
  id: string;
  /** Without the leading `/`. */
  name: string;
  labels: Readonly<Record<string, string>>;
}

export function hasScope(scope: Scope): boolean {
  return scope.labels !== undefined || scope.names !== undefined;
}

/** Why `c` is outside `scope`, or undefined when it is inside. */
export function scopeViolation(scope: Scope, c: ContainerInfo): Violation | undefined {
  if (scope.labels) {
    for (const [k, v] of Object.entries(scope.labels.value)) {
      const have = c.labels[k];
      if (have === undefined || !globMatch(v, have)) {
        return {
          rule: scope.labels,
          reason: `container ${c.name || c.id.slice(0, 12)} is not labelled ${k}=${v}`,
        };
      }
    }
  }
  if (scope.names && !scope.names.value.some((p) => globMatch(p, c.name))) {
    return {
      rule: scope.names,
      reason: `container name ${JSON.stringify(c.name)} matches none of ${scope.names.value.join(", ")}`,
    };
  }
  return undefined;
}

/** From an inspect document (`GET /containers/{id}/json`). */
export function infoFromInspect(doc: unknown, fallbackId: string): ContainerInfo {
  return {
    id: str(doc, "Id") || fallbackId,
    name: str(doc, "Name").replace(/^\//, ""),
    labels: stringMap(field(doc, "Config"), "Labels"),
  };
}

/** From a `/containers/json` summary. */
export function infoFromSummary(doc: unknown): ContainerInfo {
  const names = field(doc, "Names");
  const first = Array.isArray(names) && typeof names[0] === "string" ? names[0] : "";
  return { id: str(doc, "Id"), name: first.replace(/^\//, ""), labels: stringMap(doc, "Labels") };
}

/** From a create config and the requested name (before the container exists). */
export function infoFromCreate(config: unknown, name: string, id = ""): ContainerInfo {
  return { id, name: name.replace(/^\//, ""), labels: stringMap(config, "Labels") };
}

/** From a container event's actor: the engine puts the name and the labels in `Attributes`. */
export function infoFromEvent(ev: unknown): ContainerInfo | undefined {
  const actor = field(ev, "Actor");
  const attrs = stringMap(actor, "Attributes");
  const id = str(actor, "ID") || str(ev, "id");
  if (!id) return undefined;
  const { name = "", image: _image, ...labels } = attrs;
  return { id, name, labels };
}
