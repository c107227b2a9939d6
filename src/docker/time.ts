/**
 * Engine-style time values. The engine keeps nanoseconds and prints Go's RFC3339Nano (trailing
 * zeros of the fraction dropped); nanosecond counts pass 2^53, so they are bigints here.
 */

/** Go's zero time.Time as the engine prints it (a `FinishedAt` of a container that never ran). */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

const epochBaseNs = BigInt(Date.now()) * 1_000_000n;
const hrBase = process.hrtime.bigint();

/** Nanoseconds since the Unix epoch: wall clock at load time plus a monotonic offset, so never equal twice in a row in practice. */
export function nowNanos(): bigint {
  return epochBaseNs + (process.hrtime.bigint() - hrBase);
}

/** `2026-11-23T01:45:55.10267404Z`: Go's RFC3339Nano in UTC. */
export function rfc3339Nano(ns: bigint): string {
  let sec = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    sec -= 1n;
  }
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  if (frac === 0n) return `${base}Z`;
  return `${base}.${frac.toString().padStart(9, "0").replace(/0+$/, "")}Z`;
}

/** Parse an RFC 3339 time (any fraction length, `Z` or an offset) to nanoseconds; undefined when malformed. */
export function parseRfc3339(s: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = BigInt((m[2] ?? "").padEnd(9, "0") || "0");
  return BigInt(ms) * 1_000_000n + frac;
}

/** Unix seconds (fractions allowed, as in `since=1795397900.000000000`) to nanoseconds. */
export function secondsToNanos(s: number | string): bigint {
  const text = typeof s === "number" ? s.toFixed(9) : s.trim();
  const m = /^(-?\d+)(?:\.(\d{1,9})\d*)?$/.exec(text);
  if (!m) throw new RangeError(`not a unix time: ${s}`);
  const whole = BigInt(m[1]!) * 1_000_000_000n;
  const frac = BigInt((m[2] ?? "").padEnd(9, "0") || "0");
  return m[1]!.startsWith("-") ? whole - frac : whole + frac;
}

/**
 * The engine's (go-units) HumanDuration, used in `ps` statuses: "Less than a second", "About a
 * minute", "3 hours", "2 weeks"…
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}
