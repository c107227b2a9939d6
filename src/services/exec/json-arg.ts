import { InvalidArgumentError } from "../../core/errors.ts";

/** Parse an optional JSON argument; a bad one is the caller's error. */
export function parseJSON<T>(raw: string | undefined, what: string): T {
  if (raw === undefined || raw === "") return {} as T;
  try {
    const v = JSON.parse(raw) as unknown;
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
    return v as T;
  } catch {
    throw new InvalidArgumentError(`${what}: the argument is not a JSON object`);
  }
}
