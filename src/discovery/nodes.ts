import { InvalidArgumentError } from "../core/errors.ts";
import type { DiscoveryDriver, WatchOptions } from "./driver.ts";
import { normalize } from "./entries.ts";
import { expandRange } from "./range.ts";

/**
 * `nodes://a:2375,b:2375,10.0.0.[10:20]:2375`: a fixed list given on the command line, with classic
 * Swarm's ranges. It never changes, so the watch yields once and then waits for the end.
 */
export const nodesDriver: DiscoveryDriver = {
  schemes: ["nodes:"],
  check(url) {
    parseNodesUrl(url);
  },
  async *watch(url, options: WatchOptions) {
    yield parseNodesUrl(url);
    if (options.signal.aborted) return;
    await new Promise<void>((r) => options.signal.addEventListener("abort", () => r(), { once: true }));
  },
};

export function parseNodesUrl(url: string): string[] {
  if (!url.startsWith("nodes://")) throw new InvalidArgumentError(`not a nodes:// URL: ${url}`);
  const list = url.slice("nodes://".length);
  const entries = normalize(list.split(",").flatMap((e) => (e.trim() ? expandRange(e.trim()) : [])));
  if (entries.length === 0) throw new InvalidArgumentError(`${url}: no nodes listed`);
  return entries;
}
