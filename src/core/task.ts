import { ConflictError, toErrorArgs } from "./errors.ts";
import type { HandlerOptions } from "./handler.ts";
import { message, type Receiver, type Sender } from "./message.ts";
import { type PipeOptions, pipe } from "./pipe.ts";
import { ack, reply, Server } from "./server.ts";
import { Verbs } from "./verbs.ts";

/** What a task's body gets: its input, its output, and a signal that fires on `Stop`. */
export interface TaskContext {
  /** Messages sent to the instance (by the previous service in a pipeline, or by `Attach ""`'s caller). */
  input: Receiver;
  /** Where the instance sends its own messages (requests for the next service, Log lines). */
  output: Sender;
  /** Aborted when the instance is asked to `Stop`. */
  signal: AbortSignal;
}

export type TaskFn = (ctx: TaskContext) => void | Promise<void>;

export type TaskState = "created" | "running" | "stopping" | "exited" | "failed";

export interface TaskOptions extends HandlerOptions {
  pipe?: PipeOptions;
  /** How long `Stop` waits for the body to return before answering anyway. Default 10 s. */
  stopTimeoutMs?: number;
}

/**
 * An instance built from a function (the original's Task). Verbs:
 * - `Attach ""` → `Ack` whose `ret` is the instance's input; then the same reply stream carries the
 *   instance's output until it ends. One attachment at a time.
 * - `Start` → runs the body once and answers `Ack`. When the body returns the output is closed;
 *   when it throws, an `Error` is sent on the output first.
 * - `Stop` → aborts the signal, closes the input, waits for the body, answers `Ack`.
 * - `Get` → `Set [{"state": …}]`.
 */
export class Task extends Server {
  private state: TaskState = "created";
  private readonly abort = new AbortController();
  private readonly inputPipe: [Receiver, Sender];
  private readonly outputPipe: [Receiver, Sender];
  private attached = false;
  private running: Promise<void> | undefined;
  private error: string | undefined;

  constructor(
    private readonly body: TaskFn,
    private readonly options: TaskOptions = {},
  ) {
    super(options);
    this.inputPipe = pipe(options.pipe);
    this.outputPipe = pipe(options.pipe);
    this.on(Verbs.Attach, (msg) => this.onAttach(msg));
    this.on(Verbs.Start, async (msg) => {
      this.start();
      await ack(msg);
    });
    this.on(Verbs.Stop, async (msg) => {
      await this.stop();
      await ack(msg);
    });
    this.on(Verbs.Get, async (msg) => {
      await reply(msg, Verbs.Set, [JSON.stringify({ state: this.state, error: this.error })]);
    });
  }

  /** Settles when the body has returned (or failed). Undefined before Start. */
  get done(): Promise<void> | undefined {
    return this.running;
  }

  get currentState(): TaskState {
    return this.state;
  }

  private async onAttach(msg: Parameters<Server["send"]>[0]): Promise<void> {
    if ((msg.args[0] ?? "") !== "") throw new ConflictError(`task has no child ${msg.args[0]}`);
    if (this.attached) throw new ConflictError("task is already attached");
    this.attached = true;
    if (!(await ack(msg, [], this.inputPipe[1]))) {
      this.attached = false; // the caller left before the Ack: the instance is still free to attach
      return;
    }
    const output = this.outputPipe[0];
    for await (const m of output) {
      if (
        !(await reply(msg, m.verb, m.args, { ...(m.ret && { ret: m.ret }), ...(m.att && { att: m.att }) }))
      ) {
        m.ret?.close();
        output.close();
        break;
      }
    }
  }

  start(): void {
    // Once only; and never after Stop (the input and output are already closed).
    if (this.running || this.abort.signal.aborted) return;
    this.state = "running";
    const ctx: TaskContext = {
      input: this.inputPipe[0],
      output: this.outputPipe[1],
      signal: this.abort.signal,
    };
    this.running = (async () => {
      try {
        await this.body(ctx);
        this.state = "exited";
      } catch (err) {
        this.state = "failed";
        this.error = toErrorArgs(err)[0];
        await ctx.output.send(message(Verbs.Error, toErrorArgs(err))).catch(() => {});
      } finally {
        ctx.output.close();
        ctx.input.close();
      }
    })();
  }

  async stop(): Promise<void> {
    if (this.state === "running") this.state = "stopping";
    this.abort.abort();
    this.inputPipe[1].close();
    if (!this.running) {
      this.state = "exited";
      this.outputPipe[1].close();
      return;
    }
    const timeout = this.options.stopTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.running,
      new Promise<void>((r) => {
        timer = setTimeout(r, timeout);
      }),
    ]);
    clearTimeout(timer);
  }
}

/** Build a Task instance from a function. */
export function task(body: TaskFn, options: TaskOptions = {}): Task {
  return new Task(body, options);
}
