import { InvalidArgumentError, NotFoundError } from "../../core/errors.ts";

/**
 * Container lookup as the engine does it: a full ID, then a name (with or without the leading
 * `/`), then a unique ID prefix. An ambiguous prefix is an error, as in the engine.
 */
export function resolveRef<T>(ref: string, byId: ReadonlyMap<string, T>, byName: ReadonlyMap<string, T>): T {
  const exact = byId.get(ref);
  if (exact) return exact;
  const named = byName.get(ref.startsWith("/") ? ref.slice(1) : ref);
  if (named) return named;
  if (ref !== "" && /^[0-9a-f]+$/.test(ref)) {
    let found: T | undefined;
    for (const [id, value] of byId) {
      if (!id.startsWith(ref)) continue;
      if (found !== undefined)
        throw new InvalidArgumentError(`multiple IDs found with provided prefix: ${ref}`);
      found = value;
    }
    if (found !== undefined) return found;
  }
  throw new NotFoundError(`No such container: ${ref}`);
}
