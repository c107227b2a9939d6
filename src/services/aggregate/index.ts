import { copy } from "../../core/copy.ts";
import { defineService } from "../service.ts";
import { parseAggregateArgs, usage } from "./args.ts";
import { Cluster } from "./cluster.ts";
import { followDiscovery } from "./discovery-hook.ts";
import { buildRoot } from "./root.ts";

/**
 * `aggregate [--strategy spread|binpack|random] "svc args" "svc args" …`: many Docker backends as
 * one (classic Swarm's surface). Each argument is a node: any backend root (dockerclient,
 * simulator, dial, another aggregate). aggregate is itself a backend root (docs/PROTOCOL.md §6):
 * ps lists every node's containers as /node/name, run picks a node, info reports the cluster.
 */
export const aggregate = defineService({
  name: "aggregate",
  summary:
    "many Docker backends as one cluster: merged ps/events, scheduling (spread, binpack, random), health",
  usage,
  create(args, ctx) {
    const options = parseAggregateArgs(args);
    return async ({ input }) => {
      const cluster = new Cluster(options, ctx, ctx.log);
      try {
        await cluster.start();
        const root = buildRoot(cluster);
        const discovery = new AbortController();
        const following = options.discovery
          ? followDiscovery(options.discovery, cluster, discovery.signal, ctx.log)
          : undefined;
        try {
          await copy(root, input);
        } finally {
          discovery.abort();
          await following;
        }
      } finally {
        await cluster.stop();
      }
    };
  },
});
