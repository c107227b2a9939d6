/**
 * Run the real docker CLI against any Docker API address, pick a free tcp port for such an address
 * or wait for one (a unix socket) to accept connections, and normalise the CLI's output so runs
 * against different backends (simulator, dockerclient → real engine) can be compared.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canConnect } from "./net.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface CliOptions {
  /** Written to the CLI's stdin, then stdin is closed. Without it stdin is /dev/null. */
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

/**
 * Poll until the unix socket at `path` accepts connections; throw `${what} did not listen on …`
 * after `timeoutMs`, or at once what `failure()` returns if it returns something (the server died).
 */
export async function waitForSocket(
  path: string,
  what: string,
  opts: { timeoutMs?: number; intervalMs?: number; failure?: () => unknown } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  while (!(await canConnect(path))) {
    const failed = opts.failure?.();
    if (failed) throw failed;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${path}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

let configDir: string | undefined;

/** An empty DOCKER_CONFIG, so the user's contexts and credentials never leak into a test. */
function dockerConfig(): string {
  if (!configDir) {
    configDir = mkdtempSync(join(tmpdir(), "swarm-docker-config-"));
    process.once("exit", () => rmSync(configDir!, { recursive: true, force: true }));
  }
  return configDir;
}

/** The environment the CLI runs with: an empty DOCKER_CONFIG, no DOCKER_HOST/CONTEXT/TLS from outside. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: dockerConfig(), ...extra };
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  delete env.DOCKER_TLS_VERIFY;
  delete env.DOCKER_CERT_PATH;
  if (!extra.DOCKER_API_VERSION) delete env.DOCKER_API_VERSION;
  return env;
}

/** Start `docker -H host args…`; the caller reads and ends it (for `logs -f`, `events`). */
export function spawnDocker(host: string, args: readonly string[], opts: CliOptions = {}): ChildProcess {
  return spawn("docker", ["-H", host, ...args], {
    env: cliEnv(opts.env),
    stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
}

/**
 * Read a CLI child's stdout and stderr until it closes; SIGKILL it after `timeoutMs` (default 20 s).
 * `onStdout` sees all stdout read so far after each chunk; `onClose` runs before the result is given.
 */
function collect(
  child: ChildProcess,
  timeoutMs = 20_000,
  hooks: { onStdout?: (stdout: string) => void; onClose?: () => void } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      hooks.onStdout?.(stdout);
    });
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      hooks.onClose?.();
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, timedOut });
    });
  });
}

/** Run `docker -H host args…` to completion (killed after `timeoutMs`, default 20 s). */
export function docker(host: string, args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const child = spawnDocker(host, args, opts);
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  return collect(child, opts.timeoutMs);
}

/**
 * Collect a streaming command's stdout until `until` matches it (or the timeout), then stop it with
 * SIGINT as a user would. Resolves with everything read.
 */
export function dockerUntil(
  host: string,
  args: readonly string[],
  until: RegExp,
  opts: CliOptions & { onStart?: () => void | Promise<void> } = {},
): Promise<CliResult> {
  const child = spawnDocker(host, args, opts);
  let stopped = false;
  child.once("spawn", () => void opts.onStart?.());
  return collect(child, opts.timeoutMs, {
    onStdout: (stdout) => {
      if (!stopped && until.test(stdout)) {
        stopped = true;
        child.kill("SIGINT");
      }
    },
  });
}

/**
 * Run `docker -H host args…` under a pseudo-terminal (script(1)), as a user at a terminal would, for
 * `-t` with `-i`. `keys` are typed one entry at a time, `delayMs` apart, after `delayMs`.
 */
export function dockerInPty(
  host: string,
  args: readonly string[],
  keys: readonly string[],
  opts: { delayMs?: number; timeoutMs?: number } = {},
): Promise<CliResult> {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = ["docker", "-H", host, ...args].map(quote).join(" ");
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    env: cliEnv(),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const delay = opts.delayMs ?? 700;
  const timers = keys.map((k, i) => setTimeout(() => child.stdin.write(k), delay * (i + 1)));
  return collect(child, opts.timeoutMs, {
    onClose: () => {
      for (const t of timers) clearTimeout(t);
      child.stdin.destroy();
    },
  });
}

/**
 * Make outputs comparable across backends and runs: full and short IDs, timestamps, relative
 * times ("3 seconds ago", "Up 2 minutes") and engine-specific version strings become placeholders.
 */
export function normalise(text: string): string {
  return text
    .replace(/\b[0-9a-f]{64}\b/g, "<id>")
    .replace(/\b[0-9a-f]{12}\b/g, "<short-id>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, "<time>")
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} \w+/g, "<time>")
    .replace(
      /(Less than a second|About an? \w+|\d+ (seconds?|minutes?|hours?|days?|weeks?|months?|years?))( ago)?/g,
      "<duration>$3",
    )
    .replace(/\(\d+\) <duration> ago/g, (m) => m);
}
