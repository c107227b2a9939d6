import { ConflictError, InvalidArgumentError } from "../../core/errors.ts";
import { newId } from "../../docker/ids.ts";
import type { Attacher } from "./attacher.ts";
import type { Json } from "./config.ts";
import type { Container } from "./container.ts";
import type { EngineContext } from "./context.ts";
import { type OutStream, SimProcess } from "./process.ts";
import { SIGINT, SIGKILL } from "./signals.ts";
import { StdinQueue } from "./stdin.ts";
import { LineDiscipline } from "./tty.ts";

/** How many execs a container keeps for `exec inspect` before forgetting the oldest finished (or unstarted) ones. */
export const KEPT_EXECS = 64;

/**
 * An exec: a second simulated process in a running container (POST /containers/{id}/exec). Its
 * output goes only to the client that started it, never to the container's log.
 */
export class Exec {
  readonly id = newId();
  readonly argv: string[];
  process: SimProcess | undefined;
  exitCode: number | null = null;
  private readonly stdin = new StdinQueue();
  private reader: Attacher | undefined;
  private terminal: LineDiscipline | undefined;

  constructor(
    readonly container: Container,
    readonly config: Json,
    private readonly ctx: EngineContext,
  ) {
    const cmd = config.Cmd;
    if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((c) => typeof c === "string")) {
      throw new InvalidArgumentError("No exec command specified");
    }
    this.argv = cmd as string[];
    if (this.tty) {
      this.terminal = new LineDiscipline({
        echo: (data) => this.output("stdout", data),
        deliver: (data) => this.stdin.write(data),
        eof: () => this.stdin.end(),
        interrupt: () => void this.process?.signal(SIGINT),
      });
    }
  }

  get tty(): boolean {
    return this.config.Tty === true;
  }

  get running(): boolean {
    return this.process?.running === true;
  }

  /** `exec_create: sh -c …`-style event action. */
  private action(verb: string): string {
    return `${verb}: ${this.argv.join(" ")}`;
  }

  created(): void {
    this.container.event(this.action("exec_create"), { execID: this.id });
    this.forgetOld();
  }

  /**
   * Run the command. `reader` gets the output (undefined when detached). Resolves with the exit code.
   */
  start(reader: Attacher | undefined): Promise<number> {
    if (this.process) {
      throw new ConflictError(
        this.process.running
          ? `Error: Exec command ${this.id} is already running`
          : `Error: Exec command ${this.id} has already run`,
      );
    }
    const c = this.container;
    if (!c.running) throw new ConflictError(`Container ${c.id} is not running`);
    if (c.status === "paused")
      throw new ConflictError(`Container ${c.id} is paused, unpause the container before exec`);
    this.reader = reader;
    const process = new SimProcess(
      this.ctx.nextPid(),
      this.argv,
      {
        write: (stream, data) => this.output(stream, data),
        stdin: this.config.AttachStdin === true ? this.stdin : undefined,
        env: [...((c.config.Env as string[]) ?? []), ...((this.config.Env as string[] | null) ?? [])],
        hostname: String(c.config.Hostname),
        tty: this.tty,
        cwd: String(this.config.WorkingDir || c.config.WorkingDir || ""),
        user: String(this.config.User || c.config.User || ""),
      },
      () => this.ctx.nextPid(),
    );
    this.process = process;
    c.event(this.action("exec_start"), { execID: this.id });
    process.start();
    return process.exited.then((code) => {
      this.exitCode = code;
      this.stdin.end();
      if (!this.ctx.signal.aborted) c.event("exec_die", { execID: this.id, exitCode: String(code) });
      this.forgetOld();
      return code;
    });
  }

  private async output(stream: OutStream, data: string): Promise<void> {
    if (!this.reader) return;
    const s = this.tty ? "stdout" : stream;
    const d = this.tty ? data.replace(/(?<!\r)\n/g, "\r\n") : data;
    await this.reader.push(s, d);
  }

  async writeStdin(chunk: string): Promise<void> {
    if (this.config.AttachStdin !== true) return;
    if (this.terminal) await this.terminal.input(chunk);
    else await this.stdin.write(chunk);
  }

  closeStdin(): void {
    if (this.terminal) void this.terminal.close();
    else this.stdin.end();
  }

  kill(): void {
    this.process?.signal(SIGKILL);
  }

  /**
   * Keep the container's exec list bounded: past KEPT_EXECS, forget the oldest that finished or
   * were never started (never this one).
   */
  forgetOld(): void {
    const execs = this.container.execs;
    for (const [id, e] of execs) {
      if (execs.size <= KEPT_EXECS) break;
      if (e !== this && (e.exitCode !== null || e.process === undefined)) execs.delete(id);
    }
  }

  inspect(): Json {
    const [entrypoint, ...args] = this.argv;
    return {
      ID: this.id,
      Running: this.running,
      ExitCode: this.exitCode,
      ProcessConfig: {
        tty: this.tty,
        entrypoint,
        arguments: args,
        privileged: this.config.Privileged === true,
        ...(this.config.User ? { user: this.config.User } : {}),
      },
      OpenStdin: this.config.AttachStdin === true,
      OpenStderr: this.config.AttachStderr === true,
      OpenStdout: this.config.AttachStdout === true,
      CanRemove: false,
      ContainerID: this.container.id,
      DetachKeys: typeof this.config.DetachKeys === "string" ? this.config.DetachKeys : "",
      Pid: this.process?.pid ?? 0,
    };
  }
}
