import type { Sender } from "../../core/message.ts";
import type { ContainerInspect } from "../../docker/summary.ts";
import { parseRfc3339 } from "../../docker/time.ts";
import { type HostPort, hostPortsOf, type Reservation, reservationOf } from "./request.ts";

/**
 * The cluster view: every container of every node, kept from each node's event stream, so that
 * ps, info, name lookups and scheduling are answered without asking the nodes. Each write carries
 * a sequence number taken when its fetch began; an older fetch never overwrites a newer one, and a
 * removed container stays removed (a tombstone) against fetches that started before the removal.
 */

/** The per-node part of the view: its containers and running totals. */
export class NodeContainers {
  readonly byId = new Map<string, Entry>();
  running = 0;
  paused = 0;
  stopped = 0;
  usedCpus = 0;
  usedMemory = 0;
  /** Bumped on every change, so derived values (ports) can be cached. */
  version = 0;
  private portsCache: { version: number; ports: Set<string> } | undefined;

  get count(): number {
    return this.byId.size;
  }

  /** Host ports held by containers that are running or about to run. */
  takenPorts(): Set<string> {
    if (this.portsCache?.version === this.version) return this.portsCache.ports;
    const ports = new Set<string>();
    for (const e of this.byId.values()) {
      const s = e.doc.State.Status;
      if (s === "exited" || s === "dead" || s === "removing") continue;
      for (const p of e.ports) ports.add(`${p.port}/${p.proto}`);
    }
    this.portsCache = { version: this.version, ports };
    return ports;
  }

  account(e: Entry, sign: 1 | -1): void {
    this.version++;
    if (e.bucket === "running") this.running += sign;
    else if (e.bucket === "paused") this.paused += sign;
    else this.stopped += sign;
    this.usedCpus += sign * e.reservation.cpus;
    this.usedMemory += sign * e.reservation.memory;
  }
}

export interface Owner {
  readonly key: number;
  readonly containers: NodeContainers;
}

export interface Entry {
  id: string;
  owner: Owner;
  /** The trimmed inspect document. */
  doc: ContainerInspect;
  /** The name without `/`. */
  name: string;
  /** Created, in microseconds since the epoch (sorting ps). */
  created: number;
  reservation: Reservation;
  bucket: "running" | "paused" | "stopped";
  ports: HostPort[];
  seq: number;
  /** The node's container object, once someone has opened it. */
  object?: Sender;
  /** ps caches: `/node/name`, the summary serialized around its Status, the Status of one second. */
  display?: string;
  jsonHead?: string;
  jsonTail?: string;
  statusSecond?: number;
  statusText?: string;
}

type Json = Record<string, unknown>;

function pick(src: Json | undefined, keys: readonly string[]): Json {
  const out: Json = {};
  if (!src) return out;
  for (const k of keys) if (src[k] !== undefined) out[k] = src[k];
  return out;
}

/** Keep only what ps, its filters and the scheduler read, so 30,000 containers stay small. */
export function trimInspect(doc: ContainerInspect): ContainerInspect {
  const d = doc as unknown as Json;
  const state = pick(d.State as Json, [
    "Status",
    "Running",
    "Paused",
    "Restarting",
    "Dead",
    "ExitCode",
    "StartedAt",
    "FinishedAt",
    "Health",
  ]);
  if (state.Health) state.Health = { Status: (state.Health as Json).Status };
  const config = pick(d.Config as Json, ["Image", "Labels"]);
  const hostConfig = pick(d.HostConfig as Json, [
    "NetworkMode",
    "Isolation",
    "PortBindings",
    "CpuShares",
    "NanoCpus",
    "Memory",
    "VolumesFrom",
    "Links",
  ]);
  const net = pick(d.NetworkSettings as Json, ["Ports", "Networks"]);
  const out: Json = {
    Id: d.Id,
    Created: d.Created,
    Path: d.Path,
    Args: d.Args,
    State: state,
    Image: d.Image,
    Name: d.Name,
    Config: config,
    HostConfig: hostConfig,
    NetworkSettings: net,
  };
  if (Array.isArray(d.Mounts) && d.Mounts.length) out.Mounts = d.Mounts;
  if (d.SizeRw !== undefined) out.SizeRw = d.SizeRw;
  if (d.SizeRootFs !== undefined) out.SizeRootFs = d.SizeRootFs;
  return out as unknown as ContainerInspect;
}

function bucketOf(doc: ContainerInspect): Entry["bucket"] {
  if (doc.State.Paused) return "paused";
  if (doc.State.Running) return "running";
  return "stopped";
}

export class ClusterView {
  private seq = 0;
  readonly byId = new Map<string, Entry>();
  private readonly byName = new Map<string, Set<Entry>>();
  private readonly tombstones = new Map<string, number>();
  /** Bumped on every change (info caches on it). */
  version = 0;

  /** Something ps shows changed outside the entries (a node's health): bump the version. */
  touch(): void {
    this.version++;
  }

  /** A sequence number for a fetch about to begin. */
  nextSeq(): number {
    return ++this.seq;
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * Record what a fetch that began at `seq` saw: an inspect document, or `null` for "gone".
   * Returns the entry (or undefined when gone or when the write was stale).
   */
  apply(owner: Owner, id: string, doc: ContainerInspect | null, seq: number): Entry | undefined {
    const current = this.byId.get(id);
    if (current && current.seq > seq) return undefined;
    const dead = this.tombstones.get(id);
    if (dead !== undefined && dead > seq) return undefined;
    if (current) this.unlink(current);
    if (doc === null) {
      this.tombstones.set(id, seq);
      if (this.tombstones.size > 20_000) this.pruneTombstones();
      return undefined;
    }
    this.tombstones.delete(id);
    const trimmed = trimInspect(doc);
    const created = parseRfc3339(trimmed.Created);
    const e: Entry = {
      id,
      owner,
      doc: trimmed,
      name: trimmed.Name.replace(/^\//, ""),
      created: created === undefined ? 0 : Number(created / 1000n),
      reservation: reservationOf(trimmed.HostConfig),
      bucket: bucketOf(trimmed),
      ports: hostPortsOf(trimmed.HostConfig),
      seq,
    };
    if (current?.object && current.owner === owner) e.object = current.object;
    this.link(e);
    return e;
  }

  /** Forget a node's entries that no fetch at or after `seq` has confirmed (after a full resync). */
  sweep(owner: Owner, seq: number): void {
    for (const e of [...owner.containers.byId.values()]) {
      if (e.seq < seq) {
        this.unlink(e);
        this.tombstones.set(e.id, seq);
      }
    }
  }

  /** Forget every entry of a node (it left the cluster). */
  dropNode(owner: Owner): void {
    for (const e of [...owner.containers.byId.values()]) this.unlink(e);
  }

  get(id: string): Entry | undefined {
    return this.byId.get(id);
  }

  named(name: string): Entry[] {
    return [...(this.byName.get(name) ?? [])];
  }

  /** Entries whose ID starts with `prefix`; stops after `max`. */
  withPrefix(prefix: string, max = 2): Entry[] {
    const out: Entry[] = [];
    for (const [id, e] of this.byId) {
      if (id.startsWith(prefix)) {
        out.push(e);
        if (out.length >= max) break;
      }
    }
    return out;
  }

  private link(e: Entry): void {
    this.version++;
    this.byId.set(e.id, e);
    let set = this.byName.get(e.name);
    if (!set) this.byName.set(e.name, (set = new Set()));
    set.add(e);
    e.owner.containers.byId.set(e.id, e);
    e.owner.containers.account(e, 1);
  }

  private unlink(e: Entry): void {
    this.version++;
    if (this.byId.get(e.id) === e) this.byId.delete(e.id);
    const set = this.byName.get(e.name);
    if (set) {
      set.delete(e);
      if (set.size === 0) this.byName.delete(e.name);
    }
    if (e.owner.containers.byId.get(e.id) === e) {
      e.owner.containers.byId.delete(e.id);
      e.owner.containers.account(e, -1);
    }
  }

  private pruneTombstones(): void {
    const drop = this.tombstones.size / 2;
    let i = 0;
    for (const id of this.tombstones.keys()) {
      if (i++ >= drop) break;
      this.tombstones.delete(id);
    }
  }
}
