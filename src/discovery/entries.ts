import { quote } from "shlex";
import { InvalidArgumentError } from "../core/errors.ts";
import { splitCommandLine } from "../services/registry.ts";

/** The engine port classic Swarm assumed when an address names none. */
export const defaultEnginePort = 2375;

/**
 * A node entry as discovery hands it over, turned into the service command line that backs the
 * node in aggregate:
 * - a service command line (it has a space): as is, e.g. `simulator a b`;
 * - a URL (`unix:///run/docker.sock`, `tcp://h:2375`, `ssh://u@h`): `dockerclient URL`;
 * - an address `host:port` (or `host`, port 2375): `dockerclient tcp://host:port`.
 */
export function commandLineOf(entry: string): string {
  const e = entry.trim();
  if (e === "") throw new InvalidArgumentError("empty node entry");
  if (/\s/.test(e)) {
    splitCommandLine(e); // a clear error for an unparsable line
    return e;
  }
  if (e.includes("://")) return `dockerclient ${quote(e)}`;
  return `dockerclient ${quote(`tcp://${withPort(e)}`)}`;
}

/** `host:port` as given; `host` and bare IPv6 addresses get port 2375. */
function withPort(address: string): string {
  if (/^\[[^\]]+\]:\d+$/.test(address) || /^[^:]+:\d+$/.test(address)) return address;
  if (address.startsWith("[")) return `${address}:${defaultEnginePort}`;
  return address.includes(":") ? `[${address}]:${defaultEnginePort}` : `${address}:${defaultEnginePort}`;
}

/** A node list in canonical form: trimmed, without empties or duplicates, sorted. */
export function normalize(entries: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const e of entries) {
    const t = e.trim();
    if (t !== "") set.add(t);
  }
  return [...set].sort();
}

export function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}
