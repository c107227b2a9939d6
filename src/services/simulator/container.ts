import { ConflictError, InvalidArgumentError, NotModifiedError } from "../../core/errors.ts";
import { unaddressedEndpoint } from "../../docker/endpoint.ts";
import { checkName } from "../../docker/names.ts";
import { nowNanos, rfc3339Nano, ZERO_TIME } from "../../docker/time.ts";
import type { Attacher } from "./attacher.ts";
import { type Json, networkId, networkName } from "./config.ts";
import { type EngineContext, untilAborted } from "./context.ts";
import type { Exec } from "./exec.ts";
import type { SimImage } from "./images.ts";
import { LogBuffer } from "./logbuffer.ts";
import { type OutStream, SimProcess } from "./process.ts";
import { parseSignal, SIGINT, SIGKILL, SIGTERM } from "./signals.ts";
import { StdinQueue } from "./stdin.ts";
import { LineDiscipline } from "./tty.ts";

/**
 * A simulated container and its state machine:
 *
 *   created ──Start──▶ running ──(process exits / Stop / Kill)──▶ exited ──Start──▶ running …
 *                        │  ▲
 *                  Pause ▼  │ Unpause
 *                       paused
 *   any state ──Remove──▶ removing ──▶ (gone)      (running/paused only with force)
 *
 * Each run has one simulated process; its output goes to the log buffer and to attached readers.
 */

export type ContainerStatus = "created" | "running" | "paused" | "exited" | "removing";
export type WaitCondition = "not-running" | "next-exit" | "removed";

interface Run {
  process: SimProcess;
  /** Settles once the exit has been fully processed (state, events, waiters). */
  done: Promise<void>;
  finish: () => void;
}

interface Waiter {
  condition: WaitCondition;
  resolve: (code: number) => void;
}

/** Container STIME for `top`: HH:MM in UTC. */
function stime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

export class Container {
  status: ContainerStatus = "created";
  pid = 0;
  exitCode = 0;
  startedNs: bigint | undefined;
  finishedNs: bigint | undefined;
  readonly createdNs = nowNanos();
  readonly logs: LogBuffer;
  readonly execs = new Map<string, Exec>();
  private run: Run | undefined;
  private stdin = new StdinQueue();
  private readonly attachers = new Set<Attacher>();
  private readonly waiters = new Set<Waiter>();
  private shimPid = 0;
  /** Values an inspect shows that never change, computed once (listing 10,000 containers inspects them all). */
  private readonly ids: { network: string; endpoint: string; sandbox: string; created: string };

  constructor(
    readonly id: string,
    public name: string,
    readonly config: Json,
    readonly hostConfig: Json,
    readonly image: SimImage,
    readonly argv: readonly string[],
    private readonly ctx: EngineContext,
  ) {
    this.logs = new LogBuffer(ctx.logCap);
    const net = networkName(hostConfig);
    this.ids = {
      network: networkId(net),
      endpoint: networkId(`${net}:${id}`),
      sandbox: networkId(`sandbox:${id}`),
      created: rfc3339Nano(this.createdNs),
    };
  }

  get running(): boolean {
    return this.status === "running" || this.status === "paused";
  }

  /** A state change: log followers wait on the log's notifier only, so wake them through it too. */
  private notifyChange(): void {
    this.logs.changed.notify();
  }

  get tty(): boolean {
    return this.config.Tty === true;
  }

  get process(): SimProcess | undefined {
    return this.run?.process;
  }

  /** Emit a container event with the engine's attributes (image, name, labels + extra). */
  event(action: string, extra: Record<string, string> = {}): void {
    const labels = (this.config.Labels as Record<string, string> | null) ?? {};
    this.ctx.emit({
      type: "container",
      action,
      actorId: this.id,
      from: String(this.config.Image),
      attributes: { ...labels, image: String(this.config.Image), name: this.name, ...extra },
    });
  }

  private networkEvent(action: "connect" | "disconnect"): void {
    const net = networkName(this.hostConfig);
    if (net.startsWith("container:") || net === "host") return;
    this.ctx.emit({
      type: "network",
      action,
      actorId: this.ids.network,
      attributes: {
        container: this.id,
        name: net,
        type: net === "none" ? "null" : net === "bridge" ? "bridge" : net,
      },
    });
  }

  private notRunning(): ConflictError {
    return new ConflictError(`Container ${this.id} is not running`);
  }

  // --- lifecycle ---

  start(): void {
    if (this.status === "running") throw new NotModifiedError("container already started");
    if (this.status === "paused")
      throw new ConflictError("cannot start a paused container, try unpause instead");
    if (this.status === "removing")
      throw new ConflictError("container is marked for removal and cannot be started");
    this.shimPid = this.ctx.nextPid();
    this.pid = this.ctx.nextPid();
    this.startedNs = nowNanos();
    this.exitCode = 0;
    this.status = "running";
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const stdin = this.config.OpenStdin === true ? this.stdin : undefined;
    const process = new SimProcess(
      this.pid,
      this.argv,
      {
        write: (stream, data) => this.output(stream, data),
        stdin,
        env: (this.config.Env as string[]) ?? [],
        hostname: String(this.config.Hostname),
        tty: this.tty,
        cwd: String(this.config.WorkingDir ?? ""),
        user: String(this.config.User ?? ""),
      },
      () => this.ctx.nextPid(),
    );
    const run: Run = { process, done, finish };
    this.run = run;
    this.networkEvent("connect");
    this.event("start");
    this.notifyChange();
    void process.exited.then((code) => this.exited(run, code));
    process.start();
  }

  /** Output of the main process: to the log, then to every attached reader (which may slow it down). */
  private async output(stream: OutStream, data: string): Promise<void> {
    let s = stream;
    let d = data;
    if (this.tty) {
      s = "stdout";
      d = d.replace(/(?<!\r)\n/g, "\r\n");
    }
    this.logs.append(s, d);
    for (const a of [...this.attachers]) {
      if (!(await a.push(s, d))) this.attachers.delete(a);
    }
  }

  private exited(run: Run, code: number): void {
    if (this.run !== run) return;
    this.run = undefined;
    this.pid = 0;
    this.exitCode = code;
    this.finishedNs = nowNanos();
    if (this.status !== "removing") this.status = "exited";
    for (const exec of this.execs.values()) exec.kill();
    for (const a of this.attachers) a.end();
    this.attachers.clear();
    this.stdin.end();
    this.stdin = new StdinQueue();
    if (!this.ctx.signal.aborted) {
      this.event("die", { exitCode: String(code) });
      this.networkEvent("disconnect");
    }
    this.settleWaiters(["not-running", "next-exit"]);
    this.notifyChange();
    run.finish();
    if (this.hostConfig.AutoRemove === true && this.status !== "removing" && !this.ctx.signal.aborted) {
      this.destroy();
    }
  }

  /** Deliver a signal; resolves once the process has died of it (or at once when it survives). */
  async signal(signo: number): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.event("kill", { signal: String(signo) });
    if (run.process.signal(signo)) await run.done;
  }

  async kill(signal: string | undefined, ref: string): Promise<void> {
    const signo = signal ? parseSignal(signal) : SIGKILL;
    if (!this.running)
      throw new ConflictError(`Cannot kill container: ${ref}: Container ${this.id} is not running`);
    await this.signal(signo);
  }

  /**
   * Stop: the stop signal (StopSignal or SIGTERM), then after `timeout` seconds SIGKILL. A negative
   * timeout waits forever. Resolves when the container is down.
   */
  async stop(timeoutArg: string | undefined, signalArg: string | undefined): Promise<void> {
    const run = this.run;
    if (!run) throw new NotModifiedError("container already stopped");
    const signo = parseSignal(signalArg || (this.config.StopSignal as string | undefined) || String(SIGTERM));
    const timeout = timeoutArg !== undefined && timeoutArg !== "" ? Number(timeoutArg) : this.stopTimeout();
    if (!Number.isFinite(timeout)) throw new InvalidArgumentError(`invalid timeout: ${timeoutArg}`);
    await this.signal(signo);
    if (this.run === run) {
      let timer: NodeJS.Timeout | undefined;
      const expired = await untilAborted(
        this.ctx.signal,
        Promise.race([
          run.done.then(() => false),
          timeout < 0
            ? new Promise<boolean>(() => {})
            : new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeout * 1000))),
        ]),
        false,
      );
      clearTimeout(timer);
      if (expired && this.run === run) await this.signal(SIGKILL);
    }
    if (!this.ctx.signal.aborted) this.event("stop");
  }

  private stopTimeout(): number {
    return typeof this.config.StopTimeout === "number" ? this.config.StopTimeout : 10;
  }

  async restart(timeout: string | undefined, signal: string | undefined): Promise<void> {
    if (this.run) await this.stop(timeout, signal);
    this.start();
    this.event("restart");
  }

  pause(): void {
    if (this.status === "paused") throw new ConflictError(`Container ${this.id} is already paused`);
    if (this.status !== "running" || !this.run) throw this.notRunning();
    this.run.process.pause();
    for (const e of this.execs.values()) e.process?.pause();
    this.status = "paused";
    this.event("pause");
    this.notifyChange();
  }

  unpause(): void {
    if (this.status !== "paused" || !this.run) throw new ConflictError(`Container ${this.id} is not paused`);
    this.status = "running";
    this.run.process.resume();
    for (const e of this.execs.values()) e.process?.resume();
    this.event("unpause");
    this.notifyChange();
  }

  rename(newNameArg: string): void {
    if (!newNameArg) throw new InvalidArgumentError("Neither old nor new names may be empty");
    const newName = checkName(newNameArg);
    if (newName === this.name)
      throw new InvalidArgumentError("Renaming a container with the same name as its current name");
    const holder = this.ctx.nameHolder(newName);
    if (holder !== undefined && holder !== this.id) {
      throw new ConflictError(
        `Error when allocating new name: Conflict. The container name "/${newName}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    const old = this.name;
    this.name = newName;
    this.ctx.renamed(this.id, old, newName);
    this.event("rename", { oldName: `/${old}` });
  }

  async remove(force: boolean, ref: string): Promise<void> {
    if (this.status === "removing")
      throw new ConflictError(`removal of container ${ref} is already in progress`);
    if (this.running) {
      if (!force) {
        throw new ConflictError(
          this.status === "paused"
            ? `You cannot remove a paused container ${this.id}. Unpause and then stop the container before attempting removal or force remove`
            : `You cannot remove a running container ${this.id}. Stop the container before attempting removal or force remove`,
        );
      }
      await this.signal(SIGKILL);
      // An AutoRemove container may have been removed by its own exit meanwhile.
      if ((this.status as ContainerStatus) === "removing") return;
    }
    this.destroy();
  }

  /** Remove now: `destroy` event, out of the indexes, every reader and waiter settled. */
  private destroy(): void {
    this.status = "removing";
    for (const a of this.attachers) a.end();
    this.attachers.clear();
    this.stdin.end();
    for (const e of this.execs.values()) e.kill();
    this.event("destroy");
    this.ctx.removed(this.id);
    this.settleWaiters(["not-running", "next-exit", "removed"]);
    this.notifyChange();
  }

  get isRemoved(): boolean {
    return this.status === "removing";
  }

  /** Kill without events: the simulator is stopping. */
  shutdown(): void {
    this.run?.process.signal(SIGKILL);
    for (const e of this.execs.values()) e.kill();
    for (const a of this.attachers) a.stop();
    this.attachers.clear();
  }

  // --- waiting ---

  /**
   * Register a wait. The returned promise gives the exit code when the condition holds. `not-running`
   * holds at once for a container that is not running.
   */
  wait(condition: WaitCondition): Promise<number> {
    if (this.status === "removing") return Promise.resolve(this.exitCode);
    if (condition === "not-running" && !this.running) return Promise.resolve(this.exitCode);
    return new Promise((resolve) => {
      const w: Waiter = {
        condition,
        resolve: (code) => {
          this.waiters.delete(w);
          resolve(code);
        },
      };
      this.waiters.add(w);
    });
  }

  private settleWaiters(conditions: WaitCondition[]): void {
    for (const w of [...this.waiters]) if (conditions.includes(w.condition)) w.resolve(this.exitCode);
  }

  // --- I/O ---

  /** Add a reader of live output for the current run (or the next one, when not running). */
  addAttacher(a: Attacher): void {
    if (this.status === "removing") {
      a.stop();
      return;
    }
    this.attachers.add(a);
    this.event("attach");
  }

  removeAttacher(a: Attacher): void {
    this.attachers.delete(a);
  }

  /**
   * The stdin side of one attachment, bound to the run it attaches to (the current one, or the next
   * when not running): input arriving after that run ended is dropped, and its EOF does not close
   * the next run's stdin. On a TTY, input goes through a line discipline.
   */
  stdinPort(): { write(chunk: string): Promise<void>; close(): void } {
    const open = this.config.OpenStdin === true;
    const queue = this.stdin;
    const terminal =
      open && this.tty
        ? new LineDiscipline({
            echo: async (data) => {
              if (this.run) await this.output("stdout", data);
            },
            deliver: (data) => queue.write(data),
            eof: () => queue.end(),
            interrupt: () => void this.run?.process.signal(SIGINT),
          })
        : undefined;
    return {
      write: async (chunk) => {
        if (!open || this.status === "removing") return;
        if (terminal) await terminal.input(chunk);
        else await queue.write(chunk);
      },
      // EOF for the process when the container has StdinOnce (docker run -i sets it).
      close: () => {
        if (!open || this.config.StdinOnce !== true) return;
        if (terminal) void terminal.close();
        else queue.end();
      },
    };
  }

  resize(height: string | undefined, width: string | undefined): void {
    if (!this.running) throw this.notRunning();
    this.event("resize", { height: String(Number(height) || 0), width: String(Number(width) || 0) });
  }

  // --- views ---

  top(): { Titles: string[]; Processes: string[][] } {
    const run = this.run;
    if (!run) throw this.notRunning();
    this.event("top");
    const tty = this.tty ? "pts/0" : "?";
    const rows: string[][] = [];
    const proc = run.process;
    rows.push([
      "root",
      String(proc.pid),
      String(this.shimPid),
      "0",
      stime(proc.startedMs),
      tty,
      "00:00:00",
      proc.argv.join(" "),
    ]);
    const children = (p: SimProcess) =>
      [...p.children.values()].map((c) => [
        "root",
        String(c.pid),
        String(c.ppid),
        "0",
        stime(c.startedMs),
        tty,
        "00:00:00",
        c.cmd,
      ]);
    rows.push(...children(proc));
    for (const e of this.execs.values()) {
      const p = e.process;
      if (!p?.running) continue;
      rows.push([
        "root",
        String(p.pid),
        String(this.shimPid),
        "0",
        stime(p.startedMs),
        e.tty ? "pts/1" : "?",
        "00:00:00",
        p.argv.join(" "),
      ]);
      rows.push(...children(p));
    }
    return { Titles: ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], Processes: rows };
  }

  inspect(): Json {
    const net = networkName(this.hostConfig);
    const dir = `/var/lib/docker/containers/${this.id}`;
    const endpoint = unaddressedEndpoint(this.ids.network, this.running ? this.ids.endpoint : "");
    const started = this.startedNs;
    return {
      Id: this.id,
      Created: this.ids.created,
      Path: this.argv[0],
      Args: this.argv.slice(1),
      State: {
        Status: this.status,
        Running: this.running,
        Paused: this.status === "paused",
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        Pid: this.pid,
        ExitCode: this.exitCode,
        Error: "",
        StartedAt: started === undefined ? ZERO_TIME : rfc3339Nano(started),
        FinishedAt: this.finishedNs === undefined ? ZERO_TIME : rfc3339Nano(this.finishedNs),
      },
      Image: this.image.id,
      ResolvConfPath: `${dir}/resolv.conf`,
      HostnamePath: `${dir}/hostname`,
      HostsPath: `${dir}/hosts`,
      LogPath: `${dir}/${this.id}-json.log`,
      Name: `/${this.name}`,
      RestartCount: 0,
      Driver: "vfs",
      Platform: "linux",
      MountLabel: "",
      ProcessLabel: "",
      AppArmorProfile: "",
      ExecIDs: this.execs.size > 0 ? [...this.execs.keys()] : null,
      HostConfig: this.hostConfig,
      GraphDriver: { Data: null, Name: "vfs" },
      Mounts: [],
      Config: this.config,
      NetworkSettings: {
        Bridge: "",
        SandboxID: this.running ? this.ids.sandbox : "",
        HairpinMode: false,
        LinkLocalIPv6Address: "",
        LinkLocalIPv6PrefixLen: 0,
        Ports: {},
        SandboxKey: this.running ? `/var/run/docker/netns/${this.ids.sandbox.slice(0, 12)}` : "",
        SecondaryIPAddresses: null,
        SecondaryIPv6Addresses: null,
        EndpointID: "",
        Gateway: "",
        GlobalIPv6Address: "",
        GlobalIPv6PrefixLen: 0,
        IPAddress: "",
        IPPrefixLen: 0,
        IPv6Gateway: "",
        MacAddress: "",
        Networks: net.startsWith("container:") || net === "host" ? {} : { [net]: endpoint },
      },
    };
  }
}
