import { InvalidArgumentError } from "../core/errors.ts";

export interface StoreUrl {
  scheme: string;
  /** `host:port` of each store member (a port defaults to the store's). */
  hosts: string[];
  /** The key prefix, without leading or trailing `/` (may be ""). */
  prefix: string;
}

/**
 * Parse a key-value store URL the way classic Swarm wrote them: `etcd://h1:2379,h2:2379/prefix`.
 * Several members are separated by commas, which `new URL` does not accept, hence this parser.
 */
export function parseStoreUrl(url: string, schemes: Record<string, number>): StoreUrl {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i.exec(url);
  const scheme = m?.[1]?.toLowerCase();
  if (!m || !scheme || !(scheme in schemes)) {
    throw new InvalidArgumentError(
      `${url}: want ${Object.keys(schemes)
        .map((s) => `${s}://host:port/prefix`)
        .join(" or ")}`,
    );
  }
  const port = schemes[scheme]!;
  const hosts = m[2]!.split(",").map((h) => h.trim());
  if (hosts.some((h) => h === "" || h.includes("@")))
    throw new InvalidArgumentError(`${url}: bad member list ${JSON.stringify(m[2])}`);
  return {
    scheme,
    hosts: hosts.map((h) => (/:\d+$/.test(h) && !/^[^[]*:.*:/.test(h) ? h : `${h}:${port}`)),
    prefix: (m[3] ?? "").replace(/^\/+|\/+$/g, ""),
  };
}
