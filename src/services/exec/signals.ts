import { constants } from "node:os";
import { InvalidArgumentError } from "../../core/errors.ts";

const byNumber = new Map<number, NodeJS.Signals>();
for (const [name, num] of Object.entries(constants.signals))
  if (!byNumber.has(num)) byNumber.set(num, name as NodeJS.Signals);

/**
 * A signal as Docker accepts it: `KILL`, `SIGKILL`, `kill` or `9`. Throws the engine's
 * `Invalid signal: X` for anything else.
 */
export function parseSignal(raw: string): NodeJS.Signals {
  const s = raw.trim();
  if (/^\d+$/.test(s)) {
    const name = byNumber.get(Number(s));
    if (name) return name;
  } else {
    const upper = s.toUpperCase();
    const name = (upper.startsWith("SIG") ? upper : `SIG${upper}`) as NodeJS.Signals;
    if (name in constants.signals) return name;
  }
  throw new InvalidArgumentError(`Invalid signal: ${raw}`);
}

export function signalNumber(sig: NodeJS.Signals): number {
  return constants.signals[sig];
}

/** The exit code the engine reports for a process: its status, or 128 + the signal that killed it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | number | null): number {
  if (signal !== null && signal !== 0)
    return 128 + (typeof signal === "number" ? signal : signalNumber(signal));
  return code ?? 0;
}
