import { parseScript, type Script, type SimpleCommand, type Word } from "./shell.ts";
import { isLethal, SIGKILL } from "./signals.ts";
import type { StdinQueue } from "./stdin.ts";

/**
 * A simulated process: the command of a container or an exec, interpreted in memory. See the
 * README ("Processes") for what each command does. It can be paused (its timers and reads freeze),
 * signalled (it dies with 128+n unless it trapped the signal) and killed; it never leaves a timer
 * behind once it has exited.
 */

export type OutStream = "stdout" | "stderr";

export interface ProcessIO {
  /** Emit output (a byte string). May wait (back-pressure from attached readers). */
  write(stream: OutStream, data: string): Promise<void>;
  /** Its stdin, or undefined for /dev/null. */
  stdin: StdinQueue | undefined;
  /** Environment, `KEY=value` strings. */
  env: readonly string[];
  hostname: string;
  tty: boolean;
  /** Working directory (`pwd`); default `/`. */
  cwd?: string;
  /** User (`whoami`); default `root`. */
  user?: string;
}

/** A process listed by `top`: the main one and the children it is running (sleep, cat…). */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  cmd: string;
  startedMs: number;
}

class Died extends Error {}
class ExitRequest extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Commands that run until stopped: no input, no output, no end. */
const forever = Symbol("forever");

export class SimProcess {
  exitCode: number | undefined;
  readonly exited: Promise<number>;
  readonly startedMs = Date.now();
  /** Children currently running, for `top`. */
  readonly children = new Map<number, ProcessEntry>();

  private resolveExit!: (code: number) => void;
  private paused = false;
  private resumeWaiters: (() => void)[] = [];
  private pauseListeners = new Set<() => void>();
  /**
   * The rejecters of the waits in progress: death rejects them all. (Racing every wait with one
   * long-lived "death" promise would pile reactions onto it for as long as the process lives.)
   */
  private readonly killers = new Set<(err: Error) => void>();
  /** Signal → what a `trap` asked for: "" ignore, else an exit code. */
  private readonly traps = new Map<number, number | "ignore">();
  private lastStatus = 0;
  private mainPidUsed = false;
  /** Shell variables set by `NAME=value`, `for` and `read` (all shells of this process share them). */
  private readonly vars = new Map<string, string>();

  constructor(
    readonly pid: number,
    readonly argv: readonly string[],
    private readonly io: ProcessIO,
    private readonly nextPid: () => number,
  ) {
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Run the command; `exited` settles with the exit code. */
  start(): void {
    void this.main().then(
      (code) => this.finish(code),
      (err) => {
        if (err instanceof ExitRequest) this.finish(err.code);
        else if (!(err instanceof Died)) this.finish(255);
      },
    );
  }

  /**
   * Deliver a signal. Returns true when the process dies of it. KILL always kills (even paused);
   * other lethal signals kill unless trapped, and wait for `resume` when the process is paused.
   */
  signal(signo: number): boolean {
    if (!this.running) return false;
    if (signo === SIGKILL) {
      this.finish(128 + SIGKILL);
      return true;
    }
    const trap = this.traps.get(signo);
    if (trap === "ignore" || (!isLethal(signo) && trap === undefined)) return false;
    if (this.paused) {
      // A frozen process handles the signal when it thaws.
      this.resumeWaiters.push(() => this.signal(signo));
      return false;
    }
    this.finish(trap === undefined ? 128 + signo : trap);
    return true;
  }

  pause(): void {
    if (!this.running || this.paused) return;
    this.paused = true;
    for (const l of this.pauseListeners) l();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const waiters = this.resumeWaiters;
    this.resumeWaiters = [];
    for (const w of waiters) w();
  }

  private finish(code: number): void {
    if (this.exitCode !== undefined) return;
    this.exitCode = code;
    this.paused = false;
    this.children.clear();
    this.resumeWaiters = [];
    const killers = [...this.killers];
    this.killers.clear();
    for (const k of killers) k(new Died());
    this.resolveExit(code);
  }

  // --- waits that freeze while paused and end when the process dies ---

  /** Wait for `setup`'s promise, or reject with Died as soon as the process dies. */
  private interruptible<T>(
    setup: (resolve: (v: T) => void, reject: (e: unknown) => void) => void,
  ): Promise<T> {
    if (!this.running) return Promise.reject(new Died());
    return new Promise<T>((resolve, reject) => {
      const kill = (e: Error) => reject(e);
      this.killers.add(kill);
      setup(
        (v) => {
          this.killers.delete(kill);
          resolve(v);
        },
        (e) => {
          this.killers.delete(kill);
          reject(e);
        },
      );
    });
  }

  private async gate(): Promise<void> {
    while (this.paused) await this.interruptible<void>((resolve) => this.resumeWaiters.push(resolve));
    if (!this.running) throw new Died();
  }

  /** Sleep `ms` of running time (paused time does not count); Infinity sleeps until killed. */
  private async sleep(ms: number): Promise<void> {
    let remaining = ms;
    while (remaining > 0) {
      await this.gate();
      const began = Date.now();
      let timer: NodeJS.Timeout | undefined;
      let onPause: (() => void) | undefined;
      try {
        const finished = await this.interruptible<boolean>((resolve) => {
          if (Number.isFinite(remaining)) timer = setTimeout(() => resolve(true), remaining);
          onPause = () => resolve(false);
          this.pauseListeners.add(onPause);
        });
        if (finished) return;
      } finally {
        clearTimeout(timer);
        if (onPause) this.pauseListeners.delete(onPause);
      }
      remaining -= Date.now() - began;
    }
    await this.gate();
  }

  private async write(stream: OutStream, data: string): Promise<void> {
    await this.gate();
    await this.interruptible<void>((resolve, reject) => this.io.write(stream, data).then(resolve, reject));
  }

  private async readStdin(): Promise<string | undefined> {
    await this.gate();
    const stdin = this.io.stdin;
    if (!stdin) return undefined;
    const chunk = await this.interruptible<string | undefined>((resolve, reject) =>
      stdin.read().then(resolve, reject),
    );
    await this.gate();
    return chunk;
  }

  // --- the interpreter ---

  private async main(): Promise<number> {
    const result = await this.exec([...this.argv], { 1: 1, 2: 2 }, this.pid);
    return result === forever ? this.sleep(Number.POSITIVE_INFINITY).then(() => 0) : result;
  }

  private env(name: string): string {
    if (name === "?") return String(this.lastStatus);
    const v = this.vars.get(name);
    if (v !== undefined) return v;
    if (name === "HOSTNAME") return this.io.hostname;
    const prefix = `${name}=`;
    const hit = [...this.io.env].reverse().find((e) => e.startsWith(prefix));
    return hit === undefined ? (name === "HOME" ? "/root" : "") : hit.slice(prefix.length);
  }

  private expand(word: Word): string {
    return word.map((p) => ("lit" in p ? p.lit : this.env(p.var))).join("");
  }

  private async runScript(script: Script, fds: Fds, ppid: number): Promise<number | typeof forever> {
    let status = 0;
    for (const { op, cmd } of script) {
      if (op === "&&" && status !== 0) continue;
      if (op === "||" && status === 0) continue;
      let result: number | typeof forever;
      if (cmd.kind === "simple") result = await this.runSimple(cmd, fds, ppid);
      else if (cmd.kind === "for") {
        result = 0;
        const items = cmd.words.map((w) => this.expand(w)).flatMap((x) => x.split(/\s+/).filter(Boolean));
        for (const item of items) {
          this.vars.set(cmd.name, item);
          const r = await this.runScript(cmd.body, fds, ppid);
          if (r === forever) return forever;
          result = r;
        }
      } else if (cmd.kind === "if") {
        const c = await this.runScript(cmd.cond, fds, ppid);
        if (c === forever) return forever;
        if (c === 0) result = await this.runScript(cmd.then, fds, ppid);
        else result = cmd.otherwise ? await this.runScript(cmd.otherwise, fds, ppid) : 0;
      } else {
        result = 0;
        while (true) {
          const c = await this.runScript(cmd.cond, fds, ppid);
          if (c === forever) return forever;
          if ((c === 0) !== (cmd.kind === "while")) break;
          const r = await this.runScript(cmd.body, fds, ppid);
          if (r === forever) return forever;
          result = r;
          // A loop with no waiting inside would starve the event loop; yield like a scheduler would.
          await this.sleep(1);
        }
      }
      if (result === forever) return forever;
      status = result;
      this.lastStatus = status;
    }
    return status;
  }

  private async runSimple(cmd: SimpleCommand, fds: Fds, ppid: number): Promise<number | typeof forever> {
    for (const a of cmd.assigns) this.vars.set(a.name, this.expand(a.value));
    if (cmd.words.length === 0) return 0;
    const argv = cmd.words.map((w) => this.expand(w));
    const next: Fds = { 1: fds[1], 2: fds[2] };
    for (const fd of [1, 2] as const) {
      const to = cmd.redirect[fd];
      if (to !== undefined) next[fd] = to === null ? null : fds[to];
    }
    return this.exec(argv, next, ppid);
  }

  private async out(fds: Fds, fd: 1 | 2, data: string): Promise<void> {
    const target = fds[fd];
    if (target === null || data.length === 0) return;
    await this.write(target === 2 ? "stderr" : "stdout", data);
  }

  /** Run one command. Builtins run in this process; others show up as children in `top`. */
  private async exec(argv: string[], fds: Fds, ppid: number): Promise<number | typeof forever> {
    const [path = "", ...args] = argv;
    const name = path.split("/").pop()!;
    switch (name) {
      case "true":
      case ":":
        return 0;
      case "false":
        return 1;
      case "exit":
        throw new ExitRequest(args[0] === undefined ? this.lastStatus : Number(args[0]) & 0xff);
      case "echo": {
        let rest = args;
        let newline = true;
        let escapes = false;
        while (rest[0] !== undefined && /^-[neE]+$/.test(rest[0])) {
          if (rest[0].includes("n")) newline = false;
          if (rest[0].includes("e")) escapes = true;
          rest = rest.slice(1);
        }
        const text = rest.join(" ");
        await this.out(fds, 1, `${escapes ? echoEscapes(text) : text}${newline ? "\n" : ""}`);
        return 0;
      }
      case "printf":
        await this.out(fds, 1, printf(args));
        return 0;
      case "pwd":
        await this.out(fds, 1, `${this.io.cwd || "/"}\n`);
        return 0;
      case "seq": {
        const nums = args.map(Number);
        if (nums.length === 0 || nums.length > 3 || nums.some((n) => !Number.isFinite(n))) {
          await this.out(fds, 2, "seq: invalid arguments\n");
          return 1;
        }
        const [first, step, last] =
          nums.length === 1
            ? [1, 1, nums[0]!]
            : nums.length === 2
              ? [nums[0]!, 1, nums[1]!]
              : [nums[0]!, nums[1]!, nums[2]!];
        if (step === 0) return 1;
        let out = "";
        for (let n = first, count = 0; step > 0 ? n <= last : n >= last; n += step, count++) {
          // Output is paced by the reader, but keep one write bounded.
          if (count > 100_000) break;
          out += `${n}\n`;
        }
        await this.out(fds, 1, out);
        return 0;
      }
      case "date":
        await this.out(fds, 1, `${dateText(new Date())}\n`);
        return 0;
      case "hostname":
        await this.out(fds, 1, `${this.io.hostname}\n`);
        return 0;
      case "whoami":
        await this.out(fds, 1, `${(this.io.user || "root").split(":")[0]}\n`);
        return 0;
      case "uname":
        await this.out(
          fds,
          1,
          args.includes("-a") ? `Linux ${this.io.hostname} 6.1.0 #1 SMP x86_64 GNU/Linux\n` : "Linux\n",
        );
        return 0;
      case "env":
        if (args.length > 0) {
          const cmd = args.slice(args.findIndex((a) => !a.includes("=")));
          return cmd.length > 0 && !cmd[0]!.includes("=") ? this.exec(cmd, fds, ppid) : 0;
        }
        await this.out(
          fds,
          1,
          [...this.io.env, `HOSTNAME=${this.io.hostname}`, "HOME=/root"].map((e) => `${e}\n`).join(""),
        );
        return 0;
      case "trap":
        return this.trap(args);
      case "read":
        return this.read(args);
      default:
        return this.child(name, argv, args, fds, ppid);
    }
  }

  /** `read [-r] NAME…`: one line of stdin; the last name gets the rest of the line. 1 at EOF. */
  private readBuffer = "";
  private async read(args: string[]): Promise<number> {
    const names = args.filter((a) => a !== "-r");
    let nl = this.readBuffer.indexOf("\n");
    while (nl < 0) {
      const chunk = await this.readStdin();
      if (chunk === undefined) break;
      this.readBuffer += chunk;
      nl = this.readBuffer.indexOf("\n");
    }
    if (nl < 0 && this.readBuffer === "") return 1;
    const line = nl < 0 ? this.readBuffer : this.readBuffer.slice(0, nl);
    this.readBuffer = nl < 0 ? "" : this.readBuffer.slice(nl + 1);
    const fields = line.trim().split(/\s+/);
    (names.length ? names : ["REPLY"]).forEach((n, i, all) => {
      this.vars.set(n, i === all.length - 1 ? fields.slice(i).join(" ") : (fields[i] ?? ""));
    });
    return nl < 0 ? 1 : 0;
  }

  private trap(args: string[]): number {
    const [action, ...sigs] = args;
    if (action === undefined) return 0;
    for (const s of sigs) {
      const signo = /^\d+$/.test(s) ? Number(s) : SIGNALS_BY_NAME[s.toUpperCase().replace(/^SIG/, "")];
      if (signo === undefined || signo === SIGKILL) continue;
      if (action === "-") this.traps.delete(signo);
      else if (action.trim() === "") this.traps.set(signo, "ignore");
      else {
        const m = /^\s*exit\s+(\d+)\s*;?\s*$/.exec(action);
        this.traps.set(signo, m ? Number(m[1]) & 0xff : 0);
      }
    }
    return 0;
  }

  /** Commands that would be separate programs: listed as children in `top` while they run. */
  private async child(
    name: string,
    argv: string[],
    args: string[],
    fds: Fds,
    ppid: number,
  ): Promise<number | typeof forever> {
    // The first program run is the process itself (PID 1 of the container); later ones are children.
    const isMain = !this.mainPidUsed;
    this.mainPidUsed = true;
    const pid = isMain ? this.pid : this.nextPid();
    if (!isMain) this.children.set(pid, { pid, ppid, cmd: argv.join(" "), startedMs: Date.now() });
    try {
      switch (name) {
        case "sleep": {
          const secs = args.length === 0 ? Number.NaN : sleepSeconds(args);
          if (Number.isNaN(secs)) {
            await this.out(fds, 2, "sleep: invalid number\n");
            return 1;
          }
          await this.sleep(secs * 1000);
          return 0;
        }
        case "cat": {
          if (args.length > 0 && args.some((a) => a !== "-")) {
            for (const a of args.filter((x) => x !== "-"))
              await this.out(fds, 2, `cat: can't open '${a}': No such file or directory\n`);
            return 1;
          }
          while (true) {
            const chunk = await this.readStdin();
            if (chunk === undefined) return 0;
            await this.out(fds, 1, chunk);
          }
        }
        case "sh":
        case "ash":
        case "bash": {
          try {
            if (args[0] === "-c") {
              const script = parseScript(args[1] ?? "");
              if (script === undefined) return forever;
              return await this.runScript(script, fds, pid);
            }
            if (args.length > 0) return forever;
            return await this.shell(fds, pid);
          } catch (err) {
            // `exit` leaves this shell only.
            if (err instanceof ExitRequest) return err.code;
            throw err;
          }
        }
        default:
          return forever;
      }
    } finally {
      this.children.delete(pid);
    }
  }

  /** An `sh` reading commands from stdin, one line at a time (with a prompt on a TTY). */
  private async shell(fds: Fds, pid: number): Promise<number | typeof forever> {
    let pending = "";
    let status = 0;
    while (true) {
      if (this.io.tty) await this.out(fds, 2, "/ # ");
      let line: string | undefined;
      while (true) {
        const nl = pending.indexOf("\n");
        if (nl >= 0) {
          line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          break;
        }
        const chunk = await this.readStdin();
        if (chunk === undefined) {
          line = pending.length > 0 ? pending : undefined;
          pending = "";
          break;
        }
        pending += chunk;
      }
      if (line === undefined) return status;
      if (line.trim() === "") continue;
      const script = parseScript(line);
      if (script === undefined) {
        await this.out(fds, 2, `sh: syntax not supported by the simulator: ${line}\n`);
        status = 2;
        continue;
      }
      const r = await this.runScript(script, fds, pid);
      if (r === forever) return forever;
      status = r;
      this.lastStatus = r;
    }
  }
}

type Fds = { 1: 1 | 2 | null; 2: 1 | 2 | null };

const SIGNALS_BY_NAME: Record<string, number> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  USR1: 10,
  USR2: 12,
  ALRM: 14,
  TERM: 15,
};

function sleepSeconds(args: string[]): number {
  let total = 0;
  for (const a of args) {
    if (a === "infinity" || a === "inf") return Number.POSITIVE_INFINITY;
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(a);
    if (!m) return Number.NaN;
    total += Number(m[1]) * ({ "": 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2]!]!;
  }
  return total;
}

/** `printf FORMAT ARGS…` with %s, %d and the escapes \n \t \\ (enough for scripts in tests). */
function printf(args: string[]): string {
  const [format = "", ...rest] = args;
  let i = 0;
  return format
    .replace(/%([sd%])/g, (_, c: string) =>
      c === "%" ? "%" : c === "d" ? String(Number(rest[i++] ?? 0) | 0) : (rest[i++] ?? ""),
    )
    .replace(/\\n/g, "\n")
    .replace(/\\t/g, "\t")
    .replace(/\\\\/g, "\\");
}

/** `echo -e` escapes: `\n`, `\t`, `\\` and `\c` (stop output). */
function echoEscapes(text: string): string {
  const cut = text.indexOf("\\c");
  const t = cut >= 0 ? text.slice(0, cut) : text;
  return t.replace(/\\([nt\\])/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : "\\"));
}

/** `date`'s default format, in UTC: `Thu Nov 26 06:48:23 UTC 2026`. */
function dateText(d: Date): string {
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}
