import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  NotImplementedError,
} from "../../core/errors.ts";
import { handler } from "../../core/handler.ts";
import type { Message, Sender } from "../../core/message.ts";
import { ack, reply, Server } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { normalizeFilters } from "../../docker/filters.ts";
import { nowNanos, rfc3339Nano, secondsToNanos } from "../../docker/time.ts";
import type {
  AttachOptions,
  ExecStartOptions,
  ListOptions,
  LogsOptions,
  RemoveOptions,
  WatchOptions,
} from "../../docker/verbs.ts";
import { DockerVerbs } from "../../docker/verbs.ts";
import { Attacher } from "./attacher.ts";
import type { Container, WaitCondition } from "./container.ts";
import { untilAborted } from "./context.ts";
import type { Simulator } from "./engine.ts";
import { eventJSON, eventMatches } from "./events.ts";
import { Exec } from "./exec.ts";
import { InputSender } from "./io.ts";
import type { OutStream } from "./process.ts";
import { DetachScanner, parseDetachKeys } from "./tty.ts";

/**
 * The protocol side of the simulator (docs/PROTOCOL.md §6): the root object, one handle per
 * attached container reference, one per exec. Handles are cheap; the state lives in Simulator.
 */

function parseJSON<T>(text: string | undefined, what: string): T {
  if (text === undefined || text === "") return {} as T;
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null) return {} as T;
    if (typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
    return v as T;
  } catch {
    throw new InvalidArgumentError(`invalid ${what}: expected a JSON object`);
  }
}

const log = (msg: Message, stream: OutStream, data: string) => reply(msg, Verbs.Log, [stream, data]);

/** The backend root: what `dockerserver` sends its requests to. */
/**
 * Long-lived requests (Watch, Wait, Logs follow, Attach) hold a handler slot for their whole life,
 * so the slots are many: back-pressure still applies, but a thousand open streams do not stall the
 * simulator.
 */
const SLOTS = { concurrency: 65_536 };

export function rootServer(sim: Simulator): Server {
  const root = new Server(SLOTS);
  root.on(Verbs.Get, async (msg) => {
    const [what = "info", arg] = msg.args;
    let value: unknown;
    switch (what) {
      case "":
      case "info":
        value = sim.info();
        break;
      case "version":
        value = sim.version();
        break;
      case "containers":
        value = sim.list(parseJSON<ListOptions>(arg, "ListOptions"));
        break;
      case "images":
        value = sim.imageList(arg);
        break;
      case "image":
        value = sim.images.inspect(sim.images.get(arg ?? ""));
        break;
      case "df":
        value = sim.df();
        break;
      default:
        throw new InvalidArgumentError(`unknown Get target: ${what}`);
    }
    await reply(msg, Verbs.Set, [JSON.stringify(value)]);
  });
  root.on(Verbs.Ls, async (msg) => {
    await reply(
      msg,
      Verbs.Set,
      [...sim.containers].map((c) => c.id),
    );
  });
  root.on(Verbs.Attach, async (msg) => {
    const ref = msg.args[0] ?? "";
    const c = sim.resolve(ref);
    await ack(msg, [c.id], containerHandle(sim, c, ref));
  });
  root.on(Verbs.Spawn, async (msg) => {
    const c = sim.create(msg.args[0] ?? "", msg.args[1] ?? "");
    await ack(msg, [c.id], containerHandle(sim, c, c.id));
  });
  root.on(DockerVerbs.Pull, (msg) => {
    sim.pull(msg.args[0] ?? "", msg.args[1] ?? "");
  });
  root.on(Verbs.Watch, (msg) => watch(sim, msg, parseJSON<WatchOptions>(msg.args[0], "WatchOptions")));
  return root;
}

async function watch(sim: Simulator, msg: Message, opts: WatchOptions): Promise<void> {
  const filters = normalizeFilters(opts.filters);
  const since = opts.since !== undefined && opts.since !== null ? secondsToNanos(opts.since) : undefined;
  const until =
    opts.until !== undefined && opts.until !== null && Number(opts.until) !== 0
      ? secondsToNanos(opts.until)
      : undefined;
  let cursor = sim.events.end;
  if (!(await ack(msg))) return;
  const send = async (e: ReturnType<typeof sim.events.from>[number]) =>
    !eventMatches(e, filters) || (await reply(msg, Verbs.Set, [eventJSON(e)]));
  if (since !== undefined) {
    for (const e of sim.events.all()) {
      if (e.seq >= cursor) break;
      if (e.ns < since || (until !== undefined && e.ns > until)) continue;
      if (!(await send(e))) return;
    }
  }
  // The until timer wakes the loop through the bus's notifier: racing every wait with one
  // long-lived promise would pile reactions onto it.
  let untilPassed = false;
  let timer: NodeJS.Timeout | undefined;
  if (until !== undefined) {
    const ms = Number((until - nowNanos()) / 1_000_000n);
    timer = setTimeout(
      () => {
        untilPassed = true;
        sim.events.changed.notify();
      },
      Math.max(0, ms),
    );
  }
  try {
    while (!sim.signal.aborted) {
      const fresh = sim.events.from(cursor);
      if (fresh.length === 0) {
        if (untilPassed) return;
        if ((await untilAborted(sim.signal, sim.events.changed.wait(), "stop")) === "stop") return;
        continue;
      }
      for (const e of fresh) {
        cursor = e.seq + 1;
        if (until !== undefined && e.ns > until) return;
        if (!(await send(e))) return;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

function checkAlive(c: Container, ref: string): void {
  if (c.isRemoved) throw new NotFoundError(`No such container: ${ref}`);
}

/** The object `Attach [ref]` and `Spawn` hand back (docs/PROTOCOL.md §6.2). */
export function containerHandle(sim: Simulator, c: Container, ref: string): Sender {
  const server = new Server(SLOTS);
  const on = (verb: string, fn: (msg: Message) => unknown) =>
    server.on(verb, async (msg) => {
      checkAlive(c, ref);
      await fn(msg);
    });
  on(Verbs.Get, async (msg) => {
    const [what = "inspect"] = msg.args;
    if (what === "inspect" || what === "") return reply(msg, Verbs.Set, [JSON.stringify(c.inspect())]);
    // ps_args are ignored: there is no ps to hand them to (README).
    if (what === "top") return reply(msg, Verbs.Set, [JSON.stringify(c.top())]);
    throw new InvalidArgumentError(`unknown Get target: ${what}`);
  });
  on(Verbs.Start, async (msg) => {
    c.start();
    await ack(msg);
  });
  on(Verbs.Stop, async (msg) => {
    await c.stop(msg.args[0], msg.args[1]);
    await ack(msg);
  });
  on(DockerVerbs.Kill, async (msg) => {
    await c.kill(msg.args[0], ref);
    await ack(msg);
  });
  on(DockerVerbs.Restart, async (msg) => {
    await c.restart(msg.args[0], msg.args[1]);
    await ack(msg);
  });
  on(DockerVerbs.Pause, async (msg) => {
    c.pause();
    await ack(msg);
  });
  on(DockerVerbs.Unpause, async (msg) => {
    c.unpause();
    await ack(msg);
  });
  on(DockerVerbs.Rename, async (msg) => {
    c.rename(msg.args[0] ?? "");
    await ack(msg);
  });
  on(DockerVerbs.Remove, async (msg) => {
    const opts = parseJSON<RemoveOptions>(msg.args[0], "RemoveOptions");
    await c.remove(opts.force === true, ref);
    await ack(msg);
  });
  on(DockerVerbs.Resize, async (msg) => {
    c.resize(msg.args[0], msg.args[1]);
    await ack(msg);
  });
  on(DockerVerbs.Wait, async (msg) => {
    const condition = (msg.args[0] || "not-running") as WaitCondition;
    if (!["not-running", "next-exit", "removed"].includes(condition)) {
      throw new InvalidArgumentError(`invalid condition: "${condition}"`);
    }
    const result = c.wait(condition);
    if (!(await ack(msg))) return;
    const code = await untilAborted(sim.signal, result, undefined);
    if (code === undefined) return;
    await reply(msg, Verbs.Set, [JSON.stringify({ Error: null, StatusCode: code })]);
  });
  on(DockerVerbs.Logs, (msg) => logs(sim, c, msg, parseJSON<LogsOptions>(msg.args[0], "LogsOptions")));
  on(Verbs.Attach, (msg) => {
    if ((msg.args[0] ?? "") !== "") throw new NotFoundError(`no such child: ${msg.args[0]}`);
    return attach(sim, c, msg, parseJSON<AttachOptions>(msg.args[1], "AttachOptions"));
  });
  on(DockerVerbs.Exec, async (msg) => {
    const config = parseJSON<Record<string, unknown>>(msg.args[0], "ExecConfig");
    if (!c.running) throw new ConflictError(`Container ${c.id} is not running`);
    if (c.status === "paused")
      throw new ConflictError(`Container ${c.id} is paused, unpause the container before exec`);
    const exec = new Exec(c, config, sim.ctx);
    c.execs.set(exec.id, exec);
    exec.created();
    await ack(msg, [exec.id], execHandle(sim, exec));
  });
  return server;
}

async function logs(sim: Simulator, c: Container, msg: Message, opts: LogsOptions): Promise<void> {
  const bothUnset = opts.stdout === undefined && opts.stderr === undefined;
  const wants = { stdout: bothUnset || opts.stdout === true, stderr: bothUnset || opts.stderr === true };
  if (!wants.stdout && !wants.stderr)
    throw new InvalidArgumentError("Bad parameters: you must choose at least one stream");
  const since = opts.since ? secondsToNanos(opts.since) : undefined;
  const until = opts.until ? secondsToNanos(opts.until) : undefined;
  const tail = opts.tail === undefined || opts.tail === "all" || opts.tail === "" ? -1 : Number(opts.tail);
  if (Number.isNaN(tail)) throw new InvalidArgumentError(`invalid tail value: ${opts.tail}`);
  const keep = (e: { stream: OutStream; ns: bigint }) =>
    wants[e.stream] && (since === undefined || e.ns >= since) && (until === undefined || e.ns <= until);
  const send = (e: { stream: OutStream; ns: bigint; data: string }) =>
    log(msg, e.stream, opts.timestamps ? `${rfc3339Nano(e.ns)} ${e.data}` : e.data);

  let cursor = c.logs.end;
  let history = c.logs.from(0).filter(keep);
  if (tail >= 0) history = tail === 0 ? [] : history.slice(-tail);
  if (!(await ack(msg, [String(c.tty)]))) return;
  for (const e of history) if (!(await send(e))) return;
  if (!opts.follow || !c.running) return;
  while (!sim.signal.aborted) {
    const fresh = c.logs.from(cursor);
    if (fresh.length === 0) {
      if (!c.running || c.isRemoved) return;
      if (until !== undefined && nowNanos() > until) return;
      const woke = await untilAborted(sim.signal, c.logs.changed.wait(), "stop");
      if (woke === "stop") return;
      continue;
    }
    for (const e of fresh) {
      cursor = e.seq + 1;
      if (until !== undefined && e.ns > until) return;
      if (keep(e) && !(await send(e))) return;
    }
  }
}

async function attach(sim: Simulator, c: Container, msg: Message, opts: AttachOptions): Promise<void> {
  const noneSet = opts.stdout === undefined && opts.stderr === undefined && opts.stdin === undefined;
  const wants = { stdout: noneSet || opts.stdout === true, stderr: noneSet || opts.stderr === true };
  let detachKeys: string;
  try {
    detachKeys = parseDetachKeys(opts.detachKeys);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  const scanner = new DetachScanner(detachKeys);
  const reader = new Attacher((stream, data) => log(msg, stream, data), wants);
  // Typing the detach keys ends this attachment (output EOF) and leaves the container running.
  let detached = false;
  const port = c.stdinPort();
  const stdin = new InputSender(
    async (chunk) => {
      if (!opts.stdin || detached) return;
      const { data, detached: now } = scanner.feed(chunk);
      if (data) await port.write(data);
      if (now) {
        detached = true;
        c.event("detach");
        reader.stop();
      }
    },
    () => {
      if (opts.stdin && !detached) port.close();
    },
  );
  if (!(await ack(msg, [String(c.tty)], stdin))) return;
  if (opts.logs) for (const e of c.logs.from(0)) void reader.push(e.stream, e.data);
  if (opts.stream === false) {
    reader.end();
    await reader.done;
    return;
  }
  c.addAttacher(reader);
  try {
    await untilAborted(sim.signal, reader.done, undefined);
  } finally {
    c.removeAttacher(reader);
    reader.stop();
  }
}

/** The object `Exec` hands back (docs/PROTOCOL.md §6.3). */
export function execHandle(sim: Simulator, exec: Exec): Sender {
  return handler(async (msg) => {
    switch (msg.verb) {
      case Verbs.Get:
        await reply(msg, Verbs.Set, [JSON.stringify(exec.inspect())]);
        return;
      case DockerVerbs.Resize:
        if (!exec.running) throw new ConflictError(`Exec ${exec.id} is not running`);
        await ack(msg);
        return;
      case Verbs.Start:
        await startExec(sim, exec, msg, parseJSON<ExecStartOptions>(msg.args[0], "ExecStartOptions"));
        return;
      default:
        throw new NotImplementedError();
    }
  }, SLOTS);
}

async function startExec(sim: Simulator, exec: Exec, msg: Message, opts: ExecStartOptions): Promise<void> {
  const stdin = new InputSender(
    (chunk) => exec.writeStdin(chunk),
    () => exec.closeStdin(),
  );
  const tty = String(opts.Tty ?? exec.tty);
  if (opts.Detach) {
    void exec.start(undefined);
    await ack(msg, [tty], stdin);
    return;
  }
  const reader = new Attacher((stream, data) => log(msg, stream, data));
  // Ack before any output: start only checks state synchronously, output flows after a tick.
  const exited = exec.start(reader);
  if (!(await ack(msg, [tty], stdin))) {
    reader.stop();
    return;
  }
  await untilAborted(sim.signal, exited, undefined);
  reader.end();
  await untilAborted(sim.signal, reader.done, undefined);
}
