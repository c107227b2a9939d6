import { request } from "../../core/client.ts";
import {
  ErrorCodes,
  fromErrorArgs,
  NoReplyError,
  SwarmError,
  TimeoutError,
  toErrorArgs,
  UnavailableError,
} from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import type { Sender } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";
import { shortId } from "../../docker/ids.ts";
import type { ContainerInspect } from "../../docker/summary.ts";
import type { ServiceContext, SpawnedService } from "../service.ts";
import type { NodeSpec } from "./args.ts";
import { timedCall, timedGetJSON } from "./calls.ts";
import type { DockerEvent, EventBus, NodeTag } from "./events.ts";
import { tagEvent } from "./events.ts";
import type { SchedNode } from "./filters.ts";
import { type ClusterView, NodeContainers, type Owner } from "./view.ts";

/** What a node's `Get ["info"]` tells us (the fields we use). */
export interface EngineInfo {
  ID?: string;
  Name?: string;
  NCPU?: number;
  MemTotal?: number;
  Images?: number;
  Labels?: string[] | null;
  ServerVersion?: string;
  KernelVersion?: string;
  OperatingSystem?: string;
  OSType?: string;
  Driver?: string;
}

export type NodeStatus = "Pending" | "Healthy" | "Unhealthy";

export interface NodeDeps {
  ctx: ServiceContext;
  view: ClusterView;
  events: EventBus;
  log: Logger;
  timeoutMs: number;
  /** Called when the node's event stream breaks, so health is checked at once. */
  onTrouble(node: ClusterNode): void;
  /** A unique node name for an engine Name, or undefined while names are not handed out yet. */
  claimName(node: ClusterNode, engineName: string): string | undefined;
}

/** Errors that mean the node itself is not answering (rather than one request failing). */
export function nodeUnreachable(err: unknown): boolean {
  return (
    err instanceof SwarmError &&
    (err.code === ErrorCodes.Unavailable ||
      err.code === ErrorCodes.Closed ||
      err.code === ErrorCodes.NoReply ||
      err.code === ErrorCodes.Timeout)
  );
}

/** How many container fetches one node runs at once during a resync. */
const syncConcurrency = 16;

const infoFields = [
  "ID",
  "Name",
  "NCPU",
  "MemTotal",
  "Images",
  "Labels",
  "ServerVersion",
  "KernelVersion",
  "OperatingSystem",
  "OSType",
  "Driver",
] as const;

/** The fields of an info document aggregate uses. */
export function slimInfo(info: EngineInfo): EngineInfo {
  const out: Record<string, unknown> = {};
  for (const k of infoFields) if (info[k] !== undefined) out[k] = info[k];
  return out as EngineInfo;
}

/** Turn engine info into classic Swarm's node labels: the engine's own labels plus four of its facts. */
export function engineLabels(info: EngineInfo): Record<string, string> {
  const labels: Record<string, string> = {};
  if (info.KernelVersion) labels.kernelversion = info.KernelVersion;
  if (info.OperatingSystem) labels.operatingsystem = info.OperatingSystem;
  if (info.OSType) labels.ostype = info.OSType;
  if (info.Driver) labels.storagedriver = info.Driver;
  for (const l of info.Labels ?? []) {
    const eq = l.indexOf("=");
    if (eq > 0) labels[l.slice(0, eq)] = l.slice(eq + 1);
    else labels[l] = "";
  }
  return labels;
}

/** One node of the cluster: a spawned backend root, its health, and its part of the view. */
export class ClusterNode implements Owner, SchedNode {
  readonly containers = new NodeContainers();
  /** Chosen name; undefined until the node first answers (then its engine Name, made unique). */
  assigned: string | undefined;
  status: NodeStatus = "Pending";
  error = "";
  /** Last successful contact, ms since the epoch (0: never). */
  updatedAt = 0;
  info: EngineInfo = {};
  labels: Record<string, string> = {};
  images: string[] = [];
  /** Reservations of creates under way, so concurrent creates see each other. */
  pendingContainers = 0;
  pendingCpus = 0;
  pendingMemory = 0;
  private svc: SpawnedService | undefined;
  private spawning: Promise<void> | undefined;
  private watching = false;
  private watchReplies: { close(): void } | undefined;
  private polling = false;
  private readonly refreshing = new Map<string, boolean>();
  private imagesDirty: Promise<void> | undefined;
  private stopped = false;

  constructor(
    readonly key: number,
    readonly spec: NodeSpec,
    private readonly deps: NodeDeps,
  ) {
    this.assigned = spec.name;
  }

  get name(): string {
    return this.assigned ?? `(unknown ${this.key + 1})`;
  }
  get addr(): string {
    return this.spec.commandLine;
  }
  get id(): string {
    return this.info.ID ?? "";
  }
  get healthy(): boolean {
    return this.status === "Healthy";
  }
  get totalCpus(): number {
    return this.info.NCPU ?? 0;
  }
  get totalMemory(): number {
    return this.info.MemTotal ?? 0;
  }
  get usedCpus(): number {
    return this.containers.usedCpus + this.pendingCpus;
  }
  get usedMemory(): number {
    return this.containers.usedMemory + this.pendingMemory;
  }
  get count(): number {
    return this.containers.count + this.pendingContainers;
  }
  /** Capacity's container count (spread and binpack tie-breaks). */
  get load(): number {
    return this.count;
  }

  /** The node's backend root; throws UNAVAILABLE when it is not running. */
  get root(): Sender {
    if (!this.svc)
      throw new UnavailableError(`node ${this.name} is not running${this.error ? `: ${this.error}` : ""}`);
    return this.svc.input.target;
  }

  tag(): NodeTag {
    const m = /^[a-z]+:\/\/\[?([^\]/:]+)/.exec(this.addr.split(/\s+/).find((w) => w.includes("://")) ?? "");
    return { Name: this.name, Id: this.id, Addr: this.addr, Ip: m?.[1] ?? "" };
  }

  *containerRefs(): Iterable<string> {
    for (const e of this.containers.byId.values()) {
      yield e.name;
      yield e.id;
    }
  }
  imageRefs(): Iterable<string> {
    return this.images;
  }
  takenPorts(): ReadonlySet<string> {
    return this.containers.takenPorts();
  }

  /** Start the node's service (again, if it ended). */
  async ensureSpawned(): Promise<void> {
    if (this.svc || this.stopped) return;
    this.spawning ??= (async () => {
      try {
        const svc = await this.deps.ctx.spawn(this.spec.commandLine);
        if (this.stopped) {
          await svc.stop();
          return;
        }
        this.svc = svc;
        void this.drainOutput(svc);
      } finally {
        this.spawning = undefined;
      }
    })();
    await this.spawning;
  }

  /** The node's own output: Log lines go to our log; a one-way Error or EOF means it ended. */
  private async drainOutput(svc: SpawnedService): Promise<void> {
    for await (const m of svc.output) {
      if (m.verb === Verbs.Log) this.deps.log.info({ node: this.name }, m.args.join(" "));
      else if (m.verb === Verbs.Error && !m.ret) {
        this.error = m.args[0] ?? "service failed";
        this.deps.log.error({ node: this.name, err: this.error }, `node service failed: ${this.error}`);
      } else m.ret?.close();
    }
    if (this.svc === svc) {
      this.svc = undefined;
      this.watching = false;
      if (!this.stopped) this.markUnhealthy(new UnavailableError(this.error || "node service ended"));
    }
  }

  /**
   * Is the node answering? `Get ["info"]` (what the node reports about itself) when `full` or when
   * it is not known yet, else the cheaper `Get ["version"]`: an engine's info walks its containers
   * and images, and 1,000 nodes are pinged every second.
   */
  async ping(full = true): Promise<EngineInfo> {
    if (!full && this.assigned !== undefined && this.updatedAt > 0) {
      await timedCall(
        this.root,
        Verbs.Get,
        ["version"],
        [Verbs.Set],
        this.deps.timeoutMs,
        `node ${this.name}: version`,
      );
      this.updatedAt = Date.now();
      return this.info;
    }
    const raw = await timedGetJSON<EngineInfo>(
      this.root,
      ["info"],
      this.deps.timeoutMs,
      `node ${this.name}: info`,
    );
    // Keep the few fields used, and the old object when nothing changed: with 1,000 nodes pinged
    // every second, replacing whole info documents would feed the old generation for nothing.
    const info = slimInfo(raw);
    if (JSON.stringify(info) !== JSON.stringify(this.info)) {
      this.info = info;
      this.labels = engineLabels(info);
    }
    if (this.assigned === undefined) this.assigned = this.deps.claimName(this, info.Name || "node");
    this.updatedAt = Date.now();
    return this.info;
  }

  markUnhealthy(err: unknown): void {
    const message = toErrorArgs(err)[0];
    this.error = message;
    if (this.status !== "Unhealthy") {
      this.deps.view.touch();
      this.deps.log.warn({ node: this.name, err: message }, `node ${this.name} is unhealthy: ${message}`);
    }
    this.status = "Unhealthy";
  }

  /** After a successful ping: (re)start the event stream, resync everything, and take work again. */
  async rejoin(): Promise<void> {
    if (!this.watching && !this.polling) await this.watch();
    await this.sync();
    const was = this.status;
    if (was !== "Healthy") this.deps.view.touch();
    this.status = "Healthy";
    this.error = "";
    if (was === "Unhealthy") this.deps.log.info({ node: this.name }, `node ${this.name} is healthy again`);
  }

  /** Called on each heartbeat while healthy: a node without events is resynced instead. */
  async tick(): Promise<void> {
    if (this.polling) await this.sync();
    else if (!this.watching) await this.rejoin();
  }

  /** List every container on the node and fetch each; what is no longer there is dropped. */
  async sync(): Promise<void> {
    const { view, timeoutMs } = this.deps;
    const seq = view.nextSeq();
    const m = await timedCall(this.root, Verbs.Ls, [], [Verbs.Set], timeoutMs, `node ${this.name}: Ls`);
    const ids = [...m.args];
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        try {
          await this.fetch(id);
        } catch (err) {
          // One container the node cannot describe (being removed, say) does not fail the node;
          // a node that stops answering does.
          if (nodeUnreachable(err)) throw err;
          this.deps.log.debug({ node: this.name, id, err: toErrorArgs(err)[0] }, "resync: fetch failed");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(syncConcurrency, ids.length) }, worker));
    view.sweep(this, seq);
    await this.refreshImages();
  }

  /** Open the node's container object (cached on the entry). */
  async open(id: string, keep = true): Promise<Sender> {
    const cached = this.deps.view.get(id);
    if (cached?.object && cached.owner === this) return cached.object;
    const m = await timedCall(
      this.root,
      Verbs.Attach,
      [id],
      [Verbs.Ack],
      this.deps.timeoutMs,
      `node ${this.name}: Attach`,
    );
    if (!m.ret) throw new UnavailableError(`node ${this.name}: Attach ${shortId(id)} handed back no object`);
    const entry = this.deps.view.get(id);
    if (keep && entry && entry.owner === this) entry.object = m.ret;
    return m.ret;
  }

  /** Fetch one container's inspect document into the view (or drop it when the node says it is gone). */
  async fetch(id: string, object?: Sender): Promise<ContainerInspect | undefined> {
    const { view, timeoutMs } = this.deps;
    const seq = view.nextSeq();
    try {
      // Objects opened only to read (resyncs, events) are not kept: 30,000 of them would cost more
      // memory than the Attach they save. Objects a user works with are kept (open()).
      const target = object ?? (await this.open(id, false));
      const doc = await timedGetJSON<ContainerInspect>(target, [], timeoutMs, `node ${this.name}: inspect`);
      const e = view.apply(this, doc.Id || id, doc, seq);
      if (e && !e.object && object) e.object = object;
      return doc;
    } catch (err) {
      if (err instanceof SwarmError && err.code === ErrorCodes.NotFound) {
        view.apply(this, id, null, seq);
        return undefined;
      }
      throw err;
    }
  }

  /** Fetch a container again after an event; events for one container are coalesced. */
  private refresh(id: string): void {
    if (this.refreshing.has(id)) {
      this.refreshing.set(id, true);
      return;
    }
    this.refreshing.set(id, false);
    void (async () => {
      try {
        do {
          this.refreshing.set(id, false);
          await this.fetch(id).catch((err) => {
            this.deps.log.debug({ node: this.name, id, err: toErrorArgs(err)[0] }, "refresh failed");
          });
        } while (this.refreshing.get(id));
      } finally {
        this.refreshing.delete(id);
      }
    })();
  }

  /** Refresh the list of images on the node (for affinity:image); calls are coalesced. */
  refreshImages(): Promise<void> {
    this.imagesDirty ??= (async () => {
      try {
        const list = await timedGetJSON<{ Id: string; RepoTags?: string[] | null }[]>(
          this.root,
          ["images", "{}"],
          this.deps.timeoutMs,
          `node ${this.name}: images`,
        );
        const refs = new Set<string>();
        for (const img of list) {
          refs.add(img.Id);
          refs.add(shortId(img.Id));
          for (const t of img.RepoTags ?? []) {
            refs.add(t);
            if (t.endsWith(":latest")) refs.add(t.slice(0, -":latest".length));
          }
        }
        this.images = [...refs];
      } catch (err) {
        this.deps.log.debug({ node: this.name, err: toErrorArgs(err)[0] }, "image list failed");
      } finally {
        this.imagesDirty = undefined;
      }
    })();
    return this.imagesDirty;
  }

  /** Start the node's event stream; events keep the view fresh and go to the merged stream. */
  private async watch(): Promise<void> {
    const ms = this.deps.timeoutMs;
    const replies = await request(this.root, Verbs.Watch, ["{}"]);
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([
      replies.receive(),
      new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), ms);
      }),
    ]);
    clearTimeout(timer);
    if (first === "late" || first === undefined || first.verb !== Verbs.Ack) {
      replies.close();
      if (first === "late") throw new TimeoutError(`node ${this.name}: Watch: no answer within ${ms} ms`);
      const err = first?.verb === Verbs.Error ? fromErrorArgs(first.args) : new NoReplyError("Watch");
      if (err.code === ErrorCodes.NotImplemented) {
        this.polling = true;
        this.deps.log.info({ node: this.name }, `node ${this.name} has no event stream; polling it instead`);
        return;
      }
      throw err;
    }
    this.watching = true;
    this.watchReplies = replies;
    void (async () => {
      for await (const m of replies) {
        if (m.verb !== Verbs.Set) continue;
        let ev: DockerEvent;
        try {
          ev = JSON.parse(m.args[0] ?? "") as DockerEvent;
        } catch {
          continue;
        }
        this.onEvent(ev);
      }
      if (this.watchReplies === replies) {
        this.watching = false;
        this.watchReplies = undefined;
        if (!this.stopped) this.deps.onTrouble(this);
      }
    })();
  }

  private onEvent(ev: DockerEvent): void {
    const type = ev.Type ?? "container";
    const id = ev.Actor?.ID ?? ev.id ?? "";
    const action = ev.Action ?? ev.status ?? "";
    if (type === "container" && id) {
      if (action === "destroy") this.deps.view.apply(this, id, null, this.deps.view.nextSeq());
      else if (
        !action.startsWith("exec_") &&
        action !== "attach" &&
        action !== "top" &&
        action !== "resize"
      ) {
        this.refresh(id);
      }
    } else if (type === "image") {
      void this.refreshImages();
      void this.ping().catch(() => {}); // the image count in info
    }
    this.deps.events.publish(tagEvent(ev, this.tag()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watchReplies?.close();
    await this.spawning?.catch(() => {});
    const svc = this.svc;
    this.svc = undefined;
    await svc?.stop();
  }
}
