import { InvalidArgumentError } from "../../core/errors.ts";

/** Linux signal numbers, by name without the SIG prefix. */
const numbers: Record<string, number> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  IOT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  PWR: 30,
  SYS: 31,
};

/** Signals whose default action is not to terminate: delivering them changes nothing here. */
const harmless = new Set([17, 18, 19, 20, 21, 22, 23, 28]);

export const SIGINT = 2;
export const SIGKILL = 9;
export const SIGTERM = 15;

/**
 * Parse a signal as the engine does: a number, `TERM`, or `SIGTERM` (any case). Throws the
 * engine's 400 wording on anything else.
 */
export function parseSignal(s: string): number {
  const text = s.trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return n;
  } else {
    const n = numbers[text.toUpperCase().replace(/^SIG/, "")];
    if (n !== undefined) return n;
  }
  throw new InvalidArgumentError(`Invalid signal: ${s}`);
}

/** Does this signal, by default, end a process? */
export function isLethal(signo: number): boolean {
  return !harmless.has(signo);
}
