/**
 * Run the real swarmd binary (bin/swarmd.js) as a child process, for end-to-end tests.
 * Output is collected; `waitFor` resolves when a pattern shows up on stdout or stderr.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const swarmdBin = fileURLToPath(new URL("../../bin/swarmd.js", import.meta.url));

export interface SwarmdProcess {
  proc: ChildProcess;
  output(): string;
  /** Resolve when `pattern` appears in the combined output; reject after `timeoutMs` or on exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Send a signal and wait for the exit; returns the exit code (or signal name). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
  exited: Promise<number | string>;
}

/** Every swarmd a test started and has not seen exit: killed when the test process exits, so a
 * test that fails before its `stop()` leaves no daemon (or unix socket owner) behind. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

export function startSwarmd(args: string[], env: NodeJS.ProcessEnv = {}): SwarmdProcess {
  const proc = spawn(process.execPath, [swarmdBin, "--log-format", "json", ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(proc);
  proc.once("exit", () => running.delete(proc));
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  const exited = new Promise<number | string>((resolve) =>
    proc.on("exit", (code, sig) => {
      resolve(code ?? sig ?? -1);
      for (const l of listeners) l();
    }),
  );
  return {
    proc,
    exited,
    output: () => out,
    waitFor(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) return done(() => resolve(m));
          if (proc.exitCode !== null || proc.signalCode !== null)
            return done(() => reject(new Error(`swarmd exited before ${pattern}; output:\n${out}`)));
        };
        const timer = setTimeout(
          () =>
            done(() =>
              reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; output:\n${out}`)),
            ),
          timeoutMs,
        );
        const done = (f: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = "SIGTERM", timeoutMs = 15_000) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

/** Run swarmd to completion (for listing, errors); returns exit code and outputs. */
export function runSwarmd(
  args: string[],
  timeoutMs = 15_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [swarmdBin, ...args], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d) => (stdout += d));
    proc.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
