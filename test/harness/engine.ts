/**
 * Real, private Docker engines for tests, run by test/harness/engine.sh (see its header).
 *
 *   await ensureEngineInstalled();                       // once, before any engine
 *   const e = await startEngine("t-dockerclient");        // fresh dockerd + busybox:latest
 *   new Docker({ socketPath: e.socket });                 // or DOCKER_HOST=e.host
 *   await e.stop();
 *
 * Names must be unique among test files that run at the same time: starting a name that
 * exists wipes that engine first. Engines this process started and did not stop are stopped
 * when the process exits.
 */
import { execFile, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const script = join(repoRoot, "test/harness/engine.sh");
const certsScript = join(repoRoot, "test/harness/certs.sh");

export interface Engine {
  name: string;
  /** Path of the engine's unix socket (e.g. for dockerode's `socketPath`). */
  socket: string;
  /** `unix:///…/docker.sock`, a DOCKER_HOST value. */
  host: string;
  /** `tcp://127.0.0.1:PORT` (TLS, client certs required) when started with `tls`. */
  tcp?: string;
  /** The engine's directory (logs: dockerd.log, containerd.log). */
  dir: string;
  stop(): Promise<void>;
}

/** Run `bash SCRIPT ARGS…`; resolve stdout, or reject with an Error carrying stderr. */
function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("bash", [file, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const why = err.killed ? `killed after ${timeoutMs} ms` : `exit ${err.code ?? err.signal}`;
      reject(new Error(`${file} ${args.join(" ")} failed (${why}):\n${stderr || err.message}`));
    });
  });
}

/** Installs dockerd (Debian docker.io) and busybox-static when missing. Quiet, idempotent. */
export async function ensureEngineInstalled(): Promise<void> {
  await run(script, ["install"], 600_000);
}

const running = new Set<string>();
process.on("exit", () => {
  for (const name of running) spawnSync("bash", [script, "stop", name], { stdio: "ignore", timeout: 30_000 });
});

/** Stops engine `name` (any process's) and removes its directory. */
export async function stopEngine(name: string): Promise<void> {
  await run(script, ["stop", name], 60_000);
  running.delete(name);
}

/** Starts a fresh private engine; `tls` is a directory made by makeTestCerts(). */
export async function startEngine(name: string, opts: { tls?: string } = {}): Promise<Engine> {
  const args = ["start", name, ...(opts.tls ? ["--tls", opts.tls] : [])];
  const stdout = await run(script, args, 120_000);
  running.add(name);
  // key=value lines, then the socket URL alone on the last line
  const kv = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1));
  }
  const host = kv.get("socket");
  if (!host?.startsWith("unix://") || (opts.tls && !kv.get("tcp"))) {
    throw new Error(`engine.sh start ${name}: unexpected output:\n${stdout}`);
  }
  const engine: Engine = {
    name,
    socket: host.slice("unix://".length),
    host,
    dir: kv.get("dir") ?? "",
    stop: () => stopEngine(name),
  };
  const tcp = kv.get("tcp");
  if (tcp) engine.tcp = tcp;
  return engine;
}

/** TLS files made by certs.sh in `dir` (reused when complete): paths by dockerd's names. */
export async function makeTestCerts(dir: string): Promise<{
  dir: string;
  ca: string;
  cert: string;
  key: string;
  otherCa: string;
  otherCert: string;
  otherKey: string;
}> {
  await run(certsScript, [dir], 60_000);
  const p = (f: string) => join(dir, f);
  return {
    dir,
    ca: p("ca.pem"),
    cert: p("cert.pem"),
    key: p("key.pem"),
    otherCa: p("other-ca.pem"),
    otherCert: p("other-client-cert.pem"),
    otherKey: p("other-client-key.pem"),
  };
}
