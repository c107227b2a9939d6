import { setMaxListeners } from "node:events";
import { availableParallelism, hostname, release, totalmem } from "node:os";
import { ConflictError, ErrorCodes, InvalidArgumentError, SwarmError } from "../../core/errors.ts";
import { listContainers, normalizeFilters } from "../../docker/filters.ts";
import { newDaemonId, newId } from "../../docker/ids.ts";
import { swarmInactive } from "../../docker/info.ts";
import { checkName, parseImageRef, randomName, registryOf } from "../../docker/names.ts";
import type { ContainerInspect, ContainerSummary } from "../../docker/summary.ts";
import { containerSummary } from "../../docker/summary.ts";
import { nowNanos, rfc3339Nano } from "../../docker/time.ts";
import type { ListOptions } from "../../docker/verbs.ts";
import { buildConfig, type Json, parseCreateBody } from "./config.ts";
import { Container } from "./container.ts";
import type { EngineContext } from "./context.ts";
import { EventBus } from "./events.ts";
import { ImageStore } from "./images.ts";
import { DEFAULT_LOG_CAP } from "./logbuffer.ts";
import { resolveRef } from "./resolve.ts";

/** What the engine reports as its version (API 1.41, as the captured engine). */
export const ENGINE_VERSION = "20.10.24-libswarm";
export const API_VERSION = "1.41";
export const MIN_API_VERSION = "1.12";

export interface SimulatorOptions {
  /** Extra images besides busybox:latest and alpine:latest. */
  images?: readonly string[];
  /** Bytes of log kept per container. Default 1 MiB. */
  logCap?: number;
}

/** The command seeded containers run. */
export const SEED_COMMAND = ["sleep", "infinity"];

/** The state of one simulated engine: containers, images, events. */
export class Simulator {
  readonly images: ImageStore;
  readonly events = new EventBus();
  readonly daemonId = newDaemonId();
  private readonly byId = new Map<string, Container>();
  private readonly byName = new Map<string, Container>();
  private readonly abort = new AbortController();
  private pid = 4000;
  readonly ctx: EngineContext;

  constructor(options: SimulatorOptions = {}) {
    this.images = new ImageStore(options.images ?? []);
    // Every open stream and wait listens on this signal: thousands are normal, not a leak.
    setMaxListeners(0, this.abort.signal);
    const logCap = options.logCap ?? DEFAULT_LOG_CAP;
    this.ctx = {
      emit: (e) => this.events.emit(e),
      nextPid: () => (this.pid = this.pid >= 4_194_000 ? 4000 : this.pid + 1),
      nameHolder: (name) => this.byName.get(name)?.id,
      renamed: (id, oldName, newName) => {
        const c = this.byId.get(id);
        if (!c) return;
        this.byName.delete(oldName);
        this.byName.set(newName, c);
      },
      removed: (id) => {
        const c = this.byId.get(id);
        if (!c) return;
        this.byId.delete(id);
        if (this.byName.get(c.name) === c) this.byName.delete(c.name);
      },
      signal: this.abort.signal,
      logCap,
    };
  }

  /** Aborted when the simulator stops. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get containers(): IterableIterator<Container> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  /** Full ID, name (with or without `/`) or unique ID prefix. */
  resolve(ref: string): Container {
    return resolveRef(ref, this.byId, this.byName);
  }

  /** POST /containers/create. `name` may be "" (a random one is picked). */
  /** `operatorName`: a seed name from the command line, exempt from the API's two-character rule. */
  create(configText: string, nameArg: string, operatorName = false): Container {
    const body = parseCreateBody(configText);
    if (typeof body.Image !== "string" || body.Image === "") {
      throw new InvalidArgumentError("Config has no image: set Image");
    }
    const image = this.images.get(body.Image);
    let name: string;
    if (nameArg) {
      name = operatorName ? nameArg : checkName(nameArg);
      const holder = this.byName.get(name);
      if (holder) {
        throw new ConflictError(
          `Conflict. The container name "/${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
        );
      }
    } else name = randomName((n) => this.byName.has(n));
    const id = newId();
    const { config, hostConfig, argv } = buildConfig(body, image, id);
    const c = new Container(id, name, config, hostConfig, image, argv, this.ctx);
    this.byId.set(id, c);
    this.byName.set(name, c);
    c.event("create");
    return c;
  }

  /** Create and start a container running SEED_COMMAND (the seeds given on the command line). */
  seed(name: string): Container {
    const c = this.create(
      JSON.stringify({ Image: "busybox:latest", Cmd: SEED_COMMAND, HostConfig: { NetworkMode: "none" } }),
      name,
      true,
    );
    c.start();
    return c;
  }

  /** Pull: there is no registry, so it fails as an engine without network access does. */
  pull(fromImage: string, tag: string): never {
    const ref = parseImageRef(
      tag && !fromImage.includes("@") ? `${fromImage.replace(/:[^:/]*$/, "")}:${tag}` : fromImage,
    );
    const host = registryOf(ref.repo);
    const url = host === "registry-1.docker.io" ? "https://registry-1.docker.io/v2/" : `https://${host}/v2/`;
    const lookup = host.replace(/:\d+$/, "");
    throw new SwarmError(
      ErrorCodes.Internal,
      `Get "${url}": dial tcp: lookup ${lookup} on 10.255.255.53:53: no such host`,
    );
  }

  inspectAll(): ContainerInspect[] {
    return [...this.byId.values()].map((c) => c.inspect() as unknown as ContainerInspect);
  }

  /** GET /containers/json on the simulator's containers (the fast path of docs/PROTOCOL.md §6.1). */
  list(options: ListOptions): ContainerSummary[] {
    const docs = [...this.byId.values()].map((c) => {
      const doc = c.inspect() as unknown as ContainerInspect;
      // `ps -s`: nothing is ever written, so the sizes are 0 and the image's.
      if (options.size) Object.assign(doc, { SizeRw: 0, SizeRootFs: c.image.size });
      return doc;
    });
    return listContainers(docs, options, { resolveImage: (ref) => this.images.find(ref)?.id });
  }

  counts(): { total: number; running: number; paused: number; stopped: number } {
    let running = 0;
    let paused = 0;
    for (const c of this.byId.values()) {
      if (c.status === "running") running++;
      else if (c.status === "paused") paused++;
    }
    return { total: this.byId.size, running, paused, stopped: this.byId.size - running - paused };
  }

  /** GET /info in the engine's shape. */
  info(): Json {
    const n = this.counts();
    return {
      ID: this.daemonId,
      Containers: n.total,
      ContainersRunning: n.running,
      ContainersPaused: n.paused,
      ContainersStopped: n.stopped,
      Images: this.images.count,
      Driver: "vfs",
      DriverStatus: null,
      Plugins: {
        Volume: ["local"],
        Network: ["bridge", "host", "null"],
        Authorization: null,
        Log: ["json-file"],
      },
      MemoryLimit: true,
      SwapLimit: true,
      KernelMemory: true,
      KernelMemoryTCP: true,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: true,
      BridgeNfIptables: true,
      BridgeNfIp6tables: true,
      Debug: false,
      NFd: 0,
      OomKillDisable: true,
      NGoroutines: 0,
      SystemTime: rfc3339Nano(nowNanos()),
      LoggingDriver: "json-file",
      CgroupDriver: "cgroupfs",
      CgroupVersion: "1",
      NEventsListener: 0,
      KernelVersion: release(),
      OperatingSystem: "libswarm simulator",
      OSVersion: "",
      OSType: "linux",
      Architecture: "x86_64",
      IndexServerAddress: "https://index.docker.io/v1/",
      RegistryConfig: {
        AllowNondistributableArtifactsCIDRs: [],
        AllowNondistributableArtifactsHostnames: [],
        InsecureRegistryCIDRs: ["127.0.0.0/8"],
        IndexConfigs: { "docker.io": { Name: "docker.io", Mirrors: [], Secure: true, Official: true } },
        Mirrors: [],
      },
      NCPU: availableParallelism(), // cheap, and what dockerd reports (runtime.NumCPU: the CPUs it may use)
      MemTotal: totalmem(),
      GenericResources: null,
      DockerRootDir: "/var/lib/docker",
      HttpProxy: "",
      HttpsProxy: "",
      NoProxy: "",
      Name: hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: ENGINE_VERSION,
      Runtimes: { runc: { path: "runc" } },
      DefaultRuntime: "runc",
      Swarm: swarmInactive(),
      LiveRestoreEnabled: false,
      Isolation: "",
      InitBinary: "docker-init",
      ContainerdCommit: { ID: "", Expected: "" },
      RuncCommit: { ID: "", Expected: "" },
      InitCommit: { ID: "", Expected: "" },
      SecurityOptions: [],
      Warnings: null,
    };
  }

  /** GET /version in the engine's shape. */
  version(): Json {
    const details = {
      ApiVersion: API_VERSION,
      Arch: "amd64",
      BuildTime: "2026-01-01T00:00:00.000000000+00:00",
      Experimental: "false",
      GitCommit: "libswarm",
      GoVersion: `node ${process.version}`,
      KernelVersion: release(),
      MinAPIVersion: MIN_API_VERSION,
      Os: "linux",
    };
    return {
      Platform: { Name: "libswarm simulator" },
      Components: [{ Name: "Engine", Version: ENGINE_VERSION, Details: details }],
      Version: ENGINE_VERSION,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: details.GitCommit,
      GoVersion: details.GoVersion,
      Os: "linux",
      Arch: "amd64",
      KernelVersion: details.KernelVersion,
      BuildTime: details.BuildTime,
    };
  }

  /** GET /images/json with the `reference`, `dangling`, `label`, `before`, `since` filters. */
  imageList(optionsText: string | undefined): Json[] {
    let opts: { filters?: unknown } = {};
    if (optionsText) {
      try {
        opts = JSON.parse(optionsText) as { filters?: unknown };
      } catch {
        throw new InvalidArgumentError("invalid image list options: not JSON");
      }
    }
    const filters = normalizeFilters(opts.filters);
    for (const key of Object.keys(filters)) {
      if (!["reference", "dangling", "label", "before", "since"].includes(key)) {
        throw new InvalidArgumentError(`Invalid filter '${key}'`);
      }
    }
    const glob = (pattern: string, text: string) =>
      new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, "[^/]*")
          .replace(/\?/g, ".")}$`,
      ).test(text);
    const refOf = (v: string) => this.images.find(v);
    const before = (filters.before ?? []).map((v) => refOf(v)?.created ?? Number.POSITIVE_INFINITY);
    const since = (filters.since ?? []).map((v) => refOf(v)?.created ?? Number.NEGATIVE_INFINITY);
    return this.images
      .list()
      .filter((img) => {
        const refs = filters.reference ?? [];
        if (
          refs.length > 0 &&
          !refs.some((r) => img.repoTags.some((t) => glob(r, t) || glob(r, t.replace(/:[^:]*$/, ""))))
        ) {
          return false;
        }
        if ((filters.dangling ?? []).includes("true")) return false;
        if (!(filters.label ?? []).every((l) => l.split("=")[0]! in (img.labels ?? {}))) return false;
        if (before.some((t) => img.created >= t) || since.some((t) => img.created <= t)) return false;
        return true;
      })
      .sort((a, b) => b.created - a.created)
      .map((img) => this.images.summary(img));
  }

  /** GET /system/df. */
  df(): Json {
    const images = this.images.list();
    const inUse = new Map<string, number>();
    for (const c of this.byId.values()) inUse.set(c.image.id, (inUse.get(c.image.id) ?? 0) + 1);
    return {
      LayersSize: images.reduce((n, i) => n + i.size, 0),
      Images: images.map((i) => ({
        ...this.images.summary(i),
        Containers: inUse.get(i.id) ?? 0,
        SharedSize: 0,
      })),
      Containers: [...this.byId.values()].map((c) => ({
        ...containerSummary(c.inspect() as unknown as ContainerInspect),
        SizeRw: 0,
        SizeRootFs: c.image.size,
      })),
      Volumes: [],
      BuildCache: [],
    };
  }

  /** Stop everything: processes die silently, every stream and wait ends, no timer is left. */
  shutdown(): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    for (const c of this.byId.values()) c.shutdown();
    this.events.changed.notify();
  }
}
