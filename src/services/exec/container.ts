import { statSync } from "node:fs";
import { ConflictError, InvalidArgumentError, NotFoundError, NotModifiedError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import type { Message } from "../../core/message.ts";
import { ack, reply, Server } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { shortId } from "../../docker/ids.ts";
import { checkName } from "../../docker/names.ts";
import type { ContainerInspect } from "../../docker/summary.ts";
import { nowNanos, rfc3339Nano, ZERO_TIME } from "../../docker/time.ts";
import { ContainerGets, DockerVerbs, type WaitResult } from "../../docker/verbs.ts";
import { adopt } from "./adopt.ts";
import { OutputBus } from "./bus.ts";
import { type CgroupHandle, cgroupPids, createCgroup, trackingCgroup } from "./cgroups.ts";
import type { EventLog } from "./events.ts";
import { ExecInstance, parseExecConfig } from "./exec-instance.ts";
import { inspectOf } from "./inspect.ts";
import { parseJSON } from "./json-arg.ts";
import type { LaunchSpec } from "./launch.ts";
import { LogFile, type LogRotation, logRotationOf, logTime } from "./logfile.ts";
import { defaultPath, lookPath, resolveUser } from "./lookup.ts";
import { isSameProcess, processTree, signalPid, stateOf } from "./proctree.ts";
import { nextDelay, shouldRestart, startsWithService } from "./restart-policy.ts";
import { parseSignal, signalNumber } from "./signals.ts";
import type { ContainerRecord, StateDir } from "./state.ts";
import { serveAttach, serveLogs } from "./streams.ts";
import { type ExitInfo, launch, type OutputStream, type Supervised } from "./supervisor.ts";
import { top } from "./top.ts";

/** What a container needs from the service that holds it. */
export interface ContainerHost {
  dir: StateDir;
  events: EventLog;
  isolate: boolean;
  log: Logger;
  /** The ID of the container holding `name`, if any. */
  nameOwner(name: string): string | undefined;
  /** Forget a removed container. */
  forget(id: string): void;
  /** swarmd is stopping: no restart by policy now. */
  readonly stopping: boolean;
}

/** Prefix of every start failure, as the engine words it (the docker CLI derives 126/127 from the rest). */
const startFailure = "failed to create task for container";

/** The record's log rotation (checked at create; a record edited by hand falls back to none). */
function rotationOf(rec: ContainerRecord): LogRotation {
  try {
    return logRotationOf(rec.hostConfig.LogConfig);
  } catch {
    return { maxSize: 0, maxFiles: 1 };
  }
}

/** How many execs a container remembers. */
const maxExecs = 100;

/** Stdin written before the process starts (the CLI attaches and writes before it calls start). */
const maxPendingStdin = 1 << 20;

/**
 * One container of the exec service: a record on disk, a log file, and while it runs a supervised
 * process. `object` is the Sender handed to callers (docs/PROTOCOL.md §6.2).
 */
export class Container {
  readonly object: Server;
  readonly bus = new OutputBus();
  readonly logFile: LogFile;
  readonly execs = new Map<string, ExecInstance>();
  private proc: Supervised | undefined;
  private cgroup: CgroupHandle | undefined;
  /** Settles when the current run's exit has been fully recorded. */
  private runEnded: Promise<void> = Promise.resolve();
  private pendingStdin: Buffer[] = [];
  private pendingStdinBytes = 0;
  private pendingEof = false;
  /** `Wait` callers: `next-exit` ones are answered at every exit, `not-running` ones when it stays down. */
  private exitWaiters: { nextExit: boolean; resolve: (r: WaitResult) => void }[] = [];
  private removeWaiters: ((r: WaitResult) => void)[] = [];
  private stopReason = "";
  private removed = false;
  private restarting = false;
  /** A restart by the restart policy, waiting for its back-off delay. */
  private restartTimer: NodeJS.Timeout | undefined;
  private restartDelay = 0;
  private startedAtMs = 0;
  private logFailed = false;
  private lifecycle: Promise<unknown> = Promise.resolve();

  constructor(
    readonly rec: ContainerRecord,
    private readonly host: ContainerHost,
  ) {
    this.logFile = new LogFile(host.dir.logPath(rec.id), rotationOf(rec));
    this.object = new Server()
      .on(Verbs.Get, (m) => this.onGet(m))
      .on(Verbs.Start, async (m) => {
        await this.serial(() => this.userStart());
        await ack(m);
      })
      .on(Verbs.Stop, async (m) => {
        await this.serial(() => this.stop(m.args[0] ?? "", m.args[1] ?? ""));
        await ack(m);
      })
      .on(DockerVerbs.Kill, async (m) => {
        await this.kill(m.args[0] ?? "");
        await ack(m);
      })
      .on(DockerVerbs.Restart, async (m) => {
        await this.serial(() => this.restart(m.args[0] ?? "", m.args[1] ?? ""));
        await ack(m);
      })
      .on(DockerVerbs.Pause, async (m) => {
        await this.pause();
        await ack(m);
      })
      .on(DockerVerbs.Unpause, async (m) => {
        this.unpause();
        await ack(m);
      })
      .on(DockerVerbs.Rename, async (m) => {
        this.rename(m.args[0] ?? "");
        await ack(m);
      })
      .on(DockerVerbs.Remove, async (m) => {
        await this.remove(parseJSON<{ force?: boolean }>(m.args[0], "Remove"));
        await ack(m);
      })
      .on(DockerVerbs.Wait, (m) => this.onWait(m))
      .on(DockerVerbs.Logs, (m) => serveLogs(this, m))
      .on(Verbs.Attach, (m) => serveAttach(this, m))
      .on(DockerVerbs.Resize, async (m) => {
        this.resize(Number(m.args[0]), Number(m.args[1]));
        await ack(m);
      })
      .on(DockerVerbs.Exec, (m) => this.onExec(m));
  }

  get id(): string {
    return this.rec.id;
  }

  /** Start, stop and restart one at a time: two concurrent starts must not make two processes. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lifecycle.then(fn, fn);
    this.lifecycle = run.catch(() => {});
    return run;
  }

  get running(): boolean {
    return this.rec.state.Running;
  }

  get tty(): boolean {
    return this.rec.config.Tty === true;
  }

  inspect(): ContainerInspect {
    return inspectOf(this.rec, this.logFile.path, [...this.execs.keys()]);
  }

  /** Persist the record. A failing disk is logged, not thrown: the process must still be supervised. */
  private save(): void {
    if (this.removed) return;
    try {
      this.host.dir.save(this.rec);
    } catch (err) {
      this.host.log.error({ id: this.id, err: String(err) }, "exec: cannot save the container's state");
    }
  }

  /** Keep a chunk of output on disk; if the disk fails, the live readers still get it. */
  private keep(stream: OutputStream, chunk: Buffer, time: string): void {
    try {
      this.logFile.append(stream, chunk, time);
      this.logFailed = false;
    } catch (err) {
      if (!this.logFailed)
        this.host.log.error({ id: this.id, err: String(err) }, "exec: cannot write the log");
      this.logFailed = true;
    }
  }

  private emit(action: string, extra: Record<string, string> = {}): void {
    const attrs: Record<string, string> = { ...(this.rec.config.Labels ?? {}) };
    attrs.image = this.rec.config.Image ?? "";
    attrs.name = this.rec.name;
    this.host.events.emit(action, this.id, { ...attrs, ...extra });
  }

  private notRunning(): ConflictError {
    return new ConflictError(`Container ${this.id} is not running`);
  }

  // ---- the environment a process gets ------------------------------------------------------

  /** The container's environment: a clean one, as in a container, not swarmd's own. */
  envFor(extra: readonly string[] | null | undefined, home: string | undefined): Record<string, string> {
    const env: Record<string, string> = {
      PATH: defaultPath,
      HOSTNAME: this.rec.config.Hostname || shortId(this.id),
    };
    if (this.tty) env.TERM = "xterm";
    for (const kv of [...(this.rec.config.Env ?? []), ...(extra ?? [])]) {
      const eq = kv.indexOf("=");
      // A bare `NAME` was for the client to fill in (the docker CLI does); swarmd's own value is never used.
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    env.HOME ??= home ?? (process.getuid?.() === 0 ? "/root" : (process.env.HOME ?? "/"));
    return env;
  }

  /** Check the working directory and the program; errors are worded as the engine's start errors. */
  prepare(argv: string[], user: string, workingDir: string, extraEnv: readonly string[] | null | undefined) {
    const cwd = workingDir || "/";
    let isDir = false;
    try {
      isDir = statSync(cwd).isDirectory();
    } catch {
      // handled below
    }
    if (!isDir) throw new InvalidArgumentError(`chdir to cwd ("${cwd}") failed: no such file or directory`);
    const resolvedUser = resolveUser(user);
    const env = this.envFor(extraEnv, resolvedUser?.home);
    // Checked here for the engine's error; the name itself is passed on, so the process sees its
    // argv[0] as given (`sleep`, not `/usr/bin/sleep`) and exec finds it on the same PATH.
    lookPath(argv[0] ?? "", env.PATH ?? defaultPath, cwd);
    return { cwd, env, user: resolvedUser, argv: [...argv] };
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.removed) throw new NotFoundError(`No such container: ${this.id}`);
    if (this.rec.state.Paused)
      throw new ConflictError("cannot start a paused container, try unpause instead");
    if (this.running && !this.rec.state.Restarting) throw new NotModifiedError("container already started");
    await this.runEnded;
    const hc = this.rec.hostConfig;
    let spec: LaunchSpec;
    try {
      const p = this.prepare(
        [this.rec.path, ...this.rec.args],
        this.rec.config.User ?? "",
        this.rec.config.WorkingDir ?? "",
        [],
      );
      this.cgroup =
        createCgroup(this.id, { memory: hc.Memory ?? 0, nanoCpus: hc.NanoCpus ?? 0 }) ??
        trackingCgroup(this.id);
      const [rows, cols] = hc.ConsoleSize ?? [0, 0];
      spec = {
        ...p,
        tty: this.tty,
        rows,
        cols,
        openStdin: this.rec.config.OpenStdin === true,
        cgroup: this.cgroup,
        ...(this.host.isolate && {
          isolate: {
            hostname: this.rec.config.Hostname || shortId(this.id),
            network: hc.NetworkMode === "none",
          },
        }),
      };
    } catch (err) {
      this.failStart(err);
    }
    let endRun!: () => void;
    this.runEnded = new Promise((r) => {
      endRun = r;
    });
    this.stopReason = "";
    // A quick process can exit before its start is recorded: its exit waits for this gate.
    let openGate!: () => void;
    const gate = new Promise<void>((r) => {
      openGate = r;
    });
    try {
      this.proc = await launch(spec, {
        output: (stream, chunk) => {
          const time = logTime(nowNanos());
          this.keep(stream, chunk, time);
          return this.bus.publish(stream, chunk, time);
        },
        exit: (info) => void gate.then(() => this.recordExit(info, endRun)),
      });
    } catch (err) {
      endRun();
      this.failStart(err);
    }
    this.bus.setDrainHandler(() => this.proc?.resume());
    const s = this.rec.state;
    Object.assign(s, {
      Status: "running",
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: this.proc.pid,
      ExitCode: 0,
      Error: "",
      StartedAt: rfc3339Nano(nowNanos()),
      FinishedAt: ZERO_TIME,
    });
    this.rec.leaderPid = this.proc.leader;
    this.rec.isolated = this.host.isolate;
    this.startedAtMs = Date.now();
    if (this.proc.startTime !== undefined) this.rec.startTime = this.proc.startTime;
    this.save();
    this.emit("start");
    for (const chunk of this.pendingStdin) void this.proc.write(chunk);
    if (this.pendingEof) this.proc.endInput();
    this.pendingStdin = [];
    this.pendingStdinBytes = 0;
    this.pendingEof = false;
    openGate();
  }

  /** `docker start`: a user's start, which also ends a restart back-off and re-arms the policy. */
  private async userStart(): Promise<void> {
    this.cancelRestart();
    this.rec.manuallyStopped = false;
    this.restartDelay = 0;
    await this.start();
  }

  /** Start again after an exit, as the restart policy says, once the back-off delay has passed. */
  private async restartByPolicy(): Promise<void> {
    this.restartTimer = undefined;
    if (!this.rec.state.Restarting || this.removed || this.host.stopping) return;
    // It stays "restarting" (running, for `Wait not-running`) until the new process runs.
    this.rec.restartCount++;
    try {
      await this.start();
    } catch (err) {
      this.host.log.warn({ id: this.id, err: String(err) }, "exec: restart by policy failed");
      this.cancelRestart();
    }
  }

  /** Start it with the service if its policy says so (`always`, or `unless-stopped` not stopped by a user). */
  autoStart(): void {
    if (
      this.running ||
      !startsWithService(this.rec.hostConfig.RestartPolicy, this.rec.manuallyStopped === true)
    ) {
      return;
    }
    void this.serial(() => this.start()).catch((err) =>
      this.host.log.warn({ id: this.id, err: String(err) }, "exec: start by restart policy failed"),
    );
  }

  /** Drop a pending restart; true when there was one (the container is now simply exited). */
  private cancelRestart(): boolean {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    if (!this.rec.state.Restarting) return false;
    Object.assign(this.rec.state, { Status: "exited", Running: false, Restarting: false });
    this.save();
    // `not-running` waiters were kept while it was to come back; it will not.
    const result: WaitResult = { StatusCode: this.rec.state.ExitCode, Error: null };
    for (const w of this.exitWaiters.splice(0)) w.resolve(result);
    return true;
  }

  /** Signal every process of the container: its process tree, and whatever else is in its cgroup. */
  private signalEverything(sig: NodeJS.Signals): void {
    this.proc?.signalAll(sig);
    if (this.cgroup) for (const p of cgroupPids(this.cgroup)) signalPid(p, sig);
  }

  private isRestarting(): ConflictError {
    return new ConflictError(`Container ${this.id} is restarting, wait until the container is running`);
  }

  /** Record a start that failed (the engine keeps the error and the exit code), then throw it. */
  private failStart(err: unknown): never {
    this.cgroup?.remove();
    this.cgroup = undefined;
    const message = err instanceof Error ? err.message : String(err);
    this.rec.state.Error = `${startFailure}: ${message}: unknown`;
    this.rec.state.ExitCode = /not found|no such file/.test(message)
      ? 127
      : /permission denied/.test(message)
        ? 126
        : 128;
    this.save();
    // Attached readers are waiting for a run that will not happen.
    this.bus.end();
    const wrapped =
      err instanceof InvalidArgumentError && !message.startsWith("exec: cannot apply")
        ? new InvalidArgumentError(this.rec.state.Error)
        : err;
    if (this.rec.hostConfig.AutoRemove) void this.remove({ force: true }).catch(() => {});
    throw wrapped;
  }

  /** Bring back a container that was running when swarmd last stopped. */
  recover(): void {
    const s = this.rec.state;
    if (s.Restarting) {
      // It was waiting for its back-off when swarmd stopped: it is down, with its last exit code.
      Object.assign(s, { Status: "exited", Running: false, Restarting: false });
      this.save();
      return;
    }
    if (!s.Running) return;
    if (s.Pid > 0 && isSameProcess(s.Pid, this.rec.startTime)) {
      let endRun!: () => void;
      this.runEnded = new Promise((r) => {
        endRun = r;
      });
      this.proc = adopt(this.rec, (info) => void this.recordExit(info, endRun));
      // Its cgroup is still there: take it back, so execs join it and it is removed at the exit.
      const hc = this.rec.hostConfig;
      try {
        this.cgroup =
          createCgroup(this.id, { memory: hc.Memory ?? 0, nanoCpus: hc.NanoCpus ?? 0 }) ??
          trackingCgroup(this.id);
      } catch {
        this.cgroup = undefined;
      }
      this.host.log.info({ id: this.id, pid: s.Pid }, "exec: found a running container again");
      return;
    }
    Object.assign(s, {
      Status: "exited",
      Running: false,
      Paused: false,
      Pid: 0,
      ExitCode: 255,
      Error:
        "the process was gone when swarmd restarted: it was not stopped by swarmd, and its exit status is unknown",
      FinishedAt: rfc3339Nano(nowNanos()),
    });
    this.save();
  }

  /** Record an exit; whatever goes wrong there is logged, and the run ends either way. */
  private async recordExit(info: ExitInfo, endRun: () => void): Promise<void> {
    try {
      await this.exited(info);
    } catch (err) {
      this.host.log.error({ id: this.id, err: String(err) }, "exec: recording an exit failed");
    } finally {
      endRun();
    }
  }

  private async exited(info: ExitInfo): Promise<void> {
    const oom = this.cgroup?.oomKilled() ?? false;
    for (const e of this.execs.values()) e.killAll();
    // Whatever of the container still runs (a daemon that left the process group) goes with it.
    if (this.cgroup) for (const p of cgroupPids(this.cgroup)) signalPid(p, "SIGKILL");
    this.cgroup?.remove();
    this.cgroup = undefined;
    this.proc = undefined;
    this.logFile.close();
    this.bus.setDrainHandler(undefined);
    this.bus.end();
    const exitCode = oom && info.exitCode === 1 && this.rec.isolated ? 137 : info.exitCode;
    const policy = this.rec.hostConfig.RestartPolicy;
    const again =
      !this.removed &&
      !this.restarting &&
      !this.host.stopping &&
      shouldRestart(policy, exitCode, this.rec.restartCount, this.rec.manuallyStopped === true);
    Object.assign(this.rec.state, {
      Status: again ? "restarting" : "exited",
      // The engine counts a container waiting to be restarted as running.
      Running: again,
      Paused: false,
      Restarting: again,
      OOMKilled: oom,
      Pid: 0,
      ExitCode: exitCode,
      Error: this.stopReason,
      FinishedAt: rfc3339Nano(nowNanos()),
    });
    this.save();
    if (oom) this.emit("oom");
    this.emit("die", { exitCode: String(exitCode) });
    const result: WaitResult = {
      StatusCode: exitCode,
      Error: this.stopReason ? { Message: this.stopReason } : null,
    };
    const answered = this.exitWaiters.filter((w) => w.nextExit || !again);
    this.exitWaiters = this.exitWaiters.filter((w) => !answered.includes(w));
    for (const w of answered) w.resolve(result);
    if (again) {
      this.restartDelay = nextDelay(this.restartDelay, Date.now() - this.startedAtMs);
      this.restartTimer = setTimeout(() => void this.serial(() => this.restartByPolicy()), this.restartDelay);
      return;
    }
    // A restart stops the process without ending the container, even with AutoRemove (--rm).
    if (this.rec.hostConfig.AutoRemove && !this.removed && !this.restarting) {
      await this.remove({ force: true }).catch(() => {});
    }
  }

  /** Send the stop signal, wait `timeout` seconds, then kill everything. Resolves once it has exited. */
  async stop(timeoutArg: string, signalArg: string, reason = "", manual = reason === ""): Promise<void> {
    // Stopped by a user (not by swarmd's shutdown, nor by restart): the restart policy no longer applies.
    if (manual) this.rec.manuallyStopped = true;
    if (this.cancelRestart()) {
      this.emit("stop");
      return;
    }
    if (!this.running || !this.proc) throw new NotModifiedError("container already stopped");
    const sig = parseSignal(signalArg || this.rec.config.StopSignal || "SIGTERM");
    const timeout = timeoutArg !== "" ? Number(timeoutArg) : (this.rec.config.StopTimeout ?? 10);
    if (!Number.isFinite(timeout)) throw new InvalidArgumentError(`invalid stop timeout: ${timeoutArg}`);
    this.stopReason = reason;
    const ended = this.runEnded;
    this.emit("kill", { signal: String(signalNumber(sig)) });
    this.proc.signal(sig);
    if (this.rec.state.Paused) this.signalEverything("SIGCONT");
    if (timeout >= 0) {
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        ended.then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), timeout * 1000);
        }),
      ]);
      clearTimeout(timer);
      if (!inTime && this.proc) {
        this.emit("kill", { signal: "9" });
        this.signalEverything("SIGKILL");
      }
    }
    await ended;
    this.emit("stop");
  }

  async kill(signalArg: string): Promise<void> {
    if (this.rec.state.Restarting) throw this.isRestarting();
    if (!this.running || !this.proc) {
      throw new ConflictError(`Cannot kill container: ${this.rec.name}: Container ${this.id} is not running`);
    }
    const sig = parseSignal(signalArg || "SIGKILL");
    this.rec.manuallyStopped = true;
    this.emit("kill", { signal: String(signalNumber(sig)) });
    if (sig === "SIGKILL") {
      const ended = this.runEnded;
      this.signalEverything("SIGKILL");
      await ended;
    } else {
      this.proc.signal(sig);
    }
  }

  async restart(timeoutArg: string, signalArg: string): Promise<void> {
    this.restarting = true;
    try {
      this.cancelRestart();
      this.rec.manuallyStopped = false;
      this.restartDelay = 0;
      if (this.running) await this.stop(timeoutArg, signalArg, "", false);
      await this.start();
    } finally {
      this.restarting = false;
    }
    this.emit("restart");
  }

  async pause(): Promise<void> {
    if (this.rec.state.Restarting) throw this.isRestarting();
    if (!this.running || !this.proc) throw this.notRunning();
    if (this.rec.state.Paused) throw new ConflictError(`Container ${this.id} is already paused`);
    this.signalEverything("SIGSTOP");
    // A signal is delivered asynchronously: answer once the program really is stopped, as the
    // engine answers once its cgroup is frozen.
    const pid = this.proc.pid;
    const until = Date.now() + 1000;
    while (Date.now() < until && !["T", "t", undefined].includes(stateOf(pid))) {
      await new Promise((r) => setTimeout(r, 2));
    }
    Object.assign(this.rec.state, { Paused: true, Status: "paused" });
    this.save();
    this.emit("pause");
  }

  unpause(): void {
    if (!this.rec.state.Paused || !this.proc) throw new ConflictError(`Container ${this.id} is not paused`);
    this.signalEverything("SIGCONT");
    Object.assign(this.rec.state, { Paused: false, Status: "running" });
    this.save();
    this.emit("unpause");
  }

  rename(newNameRaw: string): void {
    if (newNameRaw === "") throw new InvalidArgumentError("Neither old nor new names may be empty");
    const newName = checkName(newNameRaw);
    if (newName === this.rec.name) {
      throw new ConflictError(`Renaming a container with the same name as its current name`);
    }
    const owner = this.host.nameOwner(newName);
    if (owner !== undefined) {
      throw new ConflictError(
        `Conflict. The container name "/${newName}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    const oldName = this.rec.name;
    this.rec.name = newName;
    this.save();
    this.emit("rename", { oldName: `/${oldName}` });
  }

  async remove(opts: { force?: boolean }): Promise<void> {
    if (this.removed) return;
    if (this.rec.state.Restarting) {
      if (!opts.force) {
        throw new ConflictError(
          `You cannot remove a restarting container ${this.id}. Stop the container before attempting removal or force remove`,
        );
      }
      this.cancelRestart();
    }
    if (this.running && !opts.force) {
      if (this.rec.state.Paused) {
        throw new ConflictError(
          `You cannot remove a paused container ${this.id}. Unpause and then stop the container before attempting removal or force remove`,
        );
      }
      throw new ConflictError(
        `You cannot remove a running container ${this.id}. Stop the container before attempting removal or force remove`,
      );
    }
    if (this.running && this.proc) {
      const ended = this.runEnded;
      this.emit("kill", { signal: "9" });
      this.signalEverything("SIGKILL");
      await ended;
      if (this.removed) return;
    }
    this.removed = true;
    // Readers waiting for a run that will never come (attached to a created container).
    this.bus.end();
    for (const e of this.execs.values()) e.killAll();
    this.logFile.close();
    this.host.dir.remove(this.id);
    this.host.forget(this.id);
    this.emit("destroy");
    const result: WaitResult = {
      StatusCode: this.rec.state.ExitCode,
      Error: this.rec.state.Error ? { Message: this.rec.state.Error } : null,
    };
    for (const w of [...this.exitWaiters.splice(0).map((x) => x.resolve), ...this.removeWaiters.splice(0)]) {
      w(result);
    }
    this.object.close();
  }

  /** swarmd is stopping: stop the process (briefly), so nothing outlives the service. */
  async shutdown(graceSeconds: number): Promise<void> {
    this.cancelRestart();
    if (this.running) {
      await this.stop(String(graceSeconds), "", "stopped because swarmd stopped").catch(() => {});
    }
    for (const e of this.execs.values()) e.killAll();
    this.logFile.close();
    // Nobody is left to start it: waits and attachments for a next run end now.
    const gone: WaitResult = { StatusCode: -1, Error: { Message: "exec: swarmd is stopping" } };
    for (const w of [...this.exitWaiters.splice(0).map((x) => x.resolve), ...this.removeWaiters.splice(0)]) {
      w(gone);
    }
    this.bus.end();
  }

  resize(height: number, width: number): void {
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
      throw new InvalidArgumentError("invalid height or width");
    }
    if (!this.running || !this.proc) throw this.notRunning();
    this.rec.hostConfig.ConsoleSize = [height, width];
    this.proc.resize(height, width);
  }

  /** Input for the process (before start it is kept, up to a limit, for the run that comes). */
  async writeStdin(chunk: Buffer): Promise<void> {
    if (this.rec.config.OpenStdin !== true) return;
    if (this.proc) await this.proc.write(chunk);
    else if (
      this.rec.state.Status === "created" &&
      this.pendingStdinBytes + chunk.length <= maxPendingStdin
    ) {
      this.pendingStdin.push(chunk);
      this.pendingStdinBytes += chunk.length;
    }
  }

  endStdin(): void {
    if (this.proc) this.proc.endInput();
    else if (this.rec.state.Status === "created") this.pendingEof = true;
  }

  /** The PIDs `top` shows: the program's tree and every exec's, not the helpers around them. */
  pids(): number[] {
    const pids = new Set<number>();
    if (this.proc) for (const p of processTree(this.proc.pid)) pids.add(p);
    if (this.cgroup)
      for (const p of cgroupPids(this.cgroup)) if (p !== this.proc?.leader || !this.rec.isolated) pids.add(p);
    for (const e of this.execs.values()) for (const p of e.pids()) pids.add(p);
    return [...pids];
  }

  /** The running process, for execs that join it. */
  get process(): Supervised | undefined {
    return this.proc;
  }

  get cgroupHandle(): CgroupHandle | undefined {
    return this.cgroup;
  }

  emitEvent(action: string, extra: Record<string, string> = {}): void {
    this.emit(action, extra);
  }

  // ---- request handlers --------------------------------------------------------------------

  private async onGet(m: Message): Promise<void> {
    const what = m.args[0] ?? "";
    if (what === "" || what === ContainerGets.inspect) {
      await reply(m, Verbs.Set, [JSON.stringify(this.inspect())]);
      return;
    }
    if (what === ContainerGets.top) {
      if (!this.running) throw this.notRunning();
      await reply(m, Verbs.Set, [JSON.stringify(await top(this.pids(), m.args[1] ?? ""))]);
      return;
    }
    throw new InvalidArgumentError(`unknown Get on a container: ${what}`);
  }

  private async onWait(m: Message): Promise<void> {
    const condition = m.args[0] || "not-running";
    if (!["not-running", "next-exit", "removed"].includes(condition)) {
      throw new InvalidArgumentError(`invalid condition: "${condition}"`);
    }
    const result = new Promise<WaitResult>((resolve) => {
      const current: WaitResult = {
        StatusCode: this.rec.state.ExitCode,
        Error: this.rec.state.Error ? { Message: this.rec.state.Error } : null,
      };
      if (condition === "not-running" && !this.running) resolve(current);
      else if (condition === "removed") this.removeWaiters.push(resolve);
      else this.exitWaiters.push({ nextExit: condition === "next-exit", resolve });
    });
    if (!(await ack(m))) return;
    await reply(m, Verbs.Set, [JSON.stringify(await result)]);
  }

  private async onExec(m: Message): Promise<void> {
    const config = parseExecConfig(m.args[0]);
    if (!this.running || !this.proc) throw this.notRunning();
    if (this.rec.state.Paused)
      throw new ConflictError(`Container ${this.id} is paused, unpause the container first`);
    // As the running process was started: with --isolate, or not (a swarmd restart may have changed it).
    const e = new ExecInstance(this, config, this.rec.isolated);
    // Keep the IDs of recent execs only (ExecIDs in inspect): a health check every second must not grow it.
    for (const [id, old] of this.execs) {
      if (this.execs.size < maxExecs) break;
      if (!old.isRunning) this.execs.delete(id);
    }
    this.execs.set(e.id, e);
    this.emit(`exec_create: ${config.Cmd.join(" ")}`, { execID: e.id });
    await ack(m, [e.id], e.object);
  }
}
