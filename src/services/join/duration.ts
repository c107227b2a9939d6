import { InvalidArgumentError } from "../../core/errors.ts";

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `60s`, `1.5s`, `500ms`, `3m`, `1h`, or a bare number of seconds (classic Swarm's flags) → ms. */
export function parseDuration(flag: string, text: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text ?? "");
  if (!m)
    throw new InvalidArgumentError(
      `${flag} takes a duration such as 60s, 500ms or 3m, got ${JSON.stringify(text ?? "")}`,
    );
  const ms = Number(m[1]) * units[m[2] ?? "s"]!;
  if (ms <= 0) throw new InvalidArgumentError(`${flag} must be more than zero`);
  return Math.round(ms);
}
