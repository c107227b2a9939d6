import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  NotImplementedError,
} from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import type { Message } from "../../core/message.ts";
import { ack, reply, Server } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { listContainers } from "../../docker/filters.ts";
import { newDaemonId, newId } from "../../docker/ids.ts";
import { checkName, randomName } from "../../docker/names.ts";
import { nowNanos, rfc3339Nano, ZERO_TIME } from "../../docker/time.ts";
import { DockerVerbs, type ListOptions, RootGets, type WatchOptions } from "../../docker/verbs.ts";
import { cgroupRemovals, checkLimits } from "./cgroups.ts";
import { Container, type ContainerHost } from "./container.ts";
import { infoOf, versionOf } from "./engine-info.ts";
import { EventLog } from "./events.ts";
import { commandOf } from "./inspect.ts";
import { parseJSON } from "./json-arg.ts";
import { lockRoot } from "./lock.ts";
import { logRotationOf } from "./logfile.ts";
import type { ExecOptions } from "./options.ts";
import { checkRestartPolicy } from "./restart-policy.ts";
import { type ContainerConfig, type ContainerRecord, StateDir } from "./state.ts";

/** How long swarmd's shutdown gives a container after its stop signal before SIGKILL. */
const shutdownGraceSeconds = 2;

/** What the create body asks for that a host process cannot have: said, not silently dropped. */
function warningsFor(hc: ContainerConfig["HostConfig"] & object): string[] {
  const out: string[] = [];
  const binds = hc.Binds;
  const mounts = hc.Mounts;
  if ((Array.isArray(binds) && binds.length > 0) || (Array.isArray(mounts) && mounts.length > 0)) {
    out.push("exec: volumes and mounts are ignored: the program sees this machine's filesystem");
  }
  const ports = hc.PortBindings;
  if (ports && typeof ports === "object" && Object.keys(ports).length > 0) {
    out.push("exec: published ports are ignored: the program listens on this machine's network directly");
  }
  return out;
}

/**
 * The exec service's root object (docs/PROTOCOL.md §6.1): containers are host processes, kept in
 * `<root>/containers/<id>/` so that they outlive a swarmd restart.
 */
export class ExecBackend implements ContainerHost {
  readonly root: Server;
  readonly dir: StateDir;
  readonly events = new EventLog();
  readonly isolate: boolean;
  private readonly containers = new Map<string, Container>();
  private readonly daemonId: string;
  private readonly unlock: () => void;
  private readonly closing = new AbortController();

  constructor(
    readonly options: ExecOptions,
    readonly log: Logger,
  ) {
    this.isolate = options.isolate;
    this.dir = new StateDir(options.root);
    this.unlock = lockRoot(options.root);
    this.daemonId = this.loadDaemonId();
    for (const rec of this.dir.loadAll((id, err) =>
      log.warn({ id, err: String(err) }, "exec: unreadable state"),
    )) {
      const c = new Container(rec, this);
      this.containers.set(rec.id, c);
      c.recover();
    }
    this.root = new Server()
      .on(Verbs.Get, (m) => this.onGet(m))
      .on(Verbs.Ls, async (m) => {
        await reply(m, Verbs.Set, [...this.containers.keys()]);
      })
      .on(Verbs.Attach, async (m) => {
        const c = this.resolve(m.args[0] ?? "");
        await ack(m, [c.id], c.object);
      })
      .on(Verbs.Spawn, (m) => this.onSpawn(m))
      .on(Verbs.Watch, async (m) => {
        const opts = parseJSON<WatchOptions>(m.args[0], "Watch");
        if (!(await ack(m))) return;
        await this.events.watch(opts, (json) => reply(m, Verbs.Set, [json]), this.closing.signal);
      })
      .on(DockerVerbs.Pull, async () => {
        throw new NotImplementedError(
          "exec: images are only names here (a container runs a program of this machine), so there is nothing to pull",
        );
      });
  }

  private loadDaemonId(): string {
    const file = join(this.options.root, "engine-id");
    if (existsSync(file)) return readFileSync(file, "utf8").trim();
    const id = newDaemonId();
    writeFileSync(file, `${id}\n`);
    return id;
  }

  // ---- ContainerHost -------------------------------------------------------------------------

  nameOwner(name: string): string | undefined {
    for (const c of this.containers.values()) if (c.rec.name === name) return c.id;
    return undefined;
  }

  forget(id: string): void {
    this.containers.delete(id);
  }

  /** Once the service runs: start the containers whose restart policy says so. */
  startWithService(): void {
    for (const c of this.containers.values()) c.autoStart();
  }

  get stopping(): boolean {
    return this.closing.signal.aborted;
  }

  /** A full ID, a unique ID prefix, or a name with or without `/`. */
  resolve(ref: string): Container {
    if (ref === "") throw new InvalidArgumentError("No container name or ID given");
    const byId = this.containers.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^\//, "");
    for (const c of this.containers.values()) if (c.rec.name === name) return c;
    const matches = [...this.containers.values()].filter((c) => c.id.startsWith(ref));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new InvalidArgumentError(`multiple IDs found with provided prefix: ${ref}`);
    throw new NotFoundError(`No such container: ${ref}`);
  }

  // ---- requests ------------------------------------------------------------------------------

  private async onSpawn(m: Message): Promise<void> {
    if (this.closing.signal.aborted) throw new ConflictError("exec: the service is stopping");
    const config = parseJSON<ContainerConfig>(m.args[0], "Spawn");
    const requested = m.args[1] ?? "";
    const name = requested === "" ? randomName((n) => this.nameOwner(n) !== undefined) : checkName(requested);
    const owner = this.nameOwner(name);
    if (owner !== undefined) {
      throw new ConflictError(
        `Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    const argv = commandOf(config.Entrypoint, config.Cmd);
    if (argv.length === 0) throw new InvalidArgumentError("No command specified");
    const hostConfig = { ...(config.HostConfig ?? {}) };
    checkLimits({ memory: Number(hostConfig.Memory ?? 0), nanoCpus: Number(hostConfig.NanoCpus ?? 0) });
    checkRestartPolicy(hostConfig.RestartPolicy, hostConfig.AutoRemove === true);
    logRotationOf(hostConfig.LogConfig);
    const warnings = warningsFor(hostConfig);
    const { HostConfig: _omit, ...rest } = config;
    const rec: ContainerRecord = {
      id: newId(),
      name,
      created: rfc3339Nano(nowNanos()),
      path: argv[0]!,
      args: argv.slice(1),
      config: rest,
      hostConfig,
      state: {
        Status: "created",
        Running: false,
        Paused: false,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        Pid: 0,
        ExitCode: 0,
        Error: "",
        StartedAt: ZERO_TIME,
        FinishedAt: ZERO_TIME,
      },
      restartCount: 0,
      leaderPid: 0,
      isolated: this.isolate,
    };
    this.dir.save(rec);
    const c = new Container(rec, this);
    this.containers.set(rec.id, c);
    c.emitEvent("create");
    await ack(m, [rec.id, ...warnings], c.object);
  }

  private async onGet(m: Message): Promise<void> {
    const what = m.args[0] ?? RootGets.info;
    let value: unknown;
    switch (what) {
      case "":
      case RootGets.info:
        value = this.info();
        break;
      case RootGets.version:
        value = versionOf();
        break;
      case RootGets.containers:
        value = listContainers(
          [...this.containers.values()].map((c) => c.inspect()),
          parseJSON<ListOptions>(m.args[1], "Get containers"),
        );
        break;
      case RootGets.images:
        value = [];
        break;
      case RootGets.image:
        throw new NotFoundError(`No such image: ${m.args[1] ?? ""}`);
      case RootGets.df:
        value = {
          LayersSize: 0,
          Images: [],
          Containers: listContainers(
            [...this.containers.values()].map((c) => c.inspect()),
            { all: true },
          ),
          Volumes: [],
          BuildCache: [],
        };
        break;
      default:
        throw new InvalidArgumentError(`unknown Get on the exec root: ${what}`);
    }
    await reply(m, Verbs.Set, [JSON.stringify(value)]);
  }

  info(): Record<string, unknown> {
    const all = [...this.containers.values()];
    return infoOf({
      daemonId: this.daemonId,
      isolate: this.isolate,
      root: this.options.root,
      total: all.length,
      running: all.filter((c) => c.running && !c.rec.state.Paused).length,
      paused: all.filter((c) => c.rec.state.Paused).length,
    });
  }

  /** Stop every container (so that no process outlives swarmd), end the watchers, release the lock. */
  async shutdown(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    await Promise.all([...this.containers.values()].map((c) => c.shutdown(shutdownGraceSeconds)));
    // Cgroups of processes that were still dying are removed a moment later: wait for that.
    await cgroupRemovals();
    this.root.close();
    this.unlock();
  }
}
