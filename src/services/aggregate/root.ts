import { call, request } from "../../core/client.ts";
import {
  ConflictError,
  ErrorCodes,
  fromErrorArgs,
  InvalidArgumentError,
  NotFoundError,
  NotImplementedError,
  SwarmError,
  toErrorArgs,
  UnavailableError,
} from "../../core/errors.ts";
import type { Message } from "../../core/message.ts";
import { ack, reply, Server } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { checkName, randomName } from "../../docker/names.ts";
import { DockerVerbs, type ListOptions, type WatchOptions } from "../../docker/verbs.ts";
import { timedCall } from "./calls.ts";
import type { Cluster } from "./cluster.ts";
import { nameInUse, wrapContainer } from "./container.ts";
import { type DockerEvent, eventMatcher } from "./events.ts";
import { applyFilters, type Exclusion, explain } from "./filters.ts";
import { bytesSize, clusterInfoJson, serverVersion } from "./info.ts";
import type { ClusterNode } from "./node.ts";
import { listJson } from "./ps.ts";
import { readScheduleRequest } from "./request.ts";
import { resolve } from "./resolver.ts";
import { pick, weigh } from "./strategy.ts";
import type { Entry } from "./view.ts";

/**
 * aggregate's backend root (docs/PROTOCOL.md §6.1): it answers every root request for the whole
 * cluster. Reads (info, ps, lookups) come from the cluster view; creates are scheduled onto one
 * node; images and df ask the healthy nodes; events are the merged stream.
 */
export function buildRoot(cluster: Cluster): Server {
  const server = new Server();
  const nameOf = (owner: Entry["owner"]) => cluster.nodeOf(owner).name;

  const find = (ref: string): Entry | undefined =>
    resolve(cluster.view, ref, (n) => cluster.nodeNamed(n), nameOf);

  /** A container the view does not know yet (made on a node directly, event not in): ask the nodes. */
  async function findOnNodes(ref: string): Promise<Entry | undefined> {
    const bare = ref.replace(/^\//, "");
    const slash = bare.indexOf("/");
    const targets =
      slash > 0 ? [cluster.nodeNamed(bare.slice(0, slash))].filter((n) => n?.healthy) : undefined;
    const inner = slash > 0 ? bare.slice(slash + 1) : ref;
    const found = await Promise.all(
      (targets ?? cluster.nodes.filter((n) => n.healthy)).map(async (node) => {
        try {
          const m = await timedCall(
            node!.root,
            Verbs.Attach,
            [inner],
            [Verbs.Ack],
            cluster.options.timeoutMs,
          );
          if (!m.ret) return undefined;
          const doc = await node!.fetch(m.args[0] || inner, m.ret);
          return doc ? cluster.view.get(doc.Id) : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    const hits = found.filter((e) => e !== undefined);
    if (hits.length > 1) {
      throw new InvalidArgumentError(
        `container name ${bare} is ambiguous: it exists on several nodes (${hits.map((e) => `${nameOf(e.owner)}/${e.name}`).join(", ")}); use node/name`,
      );
    }
    return hits[0];
  }

  server.on(Verbs.Get, async (msg) => {
    const what = msg.args[0] ?? "";
    let value: unknown;
    if (what === "" || what === "info") return void (await reply(msg, Verbs.Set, [clusterInfoJson(cluster)]));
    if (what === "containers") {
      let opts: ListOptions = {};
      try {
        if (msg.args[1]) opts = JSON.parse(msg.args[1]) as ListOptions;
      } catch {
        throw new InvalidArgumentError("invalid list options: not JSON");
      }
      return void (await reply(msg, Verbs.Set, [listJson(cluster, opts, find)]));
    }
    if (what === "version") value = await version(cluster);
    else if (what === "images") value = await images(cluster, msg.args[1] ?? "{}");
    else if (what === "image") value = await image(cluster, msg.args[1] ?? "");
    else if (what === "df") value = await df(cluster);
    else throw new NotImplementedError(`not implemented: Get ${what}`);
    await reply(msg, Verbs.Set, [JSON.stringify(value)]);
  });

  server.on(Verbs.Ls, async (msg) => {
    await reply(msg, Verbs.Set, [...cluster.view.byId.keys()]);
  });

  server.on(Verbs.Attach, async (msg) => {
    const ref = msg.args[0] ?? "";
    if (ref === "") throw new InvalidArgumentError("Attach needs a container ID or name");
    const entry = find(ref) ?? (await findOnNodes(ref));
    if (!entry) throw new NotFoundError(`No such container: ${ref}`);
    const node = cluster.nodeOf(entry.owner);
    if (!node.healthy) {
      throw new UnavailableError(
        `container ${ref} is on node ${node.name}, which is unhealthy: ${node.error || "not answering"}`,
      );
    }
    const object = await node.open(entry.id);
    await ack(msg, [entry.id], wrapContainer(cluster, node, entry.id, object));
  });

  server.on(Verbs.Spawn, (msg) => spawn(cluster, msg));
  server.on(DockerVerbs.Pull, (msg) => pull(cluster, msg));
  server.on(Verbs.Watch, (msg) => watch(cluster, msg));
  return server;
}

async function version(cluster: Cluster): Promise<unknown> {
  for (const n of cluster.nodes) {
    if (!n.healthy) continue;
    try {
      const m = await timedCall(n.root, Verbs.Get, ["version"], [Verbs.Set], cluster.options.timeoutMs);
      const v = JSON.parse(m.args[0] ?? "{}") as Record<string, unknown>;
      return {
        ...v,
        Version: serverVersion,
        Components: [{ Name: "Engine", Version: serverVersion, Details: {} }],
      };
    } catch {}
  }
  return { Version: serverVersion, ApiVersion: "1.41", MinAPIVersion: "1.12", Os: "linux", Arch: "amd64" };
}

/** The images of every healthy node, one entry per image ID (its tags merged). */
async function images(cluster: Cluster, opts: string): Promise<unknown[]> {
  const lists = await cluster.fanOut("images", async (n) => {
    const m = await timedCall(n.root, Verbs.Get, ["images", opts], [Verbs.Set], cluster.options.timeoutMs);
    return JSON.parse(m.args[0] ?? "[]") as { Id: string; RepoTags?: string[] | null; Containers?: number }[];
  });
  const byId = new Map<string, { Id: string; RepoTags?: string[] | null; Containers?: number }>();
  for (const { value } of lists) {
    for (const img of value) {
      const seen = byId.get(img.Id);
      if (!seen) byId.set(img.Id, { ...img });
      else {
        const tags = new Set([...(seen.RepoTags ?? []), ...(img.RepoTags ?? [])]);
        seen.RepoTags = [...tags];
        if (typeof seen.Containers === "number" && typeof img.Containers === "number" && img.Containers > 0) {
          seen.Containers = Math.max(0, seen.Containers) + img.Containers;
        }
      }
    }
  }
  return [...byId.values()];
}

async function image(cluster: Cluster, ref: string): Promise<unknown> {
  let lastErr: unknown = new NotFoundError(`No such image: ${ref}`);
  for (const n of cluster.nodes) {
    if (!n.healthy) continue;
    try {
      const m = await timedCall(n.root, Verbs.Get, ["image", ref], [Verbs.Set], cluster.options.timeoutMs);
      return JSON.parse(m.args[0] ?? "{}");
    } catch (err) {
      if (!(err instanceof SwarmError && err.code === ErrorCodes.NotFound)) lastErr = err;
    }
  }
  throw lastErr;
}

async function df(cluster: Cluster): Promise<unknown> {
  const parts = await cluster.fanOut("df", async (n) => {
    const m = await timedCall(n.root, Verbs.Get, ["df"], [Verbs.Set], cluster.options.timeoutMs);
    return JSON.parse(m.args[0] ?? "{}") as Record<string, unknown>;
  });
  const out = {
    LayersSize: 0,
    Images: [] as unknown[],
    Containers: [] as unknown[],
    Volumes: [] as unknown[],
    BuildCache: [] as unknown[],
  };
  for (const { value } of parts) {
    out.LayersSize += Number(value.LayersSize ?? 0);
    for (const k of ["Images", "Containers", "Volumes", "BuildCache"] as const) {
      const list = value[k];
      if (Array.isArray(list)) out[k].push(...list);
    }
  }
  return out;
}

/** Spawn [config, name]: check the name across the cluster, pick a node, create there. */
async function spawn(cluster: Cluster, msg: Message): Promise<void> {
  const req = readScheduleRequest(msg.args[0] ?? "");
  const view = cluster.view;
  let name: string;
  if (msg.args[1]) {
    name = checkName(msg.args[1]);
    const holder = view.named(name)[0];
    if (holder || cluster.pendingNames.has(name)) throw nameInUse(name, holder?.id ?? "");
  } else {
    // Nodes pick names independently and would clash; aggregate picks one free across the cluster.
    name = randomName((n) => view.named(n).length > 0 || cluster.pendingNames.has(n));
  }
  cluster.pendingNames.add(name);
  const tried = new Set<ClusterNode>();
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const node = schedule(cluster, req, tried);
      tried.add(node);
      node.pendingContainers++;
      node.pendingCpus += req.reservation.cpus;
      node.pendingMemory += req.reservation.memory;
      try {
        let m: Message;
        try {
          m = await call(node.root, Verbs.Spawn, [JSON.stringify(req.config), name], [Verbs.Ack]);
        } catch (err) {
          // Only a node that could not be reached at all is retried elsewhere: anything else may
          // have created the container, and a second try would make two.
          if (!(err instanceof SwarmError && err.code === ErrorCodes.Unavailable) || attempt === 2) throw err;
          node.markUnhealthy(err);
          cluster.log.warn(
            { node: node.name, err: toErrorArgs(err)[0] },
            "create failed on node; trying another",
          );
          continue;
        }
        const id = m.args[0] ?? "";
        if (!m.ret) throw new UnavailableError(`node ${node.name}: create handed back no container`);
        await node.fetch(id, m.ret).catch((err) => {
          cluster.log.warn(
            { node: node.name, err: toErrorArgs(err)[0] },
            "created, but could not read it back yet",
          );
        });
        await ack(msg, [...m.args], wrapContainer(cluster, node, id, m.ret));
        return;
      } finally {
        node.pendingContainers--;
        node.pendingCpus -= req.reservation.cpus;
        node.pendingMemory -= req.reservation.memory;
      }
    }
  } finally {
    cluster.pendingNames.delete(name);
  }
}

/** Filters, then the strategy. No node left: an error that says which filter excluded which nodes. */
function schedule(
  cluster: Cluster,
  req: ReturnType<typeof readScheduleRequest>,
  skip: Set<ClusterNode>,
): ClusterNode {
  const named = cluster.nodes.filter((n) => !skip.has(n));
  const { nodes, exclusions } = applyFilters(req, named);
  const { fit, tooSmall } = weigh(nodes, req.reservation);
  const all: Exclusion[] = [...exclusions];
  if (tooSmall.length) {
    all.push({
      filter: `resources (${req.reservation.cpus} CPUs, ${bytesSize(req.reservation.memory)} memory)`,
      nodes: tooSmall.map((n) => n.name),
    });
  }
  const node = pick(cluster.options.strategy, fit);
  if (!node) {
    if (named.length === 0)
      throw new ConflictError("unable to find a node for this container: no node is available");
    throw new ConflictError(
      explain(all, (n) => {
        const node = cluster.nodeNamed(n);
        return node ? `${node.status.toLowerCase()}${node.error ? `: ${node.error}` : ""}` : "unknown";
      }),
    );
  }
  return node;
}

/** Pull on every healthy node; progress lines carry the node's name. */
async function pull(cluster: Cluster, msg: Message): Promise<void> {
  const healthy = cluster.nodes.filter((n) => n.healthy);
  if (healthy.length === 0) throw new UnavailableError("no healthy node to pull on");
  const failures: string[] = [];
  let firstError: unknown;
  let acked = false;
  const ensureAck = async () => {
    if (!acked) {
      acked = true;
      await ack(msg);
    }
  };
  await Promise.all(
    healthy.map(async (node) => {
      try {
        const replies = await request(node.root, DockerVerbs.Pull, msg.args);
        try {
          const first = await replies.receive();
          if (!first) throw new UnavailableError(`node ${node.name}: pull gave no answer`);
          if (first.verb === Verbs.Error) throw fromErrorArgs(first.args);
          await ensureAck();
          for await (const m of replies) {
            if (m.verb !== Verbs.Log) continue;
            await reply(msg, Verbs.Log, [m.args[0] ?? "progress", tagProgress(m.args[1] ?? "", node.name)]);
          }
          void node.refreshImages();
        } finally {
          replies.close();
        }
      } catch (err) {
        firstError ??= err;
        failures.push(`${node.name}: ${toErrorArgs(err)[0]}`);
      }
    }),
  );
  if (failures.length === healthy.length) throw firstError;
  await ensureAck();
  for (const f of failures) {
    await reply(msg, Verbs.Log, ["progress", JSON.stringify({ status: `pull failed on ${f}` })]);
  }
}

function tagProgress(line: string, node: string): string {
  try {
    const p = JSON.parse(line) as { id?: string; status?: string };
    if (p.id !== undefined) p.id = `${node}: ${p.id}`;
    else if (p.status !== undefined) p.status = `${node}: ${p.status}`;
    return JSON.stringify(p);
  } catch {
    return line;
  }
}

/** The merged event stream: history since `since`, then live events until `until` or the caller leaves. */
async function watch(cluster: Cluster, msg: Message): Promise<void> {
  let opts: WatchOptions = {};
  if (msg.args[0]) {
    try {
      opts = JSON.parse(msg.args[0]) as WatchOptions;
    } catch {
      throw new InvalidArgumentError("invalid Watch options: not JSON");
    }
  }
  const matches = eventMatcher(opts.filters);
  const untilNs = opts.until !== undefined ? Number(opts.until) * 1e9 : undefined;
  const queue: DockerEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = cluster.events.subscribe((ev) => {
    if (!matches(ev)) return;
    if (queue.length >= 10_000) queue.shift(); // a reader this far behind loses the oldest events
    queue.push(ev);
    wake?.();
  });
  try {
    if (!(await ack(msg))) return;
    const nowNs = Date.now() * 1e6;
    if (opts.since !== undefined) {
      for (const ev of cluster.events.since(Number(opts.since) * 1e9)) {
        if (untilNs !== undefined && (ev.timeNano ?? 0) > untilNs) break;
        if (matches(ev) && !queue.includes(ev) && !(await reply(msg, Verbs.Set, [JSON.stringify(ev)])))
          return;
      }
    }
    if (untilNs !== undefined && untilNs <= nowNs) return;
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    if (untilNs !== undefined) {
      timer = setTimeout(
        () => {
          ended = true;
          wake?.();
        },
        (untilNs - nowNs) / 1e6,
      );
    }
    try {
      while (!ended) {
        const ev = queue.shift();
        if (!ev) {
          await new Promise<void>((r) => {
            wake = r;
          });
          wake = undefined;
          continue;
        }
        if (!(await reply(msg, Verbs.Set, [JSON.stringify(ev)]))) return;
      }
    } finally {
      clearTimeout(timer);
    }
  } finally {
    unsubscribe();
  }
}
