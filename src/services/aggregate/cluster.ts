import { ErrorCodes, InvalidArgumentError, SwarmError, toErrorArgs } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import { newDaemonId } from "../../docker/ids.ts";
import type { ServiceContext } from "../service.ts";
import type { AggregateOptions } from "./args.ts";
import { EventBus } from "./events.ts";
import { HealthChecker } from "./health.ts";
import { ClusterNode, type NodeDeps } from "./node.ts";
import { ClusterView, type Owner } from "./view.ts";

/**
 * The cluster: the nodes, their health checkers, the shared view and the merged event stream.
 * Nodes are named by their engine Name (or `name=` on the command line); a name already taken
 * gets `-2`, `-3`… so every node has its own.
 */
export class Cluster {
  readonly id = newDaemonId();
  readonly view = new ClusterView();
  readonly events = new EventBus();
  readonly nodes: ClusterNode[];
  /** Container names being created right now (names are unique across the cluster). */
  readonly pendingNames = new Set<string>();
  /** Bumped when discovery adds or removes a node (info's cache key). */
  membership = 0;
  private readonly checkers = new Map<ClusterNode, HealthChecker>();
  private readonly deps: NodeDeps;
  private nextKey: number;
  private namesOpen = false;
  private readonly byName = new Map<string, ClusterNode>();

  constructor(
    readonly options: AggregateOptions,
    ctx: ServiceContext,
    readonly log: Logger,
  ) {
    const deps: NodeDeps = {
      ctx,
      view: this.view,
      events: this.events,
      log,
      timeoutMs: options.timeoutMs,
      onTrouble: (n: ClusterNode) => void this.checkers.get(n)?.checkNow(),
      claimName: (n: ClusterNode, engineName: string) =>
        this.namesOpen ? this.claim(n, engineName) : undefined,
    };
    this.deps = deps;
    this.nodes = options.nodes.map((spec, i) => new ClusterNode(i, spec, deps));
    this.nextKey = this.nodes.length;
    for (const n of this.nodes) if (n.assigned !== undefined) this.byName.set(n.assigned, n);
    for (const n of this.nodes) this.checkers.set(n, new HealthChecker(n, options.heartbeatMs));
  }

  private claim(node: ClusterNode, engineName: string): string {
    let name = engineName;
    for (let i = 2; this.byName.has(name) && this.byName.get(name) !== node; i++) name = `${engineName}-${i}`;
    this.byName.set(name, node);
    return name;
  }

  /**
   * Spawn every node and bring the view up to date before the first request is served. Nodes that
   * do not answer within the timeout stay unhealthy and join when they do.
   */
  async start(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        try {
          await n.ensureSpawned();
        } catch (err) {
          // A node whose command line is wrong will never work: that is the user's to fix.
          if (
            err instanceof SwarmError &&
            (err.code === ErrorCodes.InvalidArgument || err.code === ErrorCodes.NotFound)
          ) {
            throw new InvalidArgumentError(`aggregate: node ${n.key + 1} (${n.addr}): ${err.message}`);
          }
          n.markUnhealthy(err);
          return;
        }
        try {
          await n.ping();
        } catch (err) {
          n.markUnhealthy(err);
        }
      }),
    );
    // Names in command-line order, so a clash always suffixes the later node.
    this.namesOpen = true;
    for (const n of this.nodes)
      if (n.assigned === undefined && n.updatedAt > 0) n.assigned = this.claim(n, n.info.Name || "node");
    await Promise.all(
      this.nodes.map(async (n) => {
        if (n.updatedAt === 0) return;
        try {
          await n.rejoin();
        } catch (err) {
          n.markUnhealthy(err);
        }
      }),
    );
    for (const c of this.checkers.values()) c.start();
    const healthy = this.nodes.filter((n) => n.healthy).length;
    this.log.info(
      { nodes: this.nodes.length, healthy, containers: this.view.size },
      `aggregate: ${healthy} of ${this.nodes.length} nodes healthy, ${this.view.size} containers`,
    );
  }

  nodeNamed(name: string): ClusterNode | undefined {
    return this.byName.get(name);
  }

  nodeOf(owner: Owner): ClusterNode {
    // Owners are the nodes themselves; an index would shift as discovery removes nodes.
    return owner as ClusterNode;
  }

  /**
   * Add a node at runtime (discovery): spawn it and check it once, so it joins now if it answers
   * (or later, like a node that was down at start); then it is checked every heartbeat.
   */
  async addNode(commandLine: string): Promise<ClusterNode> {
    const node = new ClusterNode(this.nextKey++, { commandLine }, this.deps);
    const checker = new HealthChecker(node, this.options.heartbeatMs);
    this.nodes.push(node);
    this.checkers.set(node, checker);
    this.membership++;
    await checker.checkNow();
    this.log.info(
      { node: node.name, addr: node.addr, healthy: node.healthy },
      `aggregate: node ${node.name} added`,
    );
    return node;
  }

  /** Remove a node at runtime (discovery): stop it and forget it and its containers. */
  async removeNode(node: ClusterNode): Promise<void> {
    const i = this.nodes.indexOf(node);
    if (i < 0) return;
    this.nodes.splice(i, 1);
    this.membership++;
    this.checkers.get(node)?.stop();
    this.checkers.delete(node);
    if (this.byName.get(node.name) === node) this.byName.delete(node.name);
    await node.stop().catch(() => {});
    this.view.dropNode(node);
    this.log.info({ node: node.name, addr: node.addr }, `aggregate: node ${node.name} removed`);
  }

  /** Ask every healthy node at once, within the timeout; failures are logged and left out. */
  async fanOut<T>(
    what: string,
    fn: (n: ClusterNode) => Promise<T>,
  ): Promise<{ node: ClusterNode; value: T }[]> {
    const results = await Promise.all(
      this.nodes
        .filter((n) => n.healthy)
        .map(async (node) => {
          try {
            return { node, value: await fn(node) };
          } catch (err) {
            this.log.debug({ node: node.name, err: toErrorArgs(err)[0] }, `${what} failed`);
            return undefined;
          }
        }),
    );
    return results.filter((r) => r !== undefined);
  }

  async stop(): Promise<void> {
    for (const c of this.checkers.values()) c.stop();
    await Promise.all(this.nodes.map((n) => n.stop().catch(() => {})));
  }
}
