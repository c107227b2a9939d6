/**
 * A test server run as a child process (registry, sshd): its output kept for error messages,
 * killed and its temp dir removed by stop() or, if the test process dies first, on exit.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";

export interface ServerProcess {
  log(): string;
  /** SIGTERM, SIGKILL after 5 s; then the temp dir goes. */
  stop(): Promise<void>;
}

/**
 * Spawn `bin args`, then poll `ready()` every 50 ms; if the child exits or `timeoutMs` passes
 * first, stop it and throw `${failure}:\n${log}`.
 */
export async function startServerProcess(
  bin: string,
  args: string[],
  dir: string,
  opts: { ready: () => Promise<boolean>; timeoutMs: number; failure: string },
): Promise<ServerProcess> {
  const proc: ChildProcess = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stdout!.on("data", (d) => (log += d));
  proc.stderr!.on("data", (d) => (log += d));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  // A test process that dies without stopping it must not leave the server behind.
  const onExit = () => {
    proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  const stop = async () => {
    process.removeListener("exit", onExit);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + opts.timeoutMs;
  while (!(await opts.ready())) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${opts.failure}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { log: () => log, stop };
}
