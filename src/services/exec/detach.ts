import { InvalidArgumentError } from "../../core/errors.ts";

/** The engine's default detach sequence: ctrl-p, ctrl-q. */
export const defaultDetachKeys = "ctrl-p,ctrl-q";

/**
 * Parse Docker's detach keys (`ctrl-p,ctrl-q`, `ctrl-a,x`): `ctrl-` plus a letter or one of
 * `@[\]^_`, or a single character. Throws the engine's error otherwise.
 */
export function parseDetachKeys(spec: string): number[] {
  const text = spec === "" ? defaultDetachKeys : spec;
  return text.split(",").map((key) => {
    const k = key.trim();
    if (k.length === 1) return k.charCodeAt(0);
    const m = /^ctrl-([a-z@[\\\]^_])$/i.exec(k);
    if (!m) throw new InvalidArgumentError(`Invalid detach keys (${spec}) provided`);
    const c = m[1]!.toLowerCase();
    return c >= "a" && c <= "z"
      ? c.charCodeAt(0) - 96
      : "@[\\]^_".indexOf(c) === 0
        ? 0
        : c.charCodeAt(0) - 64;
  });
}

/**
 * Finds the detach sequence in a TTY's input, as the engine does: bytes that may start the
 * sequence are held back, given back if the sequence breaks, and dropped once it is complete.
 */
export class DetachScanner {
  private matched = 0;

  constructor(private readonly keys: readonly number[]) {}

  /** The bytes to pass on, and whether the sequence has just been completed. */
  feed(chunk: Buffer): { pass: Buffer; detached: boolean } {
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { pass: Buffer.from(out), detached: true };
        continue;
      }
      // The sequence broke: what was held back is input after all.
      out.push(...this.keys.slice(0, this.matched));
      this.matched = byte === this.keys[0] ? 1 : 0;
      if (this.matched === 0) out.push(byte);
    }
    return { pass: Buffer.from(out), detached: false };
  }
}
