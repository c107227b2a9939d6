import { toErrorArgs } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import { commandLineOf, watchNodes } from "../../discovery/index.ts";

/** What discovery needs from the cluster: nodes added and removed while it runs. */
export interface NodeRegistry<N> {
  /** Spawn a node for a service command line; it joins the cluster when it answers. */
  addNode(commandLine: string): Promise<N>;
  /** Stop a node and forget it and its containers. */
  removeNode(node: N): Promise<void>;
}

/**
 * `aggregate --discovery URL`: keep the discovered part of the cluster equal to the node list the
 * driver reports. A new entry becomes a node (`commandLineOf`: an address is `dockerclient
 * tcp://addr`); an entry that disappears removes its node. Nodes given on the command line are
 * never touched. Entries that map to the same command line are one node; an entry that cannot be
 * a node (bad command line) is logged and skipped. Returns when `signal` aborts.
 */
export async function followDiscovery<N>(
  url: string,
  cluster: NodeRegistry<N>,
  signal: AbortSignal,
  log: Logger,
  pollMs?: number,
): Promise<void> {
  const current = new Map<string, N>();
  const skipped = new Set<string>();
  const onError = (err: Error) => log.warn({ discovery: url, err: err.message }, "discovery: retrying");
  for await (const entries of watchNodes(url, { signal, onError, ...(pollMs && { pollMs }) })) {
    const wanted = new Set<string>();
    for (const entry of entries) {
      try {
        wanted.add(commandLineOf(entry));
      } catch (err) {
        if (!skipped.has(entry)) log.warn({ entry, err: toErrorArgs(err)[0] }, "discovery: entry skipped");
        skipped.add(entry);
      }
    }
    for (const [line, node] of [...current]) {
      if (wanted.has(line)) continue;
      current.delete(line);
      log.info({ node: line }, "discovery: node left");
      await cluster.removeNode(node).catch((err) => {
        log.warn({ node: line, err: toErrorArgs(err)[0] }, "discovery: removing a node failed");
      });
    }
    const added = [...wanted].filter((line) => !current.has(line));
    await Promise.all(
      added.map(async (line) => {
        try {
          current.set(line, await cluster.addNode(line));
          log.info({ node: line }, "discovery: node joined");
        } catch (err) {
          log.warn({ node: line, err: toErrorArgs(err)[0] }, "discovery: cannot add node");
        }
      }),
    );
    if (signal.aborted) break;
  }
}
