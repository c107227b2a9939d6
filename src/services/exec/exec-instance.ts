import { ConflictError, InvalidArgumentError } from "../../core/errors.ts";
import { handler } from "../../core/handler.ts";
import type { Message } from "../../core/message.ts";
import { ack, reply, Server } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { newId } from "../../docker/ids.ts";
import { DockerVerbs, type ExecStartOptions } from "../../docker/verbs.ts";
import { OutputBus } from "./bus.ts";
import type { Container } from "./container.ts";
import { processTree } from "./proctree.ts";
import { type ExitInfo, launch, type Supervised } from "./supervisor.ts";

/** The body of POST /containers/{id}/exec. */
export interface ExecConfig {
  User: string;
  Privileged: boolean;
  Tty: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  DetachKeys: string;
  Env: string[] | null;
  WorkingDir: string;
  Cmd: string[];
}

export function parseExecConfig(raw: string | undefined): ExecConfig {
  let v: Partial<ExecConfig>;
  try {
    v = JSON.parse(raw ?? "") as Partial<ExecConfig>;
  } catch {
    throw new InvalidArgumentError("Exec: the argument is not a JSON object");
  }
  if (!v || typeof v !== "object") throw new InvalidArgumentError("Exec: the argument is not a JSON object");
  if (!Array.isArray(v.Cmd) || v.Cmd.length === 0)
    throw new InvalidArgumentError("No exec command specified");
  return {
    User: v.User ?? "",
    Privileged: v.Privileged === true,
    Tty: v.Tty === true,
    AttachStdin: v.AttachStdin === true,
    AttachStdout: v.AttachStdout !== false,
    AttachStderr: v.AttachStderr !== false,
    DetachKeys: v.DetachKeys ?? "",
    Env: Array.isArray(v.Env) ? v.Env.map(String) : null,
    WorkingDir: v.WorkingDir ?? "",
    Cmd: v.Cmd.map(String),
  };
}

/**
 * A second process in a running container (docs/PROTOCOL.md §6.3): the container's environment and
 * working directory, its user unless the exec names one, and with --isolate its namespaces.
 */
export class ExecInstance {
  readonly id = newId();
  readonly object: Server;
  private proc: Supervised | undefined;
  private started = false;
  private running = false;
  private exitCode: number | null = null;
  private readonly bus = new OutputBus();

  constructor(
    private readonly container: Container,
    private readonly config: ExecConfig,
    private readonly isolated: boolean,
  ) {
    this.object = new Server()
      .on(Verbs.Get, async (m) => {
        await reply(m, Verbs.Set, [JSON.stringify(this.inspect())]);
      })
      .on(Verbs.Start, (m) => this.onStart(m))
      .on(DockerVerbs.Resize, async (m) => {
        const h = Number(m.args[0]);
        const w = Number(m.args[1]);
        if (!Number.isInteger(h) || !Number.isInteger(w) || h < 0 || w < 0) {
          throw new InvalidArgumentError("invalid height or width");
        }
        if (!this.running) throw new ConflictError(`Exec ${this.id} is not running`);
        this.proc?.resize(h, w);
        await ack(m);
      });
  }

  inspect(): Record<string, unknown> {
    return {
      ID: this.id,
      Running: this.running,
      ExitCode: this.exitCode,
      ProcessConfig: {
        tty: this.config.Tty,
        entrypoint: this.config.Cmd[0],
        arguments: this.config.Cmd.slice(1),
        privileged: this.config.Privileged,
        ...(this.config.User && { user: this.config.User }),
      },
      OpenStdin: this.config.AttachStdin,
      OpenStderr: this.config.AttachStderr,
      OpenStdout: this.config.AttachStdout,
      CanRemove: false,
      ContainerID: this.container.id,
      DetachKeys: this.config.DetachKeys,
      Pid: this.proc?.pid ?? 0,
    };
  }

  pids(): number[] {
    return this.running && this.proc ? processTree(this.proc.pid) : [];
  }

  get isRunning(): boolean {
    return this.running;
  }

  killAll(): void {
    if (this.running) this.proc?.signalAll("SIGKILL");
  }

  private async onStart(m: Message): Promise<void> {
    const opts = parseStartOptions(m.args[0]);
    if (this.started) throw new ConflictError(`Exec command ${this.id} has already run`);
    const main = this.container.process;
    if (!this.container.running || !main)
      throw new ConflictError(`Container ${this.container.id} is not running`);
    this.started = true;
    const tty = this.config.Tty || opts.Tty === true;
    const cmdText = this.config.Cmd.join(" ");
    let prepared: ReturnType<Container["prepare"]>;
    try {
      prepared = this.container.prepare(
        this.config.Cmd,
        this.config.User || (this.container.rec.config.User ?? ""),
        this.config.WorkingDir || (this.container.rec.config.WorkingDir ?? ""),
        this.config.Env,
      );
    } catch (err) {
      // The engine reports this inside the stream, and the exec's exit code tells the CLI.
      const message = err instanceof Error ? err.message : String(err);
      this.exitCode = /not found|no such file/.test(message) ? 127 : 126;
      if (!(await ack(m, [String(tty)]))) return;
      if (!opts.Detach) {
        const text = `OCI runtime exec failed: exec failed: unable to start container process: ${message}: unknown\r\n`;
        await reply(m, Verbs.Log, ["stdout", text]);
      }
      return;
    }
    const reader = opts.Detach ? undefined : this.bus.subscribe();
    // Running from here: a quick process may exit (and say so) before `launch` returns.
    this.running = true;
    try {
      this.proc = await launch(
        {
          ...prepared,
          tty,
          rows: 0,
          cols: 0,
          openStdin: this.config.AttachStdin,
          cgroup: this.container.cgroupHandle,
          ...(this.isolated && {
            enter: { pid: main.pid, network: this.container.rec.hostConfig.NetworkMode === "none" },
          }),
        },
        {
          output: (stream, chunk) => this.bus.publish(stream, chunk, ""),
          exit: (info) => this.exited(info),
        },
      );
    } catch (err) {
      reader?.close();
      this.running = false;
      this.exitCode = 126;
      throw err;
    }
    this.bus.setDrainHandler(() => this.proc?.resume());
    this.container.emitEvent(`exec_start: ${cmdText}`, { execID: this.id });
    const proc = this.proc;
    const stdin = handler(
      async (msg) => {
        if (this.config.AttachStdin && msg.verb === Verbs.Log && msg.args[1] !== undefined) {
          await proc.write(Buffer.from(msg.args[1], "latin1"));
        }
      },
      {
        concurrency: 1,
        onClose: () => {
          // As the engine: the client's end of input closes the program's stdin only without a TTY.
          if (this.config.AttachStdin && !tty) proc.endInput();
        },
      },
    );
    try {
      if (!(await ack(m, [String(tty)], stdin))) return;
      if (!reader) return;
      while (true) {
        const c = await reader.next();
        if (!c) break;
        if (c.stream === "stdout" ? !this.config.AttachStdout : !this.config.AttachStderr) continue;
        if (!(await reply(m, Verbs.Log, [tty ? "stdout" : c.stream, c.chunk.toString("latin1")]))) return;
      }
      // The exit code is read right after the stream ends (GET /exec/{id}/json): record it first.
      await proc.exited;
    } finally {
      reader?.close();
    }
  }

  private exited(info: ExitInfo): void {
    this.running = false;
    this.exitCode = info.exitCode;
    this.bus.setDrainHandler(undefined);
    this.bus.end();
    this.container.emitEvent("exec_die", { execID: this.id, exitCode: String(info.exitCode) });
  }
}

function parseStartOptions(raw: string | undefined): ExecStartOptions {
  if (raw === undefined || raw === "") return {};
  try {
    const v = JSON.parse(raw) as ExecStartOptions;
    if (v && typeof v === "object") return v;
  } catch {
    // fall through
  }
  throw new InvalidArgumentError("exec Start: the argument is not a JSON object");
}
