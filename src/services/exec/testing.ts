import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../core/client.ts";
import { silentLogger } from "../../core/logger.ts";
import type { Message, Receiver } from "../../core/message.ts";
import { type Task, task } from "../../core/task.ts";
import { Verbs } from "../../core/verbs.ts";
import { exec } from "./index.ts";

/** An exec service instance started in-process, and a Client on its input (the backend root). */
export interface ExecUnderTest {
  root: Client;
  dir: string;
  instance: Task;
  /** Stop the instance (swarmd's shutdown). The state directory stays. */
  stop(): Promise<void>;
}

/** Start the exec service on a state directory (a new temporary one unless given). */
export async function startExec(
  args: string[] = [],
  dir = mkdtempSync(join(tmpdir(), "swarm-exec-")),
): Promise<ExecUnderTest> {
  const body = await exec.create(["--root", dir, ...args], {
    log: silentLogger,
    spawn: () => Promise.reject(new Error("not used")),
  });
  const instance = task(body);
  const { object: input, output } = await new Client(instance).attach("");
  instance.start();
  // Drain the instance's own output (nothing is expected, but it must not block).
  void (async () => {
    for await (const _ of output) {
      // ignore
    }
  })();
  return {
    root: input,
    dir,
    instance,
    async stop() {
      await instance.stop();
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The create body the docker CLI sends, with overrides. */
export function createBody(cmd: string[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Image: "busybox:latest",
    Cmd: cmd,
    Env: null,
    WorkingDir: "",
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: { NetworkMode: "none", AutoRemove: false, ConsoleSize: [0, 0] },
    ...extra,
  });
}

/** Read a reply stream to its end, collecting `Log [stream, chunk]` by stream. */
export async function collectLogs(
  replies: Receiver,
): Promise<{ stdout: string; stderr: string; all: Message[] }> {
  const out = { stdout: "", stderr: "", all: [] as Message[] };
  for await (const m of replies) {
    out.all.push(m);
    if (m.verb === Verbs.Log) {
      if (m.args[0] === "stderr") out.stderr += m.args[1];
      else out.stdout += m.args[1];
    }
  }
  return out;
}

/** Wait until `test` holds, polling; throws after `ms`. */
export async function until(
  test: () => boolean | Promise<boolean>,
  ms = 5000,
  what = "condition",
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Is a process alive (and not a zombie)? */
export function alive(pid: number): boolean {
  try {
    return procState(pid) !== "Z";
  } catch {
    return false;
  }
}

/** The state letter of a process in /proc/PID/stat (R, S, T, Z…); throws if it is gone. */
export function procState(pid: number): string {
  const raw = readFileSync(`/proc/${pid}/stat`, "latin1");
  return raw.slice(raw.lastIndexOf(")") + 2).split(" ")[0] ?? "";
}

/** PIDs whose command line is exactly `cmd` (for processes the CLI does not report, such as execs). */
export function pidsNamed(cmd: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, "latin1").split("\0").join(" ").trim() === cmd)
        out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}
