/**
 * The discovery interface: a driver watches one URL and yields the cluster's full node list each
 * time it changes (the first list as soon as it is known). A node entry is an address
 * (`10.0.0.1:2375`), an engine URL (`unix:///…`) or a service command line (`simulator a`); see
 * entries.ts for how aggregate turns one into a node.
 */
export interface WatchOptions {
  /** Ends the watch: the iterable returns, and every connection and timer is released. */
  signal: AbortSignal;
  /** Told about failures the driver recovers from by retrying (store unreachable, unreadable file). */
  onError?: (err: Error) => void;
  /** How often to poll where a driver polls (file re-read fallback, retry delay). Default 1000 ms. */
  pollMs?: number;
}

export interface DiscoveryDriver {
  /** URL schemes this driver serves, with the colon: `"etcd:"`. */
  readonly schemes: readonly string[];
  /** Throws InvalidArgumentError at once for a URL this driver cannot use. */
  check(url: string): void;
  watch(url: string, options: WatchOptions): AsyncIterable<string[]>;
}

/**
 * The path classic Swarm registered nodes under in a key-value store, below the URL's prefix:
 * `<prefix>/docker/swarm/nodes/<addr>` with the address as the value.
 */
export const nodesDir = "docker/swarm/nodes";

/** `<prefix>/docker/swarm/nodes/` for a URL path such as `/swarm` (leading and trailing `/` dropped). */
export function nodesKeyPrefix(urlPath: string): string {
  const prefix = urlPath.replace(/^\/+|\/+$/g, "");
  return prefix ? `${prefix}/${nodesDir}/` : `${nodesDir}/`;
}
