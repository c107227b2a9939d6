/**
 * A small in-process backend speaking docs/PROTOCOL.md §6, for testing dockerserver before (and
 * beside) the real simulator. Containers "run" a tiny command language:
 *   echo WORDS… | cat (stdin → stdout) | sleep N | exit N | err WORDS… (to stderr) | tick (prints "tick" every 100 ms)
 * It has no `Get ["containers"]` fast path, so dockerserver's own listing and filters are exercised.
 */
import { randomBytes } from "node:crypto";
import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  NotImplementedError,
  NotModifiedError,
} from "../../src/core/errors.ts";
import type { Message, Sender } from "../../src/core/message.ts";
import { pipe } from "../../src/core/pipe.ts";
import { ack, reply, Server } from "../../src/core/server.ts";
import { Verbs } from "../../src/core/verbs.ts";
import { DockerVerbs } from "../../src/docker/verbs.ts";

const now = () => new Date().toISOString();
const ZERO = "0001-01-01T00:00:00Z";

interface Proc {
  cmd: string[];
  tty: boolean;
  out: (stream: string, chunk: string) => void;
  stdin: string[];
  stdinEnded: boolean;
  onStdin?: () => void;
  done: Promise<number>;
  kill: (code: number) => void;
}

/** Run one tiny command; `out` receives output, the promise its exit code. */
function runProc(cmd: string[], tty: boolean, out: Proc["out"]): Proc {
  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => (finish = r));
  const p: Proc = { cmd, tty, out, stdin: [], stdinEnded: false, done, kill: (c) => finish(c) };
  const [prog = "", ...rest] = cmd;
  const nl = tty ? "\r\n" : "\n";
  setImmediate(() => {
    switch (prog) {
      case "echo":
        out("stdout", rest.join(" ") + nl);
        return finish(0);
      case "err":
        out(tty ? "stdout" : "stderr", rest.join(" ") + nl);
        return finish(0);
      case "exit":
        return finish(Number(rest[0] ?? 0));
      case "sleep": {
        const t = setTimeout(() => finish(0), Number(rest[0] ?? 0) * 1000);
        void done.then(() => clearTimeout(t));
        return;
      }
      case "tick": {
        const t = setInterval(() => out("stdout", `tick${nl}`), 100);
        out("stdout", `tick${nl}`);
        void done.then(() => clearInterval(t));
        return;
      }
      case "cat": {
        const drain = () => {
          for (const c of p.stdin.splice(0)) out("stdout", c);
          if (p.stdinEnded) finish(0);
        };
        p.onStdin = drain;
        return drain();
      }
      default:
        out("stderr", `${prog}: not found${nl}`);
        return finish(127);
    }
  });
  return p;
}

type Listener = (stream: string, chunk: string) => void;

class Container {
  id = randomBytes(32).toString("hex");
  created = now();
  state = {
    Status: "created",
    Running: false,
    Paused: false,
    ExitCode: 0,
    StartedAt: ZERO,
    FinishedAt: ZERO,
    Pid: 0,
  };
  logs: { stream: string; chunk: string; time: string }[] = [];
  listeners = new Set<Listener>();
  exitWaiters = new Set<() => void>();
  removeWaiters = new Set<() => void>();
  proc: Proc | undefined;
  pendingStdin: string[] = [];
  pendingStdinEnd = false;
  execs = new Set<string>();
  readonly object: Server;

  constructor(
    readonly backend: FakeBackend,
    public name: string,
    readonly config: Record<string, unknown>,
  ) {
    this.object = this.serve();
  }

  get tty(): boolean {
    return this.config.Tty === true;
  }

  cmd(): string[] {
    const c = this.config.Cmd;
    return Array.isArray(c) ? (c as string[]) : typeof c === "string" ? [c] : [];
  }

  inspect(): string {
    const cmd = this.cmd();
    return JSON.stringify({
      Id: this.id,
      Created: this.created,
      Path: cmd[0] ?? "",
      Args: cmd.slice(1),
      State: { ...this.state, Restarting: false, OOMKilled: false, Dead: false, Error: "" },
      Image: "sha256:busyboxbusyboxbusyboxbusyboxbusyboxbusyboxbusyboxbusyboxbusy",
      Name: `/${this.name}`,
      RestartCount: 0,
      ExecIDs: this.execs.size ? [...this.execs] : null,
      HostConfig: { NetworkMode: "none", AutoRemove: this.autoRemove },
      Config: { ...this.config, Hostname: this.id.slice(0, 12), Labels: this.config.Labels ?? {} },
      NetworkSettings: { Networks: {} },
      Mounts: [],
    });
  }

  get autoRemove(): boolean {
    return (this.config.HostConfig as { AutoRemove?: boolean } | undefined)?.AutoRemove === true;
  }

  emit(stream: string, chunk: string): void {
    this.logs.push({ stream, chunk, time: new Date().toISOString() });
    for (const l of this.listeners) l(stream, chunk);
  }

  start(): void {
    if (this.state.Running) throw new NotModifiedError("container already started");
    this.state = {
      ...this.state,
      Status: "running",
      Running: true,
      Paused: false,
      StartedAt: now(),
      Pid: 4242,
    };
    this.backend.event(this, "start");
    const proc = runProc(this.cmd(), this.tty, (s, c) => this.emit(s, c));
    proc.stdin.push(...this.pendingStdin.splice(0));
    proc.stdinEnded = this.pendingStdinEnd;
    this.proc = proc;
    void proc.done.then((code) => this.exited(code));
  }

  exited(code: number): void {
    this.proc = undefined;
    this.state = {
      ...this.state,
      Status: "exited",
      Running: false,
      Paused: false,
      ExitCode: code,
      FinishedAt: now(),
      Pid: 0,
    };
    this.backend.event(this, "die", { exitCode: String(code) });
    for (const l of [...this.listeners]) l("eof", "");
    for (const w of [...this.exitWaiters]) w();
    if (this.autoRemove) this.backend.remove(this);
  }

  notRunning(): ConflictError {
    return new ConflictError(`Container ${this.id} is not running`);
  }

  private serve(): Server {
    const s = new Server();
    s.on(Verbs.Get, async (msg) => {
      if (msg.args[0] === "top") {
        if (!this.state.Running) throw this.notRunning();
        await reply(msg, Verbs.Set, [
          JSON.stringify({ Titles: ["PID", "CMD"], Processes: [["4242", this.cmd().join(" ")]] }),
        ]);
        return;
      }
      await reply(msg, Verbs.Set, [this.inspect()]);
    });
    s.on(Verbs.Start, async (msg) => {
      this.start();
      await ack(msg);
    });
    s.on(Verbs.Stop, async (msg) => {
      if (!this.state.Running) throw new NotModifiedError("container already stopped");
      const stopped = new Promise<void>((r) => this.exitWaiters.add(r));
      this.proc?.kill(137);
      await stopped;
      this.backend.event(this, "stop");
      await ack(msg);
    });
    s.on(DockerVerbs.Kill, async (msg) => {
      if (!this.state.Running)
        throw new ConflictError(`Cannot kill container: ${this.name}: Container ${this.id} is not running`);
      const sig = msg.args[0] || "KILL";
      if (!/^[A-Z0-9]+$/.test(sig)) throw new InvalidArgumentError(`Invalid signal: ${sig}`);
      this.proc?.kill(sig === "KILL" || sig === "9" ? 137 : 143);
      this.backend.event(this, "kill", { signal: sig });
      await ack(msg);
    });
    s.on(DockerVerbs.Restart, async (msg) => {
      if (this.state.Running) {
        const stopped = new Promise<void>((r) => this.exitWaiters.add(r));
        this.proc?.kill(137);
        await stopped;
      }
      this.start();
      await ack(msg);
    });
    s.on(DockerVerbs.Pause, async (msg) => {
      if (!this.state.Running) throw this.notRunning();
      if (this.state.Paused) throw new ConflictError(`Container ${this.id} is already paused`);
      this.state = { ...this.state, Status: "paused", Paused: true };
      this.backend.event(this, "pause");
      await ack(msg);
    });
    s.on(DockerVerbs.Unpause, async (msg) => {
      if (!this.state.Paused) throw new ConflictError(`Container ${this.id} is not paused`);
      this.state = { ...this.state, Status: "running", Paused: false };
      this.backend.event(this, "unpause");
      await ack(msg);
    });
    s.on(DockerVerbs.Rename, async (msg) => {
      const n = msg.args[0] ?? "";
      const other = this.backend.byName(n);
      if (other && other !== this) throw this.backend.nameConflict(n, other);
      this.name = n;
      this.backend.event(this, "rename");
      await ack(msg);
    });
    s.on(DockerVerbs.Remove, async (msg) => {
      const o = JSON.parse(msg.args[0] || "{}") as { force?: boolean };
      if (this.state.Running && !o.force) {
        throw new ConflictError(
          `You cannot remove a running container ${this.id}. Stop the container before attempting removal or force remove`,
        );
      }
      if (this.state.Running) {
        const stopped = new Promise<void>((r) => this.exitWaiters.add(r));
        this.proc?.kill(137);
        await stopped;
      }
      this.backend.remove(this);
      await ack(msg);
    });
    s.on(DockerVerbs.Wait, async (msg) => {
      const cond = msg.args[0] || "not-running";
      const done = new Promise<void>((r) => {
        if (cond === "removed") this.removeWaiters.add(r);
        else if (cond === "not-running" && !this.state.Running) r();
        else this.exitWaiters.add(r);
      });
      await ack(msg);
      await done;
      await reply(msg, Verbs.Set, [JSON.stringify({ StatusCode: this.state.ExitCode, Error: null })]);
    });
    s.on(DockerVerbs.Logs, async (msg) => {
      const o = JSON.parse(msg.args[0] || "{}") as { follow?: boolean; tail?: string; timestamps?: boolean };
      await ack(msg, [String(this.tty)]);
      const lines = o.tail && o.tail !== "all" ? this.logs.slice(-Number(o.tail)) : this.logs.slice();
      for (const l of lines) {
        if (!(await reply(msg, Verbs.Log, [l.stream, o.timestamps ? `${l.time} ${l.chunk}` : l.chunk])))
          return;
      }
      if (!o.follow || !this.state.Running) return;
      await this.stream(msg);
    });
    s.on(Verbs.Attach, async (msg) => {
      const [stdinRet, stdinIn] = ((): [Sender, ReturnType<typeof pipe>[0]] => {
        const [r, w] = pipe();
        return [w, r];
      })();
      void (async () => {
        for await (const m of stdinIn) {
          if (m.verb !== Verbs.Log) continue;
          if (this.proc) {
            this.proc.stdin.push(m.args[1] ?? "");
            this.proc.onStdin?.();
          } else this.pendingStdin.push(m.args[1] ?? "");
        }
        if (this.proc) {
          this.proc.stdinEnded = true;
          this.proc.onStdin?.();
        } else this.pendingStdinEnd = true;
      })();
      await ack(msg, [String(this.tty)], stdinRet);
      this.backend.event(this, "attach");
      await this.stream(msg);
    });
    s.on(DockerVerbs.Resize, (msg) => ack(msg).then(() => undefined));
    s.on(DockerVerbs.Exec, async (msg) => {
      if (!this.state.Running) throw this.notRunning();
      const cfg = JSON.parse(msg.args[0]!) as { Cmd: string[]; Tty?: boolean };
      const id = randomBytes(32).toString("hex");
      this.execs.add(id);
      await ack(msg, [id], this.backend.exec(this, id, cfg.Cmd, cfg.Tty === true));
    });
    s.catchAll(() => {
      throw new NotImplementedError();
    });
    return s;
  }

  /** Forward live output to `msg.ret` until the container exits or the reader goes away. */
  private async stream(msg: Message): Promise<void> {
    const queue: [string, string][] = [];
    let wake: (() => void) | undefined;
    const l: Listener = (s, c) => {
      queue.push([s, c]);
      wake?.();
    };
    this.listeners.add(l);
    try {
      while (true) {
        while (queue.length === 0) await new Promise<void>((r) => (wake = r));
        const [s, c] = queue.shift()!;
        if (s === "eof") return;
        if (!(await reply(msg, Verbs.Log, [s, c]))) return;
      }
    } finally {
      this.listeners.delete(l);
    }
  }
}

export class FakeBackend extends Server {
  containers = new Map<string, Container>();
  events: { json: string; time: number }[] = [];
  watchers = new Set<(json: string) => void>();
  requests: string[] = [];
  private counter = 0;

  constructor() {
    super();
    this.on(Verbs.Get, async (msg) => {
      const what = msg.args[0] ?? "info";
      this.requests.push(`Get ${what}`);
      if (what === "containers") throw new NotImplementedError();
      const docs: Record<string, unknown> = {
        info: {
          ID: "FAKE",
          Containers: this.containers.size,
          Images: 1,
          Name: "fake",
          ServerVersion: "0.0.0-fake",
          OSType: "linux",
        },
        version: {
          Version: "0.0.0-fake",
          ApiVersion: "1.41",
          MinAPIVersion: "1.12",
          Os: "linux",
          Arch: "amd64",
          Components: [],
        },
        images: [
          {
            Id: "sha256:busybox",
            RepoTags: ["busybox:latest"],
            Created: 0,
            Size: 1,
            Containers: -1,
            Labels: null,
          },
        ],
        df: { LayersSize: 0, Images: [], Containers: [], Volumes: [], BuildCache: [] },
      };
      if (what === "image") {
        if (msg.args[1] !== "busybox" && msg.args[1] !== "busybox:latest")
          throw new NotFoundError(`No such image: ${msg.args[1]}`);
        await reply(msg, Verbs.Set, [JSON.stringify({ Id: "sha256:busybox", RepoTags: ["busybox:latest"] })]);
        return;
      }
      if (!(what in docs)) throw new InvalidArgumentError(`unknown Get ${what}`);
      await reply(msg, Verbs.Set, [JSON.stringify(docs[what])]);
    });
    this.on(Verbs.Ls, async (msg) => {
      this.requests.push("Ls");
      await reply(msg, Verbs.Set, [...this.containers.keys()]);
    });
    this.on(Verbs.Attach, async (msg) => {
      const c = this.find(msg.args[0] ?? "");
      await ack(msg, [c.id], c.object);
    });
    this.on(Verbs.Spawn, async (msg) => {
      this.requests.push("Spawn");
      const cfg = JSON.parse(msg.args[0]!) as Record<string, unknown>;
      const image = String(cfg.Image);
      if (!image.startsWith("busybox"))
        throw new NotFoundError(`No such image: ${image.includes(":") ? image : `${image}:latest`}`);
      let name = msg.args[1] ?? "";
      if (name) {
        const other = this.byName(name);
        if (other) throw this.nameConflict(name, other);
      } else name = `fake_${++this.counter}`;
      const c = new Container(this, name, cfg);
      this.containers.set(c.id, c);
      this.event(c, "create");
      await ack(msg, [c.id], c.object);
    });
    this.on(Verbs.Watch, async (msg) => {
      const o = JSON.parse(msg.args[0] || "{}") as {
        since?: number;
        until?: number;
        filters?: Record<string, string[]>;
      };
      await ack(msg);
      const ok = (json: string) => {
        const e = JSON.parse(json) as { Action: string; id: string };
        const f = o.filters ?? {};
        if (f.event?.length && !f.event.includes(e.Action)) return false;
        if (f.container?.length && !f.container.some((c) => e.id.startsWith(c))) return false;
        return true;
      };
      if (o.since !== undefined) {
        for (const e of this.events) {
          if (e.time >= o.since && (o.until === undefined || e.time <= o.until) && ok(e.json)) {
            if (!(await reply(msg, Verbs.Set, [e.json]))) return;
          }
        }
      }
      if (o.until !== undefined && o.until <= Date.now() / 1000) return;
      const queue: string[] = [];
      let wake: (() => void) | undefined;
      const w = (json: string) => {
        if (ok(json)) {
          queue.push(json);
          wake?.();
        }
      };
      this.watchers.add(w);
      const timer =
        o.until !== undefined ? setTimeout(() => wake?.(), o.until * 1000 - Date.now()) : undefined;
      try {
        while (true) {
          while (queue.length === 0) {
            if (o.until !== undefined && Date.now() / 1000 >= o.until) return;
            await new Promise<void>((r) => (wake = r));
          }
          if (!(await reply(msg, Verbs.Set, [queue.shift()!]))) return;
        }
      } finally {
        clearTimeout(timer);
        this.watchers.delete(w);
      }
    });
    this.on(DockerVerbs.Pull, async (msg) => {
      if (!msg.args[0]?.includes("busybox"))
        throw new NotFoundError(`pull access denied for ${msg.args[0]}, repository does not exist`);
      await ack(msg);
      await reply(msg, Verbs.Log, [
        "progress",
        JSON.stringify({ status: `Pulling from ${msg.args[0]}`, id: msg.args[1] }),
      ]);
    });
    this.catchAll(() => {
      throw new NotImplementedError();
    });
  }

  byName(name: string): Container | undefined {
    const n = name.replace(/^\//, "");
    for (const c of this.containers.values()) if (c.name === n) return c;
    return undefined;
  }

  nameConflict(name: string, other: Container): ConflictError {
    return new ConflictError(
      `Conflict. The container name "/${name}" is already in use by container "${other.id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
  }

  find(ref: string): Container {
    const byName = this.byName(ref);
    if (byName) return byName;
    const exact = this.containers.get(ref);
    if (exact) return exact;
    const matches = ref ? [...this.containers.values()].filter((c) => c.id.startsWith(ref)) : [];
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new InvalidArgumentError(`multiple IDs found with provided prefix: ${ref}`);
    throw new NotFoundError(`No such container: ${ref}`);
  }

  remove(c: Container): void {
    if (!this.containers.delete(c.id)) return;
    this.event(c, "destroy");
    for (const w of [...c.removeWaiters]) w();
  }

  event(c: Container, action: string, extra: Record<string, string> = {}): void {
    const t = Date.now();
    // A timeNano beyond 2^53, written by hand so that it reaches the client byte for byte.
    const nano = `${BigInt(t) * 1_000_000n + 123_457n}`;
    const json = `{"status":"${action}","id":"${c.id}","from":"${String(c.config.Image)}","Type":"container","Action":"${action}","Actor":{"ID":"${c.id}","Attributes":${JSON.stringify({ ...extra, image: String(c.config.Image), name: c.name })}},"scope":"local","time":${Math.floor(t / 1000)},"timeNano":${nano}}`;
    this.events.push({ json, time: t / 1000 });
    for (const w of this.watchers) w(json);
  }

  exec(c: Container, id: string, cmd: string[], tty: boolean): Sender {
    const st = { Running: false, ExitCode: 0 as number | null, Pid: 0 };
    const s = new Server();
    s.on(Verbs.Get, (msg) =>
      reply(msg, Verbs.Set, [
        JSON.stringify({
          ID: id,
          Running: st.Running,
          ExitCode: st.ExitCode,
          Pid: st.Pid,
          ContainerID: c.id,
          ProcessConfig: { tty, entrypoint: cmd[0], arguments: cmd.slice(1) },
        }),
      ]).then(() => undefined),
    );
    s.on(DockerVerbs.Resize, (msg) => ack(msg).then(() => undefined));
    s.on(Verbs.Start, async (msg) => {
      if (st.Running) throw new ConflictError(`Error: Exec command ${id} is already running`);
      st.Running = true;
      const [stdinIn, stdinRet] = pipe();
      const out: [string, string][] = [];
      let wake: (() => void) | undefined;
      const proc = runProc(cmd, tty, (stream, chunk) => {
        out.push([stream, chunk]);
        wake?.();
      });
      let finished = false;
      void proc.done.then((code) => {
        st.Running = false;
        st.ExitCode = code;
        finished = true;
        wake?.();
      });
      void (async () => {
        for await (const m of stdinIn) {
          proc.stdin.push(m.args[1] ?? "");
          proc.onStdin?.();
        }
        proc.stdinEnded = true;
        proc.onStdin?.();
      })();
      const o = JSON.parse(msg.args[0] || "{}") as { Detach?: boolean };
      await ack(msg, [String(tty)], stdinRet);
      if (o.Detach) return;
      while (true) {
        while (out.length === 0 && !finished) await new Promise<void>((r) => (wake = r));
        if (out.length === 0) return;
        const [stream, chunk] = out.shift()!;
        if (!(await reply(msg, Verbs.Log, [stream, chunk]))) return;
      }
    });
    s.catchAll(() => {
      throw new NotImplementedError();
    });
    return s;
  }
}
