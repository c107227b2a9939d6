import { InvalidArgumentError } from "../core/errors.ts";

/** More than this many nodes from one pattern is almost certainly a typo (`[1:100000]`). */
const maxExpansion = 4096;

const rangePattern = /\[(\d+):(\d+)\]/;

/**
 * Classic Swarm's range syntax: `10.0.0.[10:20]:2375` is the eleven addresses .10 … .20, both
 * ends included. Several ranges in one entry multiply; a start written with leading zeros keeps
 * its width (`node[01:03]` → node01, node02, node03). Text without a range is returned as is.
 */
export function expandRange(pattern: string): string[] {
  const m = rangePattern.exec(pattern);
  if (!m) return [pattern];
  const [whole, fromText, toText] = m as unknown as [string, string, string];
  const from = Number(fromText);
  const to = Number(toText);
  if (from > to) throw new InvalidArgumentError(`bad range ${whole} in ${pattern}: ${from} > ${to}`);
  if (to - from + 1 > maxExpansion)
    throw new InvalidArgumentError(`range ${whole} in ${pattern} has more than ${maxExpansion} entries`);
  const width = fromText.startsWith("0") && fromText.length > 1 ? fromText.length : 0;
  const head = pattern.slice(0, m.index);
  const tail = pattern.slice(m.index + whole.length);
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    for (const rest of expandRange(tail)) {
      out.push(`${head}${String(n).padStart(width, "0")}${rest}`);
      if (out.length > maxExpansion)
        throw new InvalidArgumentError(`${pattern} expands to more than ${maxExpansion} entries`);
    }
  }
  return out;
}
