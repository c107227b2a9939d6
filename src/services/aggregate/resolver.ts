import { InvalidArgumentError } from "../../core/errors.ts";
import { nameList } from "./filters.ts";
import type { ClusterView, Entry, Owner } from "./view.ts";

/**
 * Find a container from what a user typed, in the engine's order: a full ID, then a name, then a
 * unique ID prefix. Names may carry their node, as ps shows them: `node/name` or `/node/name`. A
 * bare name that exists on several nodes is an error that says so (and how to choose).
 */
export interface NamedOwner extends Owner {
  readonly name: string;
}

export function resolve(
  view: ClusterView,
  ref: string,
  nodeNamed: (name: string) => NamedOwner | undefined,
  nameOf: (owner: Owner) => string,
): Entry | undefined {
  if (ref === "") return undefined;
  const exact = view.get(ref);
  if (exact) return exact;
  const bare = ref.replace(/^\//, "");
  const slash = bare.indexOf("/");
  if (slash > 0) {
    const owner = nodeNamed(bare.slice(0, slash));
    const rest = bare.slice(slash + 1);
    if (!owner || rest === "") return undefined;
    for (const e of owner.containers.byId.values()) if (e.name === rest || e.id === rest) return e;
    const byPrefix = [...owner.containers.byId.values()].filter((e) => e.id.startsWith(rest));
    if (byPrefix.length > 1)
      throw new InvalidArgumentError(`multiple IDs found with provided prefix: ${rest}`);
    return byPrefix[0];
  }
  const named = view.named(bare);
  if (named.length === 1) return named[0];
  if (named.length > 1) {
    const where = nameList(named.map((e) => `${nameOf(e.owner)}/${bare}`));
    throw new InvalidArgumentError(
      `container name ${bare} is ambiguous: it exists on several nodes (${where}); use node/name`,
    );
  }
  if (!/^[0-9a-f]+$/.test(bare)) return undefined;
  const byPrefix = view.withPrefix(bare, 2);
  if (byPrefix.length > 1) throw new InvalidArgumentError(`multiple IDs found with provided prefix: ${bare}`);
  return byPrefix[0];
}
