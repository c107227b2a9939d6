import { SwarmError } from "../../core/errors.ts";

/** The stable code of the SwarmError `fn` throws, undefined if it returns, a marker for other throws. */
export function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof SwarmError ? err.code : "not a SwarmError";
  }
  return undefined;
}
