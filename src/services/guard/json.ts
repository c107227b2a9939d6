/**
 * Reading request JSON the way the engine will. Go's encoding/json matches field names without
 * regard to case (with Unicode simple folding: `ſ` is `s`, the Kelvin sign is `k`), so
 * `{"hostconfig":{"privileged":true}}` creates a privileged container. A checker that looks only at
 * `HostConfig.Privileged` is bypassed; guard looks fields up the same way the engine does, and
 * refuses a document where two keys fold to the same field, since which one wins is not ours to guess.
 */

export class AmbiguousFieldError extends Error {}

export type JsonObject = Record<string, unknown>;

function fold(s: string): string {
  return s
    .toLowerCase()
    .replace(/ſ/g, "s")
    .replace(/\u212a/g, "k");
}

/** The value of field `name` in `obj`, matched as Go does. Undefined when absent or `obj` is no object. */
export function field(obj: unknown, name: string): unknown {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return undefined;
  const want = fold(name);
  let found: string | undefined;
  for (const k of Object.keys(obj)) {
    if (fold(k) !== want) continue;
    if (found !== undefined)
      throw new AmbiguousFieldError(
        `fields ${JSON.stringify(found)} and ${JSON.stringify(k)} both mean ${name}`,
      );
    found = k;
  }
  return found === undefined ? undefined : (obj as JsonObject)[found];
}

/** A string field, or "" when absent or not a string. */
export function str(obj: unknown, name: string): string {
  const v = field(obj, name);
  return typeof v === "string" ? v : "";
}

/** A list field as an array (absent or null → []). */
export function list(obj: unknown, name: string): unknown[] {
  const v = field(obj, name);
  return Array.isArray(v) ? v : [];
}

/** A string → string map field (labels). Non-string values are dropped. */
export function stringMap(obj: unknown, name: string): Record<string, string> {
  const v = field(obj, name);
  const out: Record<string, string> = {};
  if (v === null || typeof v !== "object" || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}

/** Parse a JSON object argument; anything else is undefined. */
export function parseObject(arg: string | undefined): JsonObject | undefined {
  if (arg === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(arg);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}
