import { spawn as spawnChild } from "node:child_process";
import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../../core/errors.ts";
import { commandLine, type LaunchSpec } from "./launch.ts";
import { childrenOf, isSameProcess, signalPid, signalTree, startTimeOf } from "./proctree.ts";
import { openPty } from "./pty.ts";
import { exitCodeOf } from "./signals.ts";

export type OutputStream = "stdout" | "stderr";

export interface ExitInfo {
  exitCode: number;
  /** The signal that ended the process, if any. */
  signal: NodeJS.Signals | null;
}

/** What the supervisor reports while a process runs. */
export interface ProcessEvents {
  /** A chunk of output. Returning false asks the supervisor to pause reading (back-pressure). */
  output(stream: OutputStream, chunk: Buffer): boolean;
  /** The process exited and its output has ended. Called once. */
  exit(info: ExitInfo): void;
}

/** A running process under supervision. */
export interface Supervised {
  /** The spawned process (the leader of its process group). */
  readonly leader: number;
  /** The program's PID: the leader, or with --isolate the namespace's PID 1 as the host sees it. */
  readonly pid: number;
  /** The kernel start time of `pid`, to recognise it after a swarmd restart. */
  readonly startTime: string | undefined;
  /** Resolves when the process can take more (back-pressure on stdin). */
  write(chunk: Buffer): Promise<void>;
  /** Stdin's EOF (with a TTY: an end-of-file character, though the engine never sends one). */
  endInput(): void;
  resize(rows: number, cols: number): void;
  /** Resume reading output after `output` returned false. */
  resume(): void;
  /** Signal the program only, as the engine signals a container's PID 1. */
  signal(sig: NodeJS.Signals): void;
  /** Signal every process of the container. */
  signalAll(sig: NodeJS.Signals): void;
  readonly exited: Promise<ExitInfo>;
}

const pidWaitMs = 5000;
/** How often a pty's program is checked, and how long its output must be quiet once it is gone. */
const quietMs = 15;

/**
 * With --isolate the leader is `unshare` (`nsenter` for an exec) and the program is its only child.
 * Wait until that child has exec'd: before, it is still a copy of the helper, and with --isolate it
 * has not mounted its own /proc yet (an exec joining it then would see the host's).
 */
async function findInitPid(leader: number, wrapped: boolean): Promise<number> {
  if (!wrapped) return leader;
  const until = Date.now() + pidWaitMs;
  let kid: number | undefined;
  while (Date.now() < until) {
    kid = childrenOf(leader)[0] ?? kid;
    // The leader may itself be a wrapper that has not exec'd the helper yet: compare with it now.
    if (kid !== undefined && cmdlineOf(kid) !== cmdlineOf(leader)) return kid;
    // Already over (a program that exits at once): nothing more will appear.
    if (!isSameProcess(leader, undefined)) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  return kid ?? leader;
}

function cmdlineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1");
  } catch {
    return undefined;
  }
}

/** The program's PID and kernel start time, to tell it from a later process given the same PID. */
interface Program {
  pid: number;
  start: string | undefined;
}

async function findProgram(leader: number, spec: LaunchSpec): Promise<Program> {
  const pid = await findInitPid(leader, spec.isolate !== undefined || spec.enter !== undefined);
  return { pid, start: startTimeOf(pid) };
}

/**
 * Wait (briefly) until the program's PID is really gone. Its pipes close a moment before the kernel
 * has finished killing a PID namespace, and an exit must only be reported once nothing is left.
 */
async function gone(program: Program | undefined): Promise<void> {
  if (!program) return;
  const until = Date.now() + pidWaitMs;
  while (isSameProcess(program.pid, program.start) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Start `spec` and supervise it. Resolves once the process exists (its PID known), or rejects with
 * the engine's wording when it cannot start.
 */
export async function launch(spec: LaunchSpec, events: ProcessEvents): Promise<Supervised> {
  const argv = commandLine(spec);
  return spec.tty ? launchPty(spec, argv, events) : launchPipes(spec, argv, events);
}

async function launchPipes(spec: LaunchSpec, argv: string[], events: ProcessEvents): Promise<Supervised> {
  const child = spawnChild(argv[0]!, argv.slice(1), {
    cwd: spec.cwd,
    env: spec.env,
    stdio: [spec.openStdin ? "pipe" : "ignore", "pipe", "pipe"],
    // A session of its own: signals to swarmd's terminal do not reach it, and its group can be signalled.
    detached: true,
  });
  // Every listener is attached before the first await: a short-lived process may be gone by then.
  // A later 'error' (none is expected once it runs) must not go unheard and crash swarmd.
  child.on("error", () => {});
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new InvalidArgumentError(
          `exec: "${argv[0]}": ${err.code === "ENOENT" ? "executable file not found in $PATH" : err.message}`,
        ),
      ),
    );
  });
  const paused = new Set<OutputStream>();
  // Once the program has exited, what is left in the pipes is bounded: read it all, whatever the readers.
  let draining = false;
  for (const stream of ["stdout", "stderr"] as const) {
    const readable = child[stream]!;
    readable.on("data", (chunk: Buffer) => {
      if (!events.output(stream, chunk) && !draining) {
        readable.pause();
        paused.add(stream);
      }
    });
  }
  child.stdin?.on("error", () => {
    // The process closed its stdin (or exited): later input is dropped, as the engine does.
  });
  const exited = new Promise<ExitInfo>((resolve) => {
    let info: ExitInfo | undefined;
    child.once("exit", (code, signal) => {
      info = { exitCode: exitCodeOf(code, signal), signal };
      // The program is gone: nothing else of the container may outlive it (the engine kills the rest).
      if (child.pid) signalPid(-child.pid, "SIGKILL");
      draining = true;
      for (const s of paused) child[s]?.resume();
      paused.clear();
      // A descendant that left the group may still hold the pipes; do not wait for it forever.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, 1000).unref();
    });
    child.once("close", (code, signal) => {
      const done = info ?? { exitCode: exitCodeOf(code, signal), signal };
      void gone(program).then(() => {
        events.exit(done);
        resolve(done);
      });
    });
  });
  let program: Program | undefined;
  await spawned;
  const leader = child.pid!;
  program = await findProgram(leader, spec);
  const { pid } = program;
  return {
    leader,
    pid,
    startTime: program.start,
    write: (chunk) => {
      const stdin = child.stdin;
      if (!stdin || stdin.destroyed || stdin.writableEnded) return Promise.resolve();
      if (stdin.write(chunk)) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          stdin.off("drain", done);
          stdin.off("close", done);
          resolve();
        };
        stdin.on("drain", done);
        stdin.on("close", done);
      });
    },
    endInput: () => child.stdin?.end(),
    resize: () => {},
    resume: () => {
      for (const s of paused) child[s]?.resume();
      paused.clear();
    },
    signal: (sig) => signalPid(pid, sig),
    signalAll: (sig) => signalTree(leader, sig),
    exited,
  };
}

async function launchPty(spec: LaunchSpec, argv: string[], events: ProcessEvents): Promise<Supervised> {
  const term = await openPty(argv, { cwd: spec.cwd, env: spec.env, rows: spec.rows, cols: spec.cols });
  const leader = term.pid;
  const leaderStart = startTimeOf(leader);
  let program: Program | undefined;
  let paused = false;
  let draining = false;
  let lastData = Date.now();
  // Watch the program. Once it is gone, read what is left whatever the readers (node-pty drops a
  // pty not read within 200 ms of the exit), and once the output has gone quiet, release the
  // terminal so that the exit is reported now rather than after node-pty's grace period.
  const watch = setInterval(() => {
    if (isSameProcess(leader, leaderStart)) return;
    draining = true;
    if (paused) {
      paused = false;
      term.resume();
    }
    if (Date.now() - lastData >= quietMs) {
      clearInterval(watch);
      term.release();
    }
  }, quietMs);
  term.onData((chunk) => {
    lastData = Date.now();
    if (!events.output("stdout", chunk) && !paused && !draining) {
      paused = true;
      term.pause();
    }
  });
  const exited = new Promise<ExitInfo>((resolve) => {
    term.onExit(({ exitCode, signal }) => {
      clearInterval(watch);
      signalPid(-leader, "SIGKILL");
      const info: ExitInfo = { exitCode: exitCodeOf(exitCode, signal ?? null), signal: null };
      void gone(program).then(() => {
        events.exit(info);
        resolve(info);
      });
    });
  });
  program = await findProgram(leader, spec);
  const { pid } = program;
  return {
    leader,
    pid,
    startTime: program.start,
    write: async (chunk) => term.write(chunk),
    endInput: () => term.write(Buffer.from([4])),
    resize: (rows, cols) => {
      if (rows > 0 && cols > 0) term.resize(cols, rows);
    },
    resume: () => {
      if (paused) {
        paused = false;
        term.resume();
      }
    },
    signal: (sig) => signalPid(pid, sig),
    signalAll: (sig) => signalTree(leader, sig),
    exited,
  };
}
