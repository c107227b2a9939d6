/**
 * Proxy benchmark (issue 4): the Docker API through swarmd against the engine itself and HAProxy.
 *
 *   (a) engine      the engine's own unix socket
 *   (b) swarmd      swarmd `dockerserver → dockerclient` (every request as messages) and
 *                   `dockerserver → forward` (connections copied raw, PROTOCOL §6.8) in front of the engine
 *   (c) haproxy     HAProxy as a plain unix-socket proxy (mode tcp) in front of the engine
 *   (d) node-bytes  a Node.js byte proxy in its own process (the floor for any Node pass-through)
 *
 * For each: requests per second and p50/p99 latency of `GET /_ping` and `GET /v1.41/containers/json`
 * (autocannon, keep-alive connections), side by side in one run, then the wall time of `docker ps`
 * through each. Writes bench/results/proxy.json. Run: npm run bench -- proxy
 * Knobs: BENCH_SECONDS per run (default 4), BENCH_ROUNDS (default 3; the median run is kept),
 * BENCH_CONNECTIONS (default 10), BENCH_PS_RUNS (default 15).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { docker, waitForSocket } from "../../test/harness/docker-cli.ts";
import { ensureEngineInstalled, startEngine } from "../../test/harness/engine.ts";
import { startSwarmd } from "../../test/harness/swarmd.ts";
import { autocannon } from "../autocannon.ts";
import { writeResults } from "../write-results.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const psRuns = Number(process.env.BENCH_PS_RUNS ?? 15);
const endpoints = [
  { name: "ping", path: "/_ping" },
  { name: "containers", path: "/v1.41/containers/json" },
];

/** HAProxy from Debian, installed here when missing (the bench's own peer, not a test's). */
function ensureHaproxy(): string {
  const which = spawnSync("sh", ["-c", "command -v haproxy"], { encoding: "utf8" });
  if (which.status === 0) return which.stdout.trim();
  console.error("bench proxy: installing haproxy (apt-get)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "haproxy"], {
    env,
    stdio: "ignore",
  });
  if (r.status !== 0) {
    spawnSync("apt-get", ["update", "-q"], { env, stdio: "ignore" });
    r = spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "haproxy"], {
      env,
      stdio: "inherit",
    });
  }
  if (r.status !== 0) throw new Error("bench proxy: cannot install haproxy");
  return "/usr/sbin/haproxy";
}

function startHaproxy(bin: string, dir: string, engineSocket: string): { sock: string; proc: ChildProcess } {
  const sock = join(dir, "haproxy.sock");
  const cfg = join(dir, "haproxy.cfg");
  writeFileSync(
    cfg,
    [
      "global",
      "  maxconn 4096",
      "defaults",
      "  mode tcp",
      "  timeout connect 5s",
      "  timeout client 60s",
      "  timeout server 60s",
      "frontend docker",
      `  bind unix@${sock}`,
      "  default_backend engine",
      "backend engine",
      `  server engine unix@${engineSocket}`,
      "",
    ].join("\n"),
  );
  const proc = spawn(bin, ["-db", "-f", cfg], { stdio: ["ignore", "ignore", "inherit"] });
  return { sock, proc };
}

/** A byte-for-byte unix-socket proxy in a child Node.js process (hijacked streams work unchanged). */
function startByteProxy(dir: string, engineSocket: string): { sock: string; proc: ChildProcess } {
  const sock = join(dir, "bytes.sock");
  const code = `
    const net = require("node:net");
    net.createServer((c) => {
      const u = net.connect(${JSON.stringify(engineSocket)});
      c.pipe(u); u.pipe(c);
      c.on("error", () => u.destroy()); u.on("error", () => c.destroy());
    }).listen(${JSON.stringify(sock)});`;
  const proc = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "ignore", "inherit"] });
  return { sock, proc };
}

async function load(socketPath: string, path: string, duration: number) {
  const r = await autocannon({ url: `http://localhost${path}`, socketPath, connections, duration });
  return {
    rps: Math.round(r.requests.average),
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

/** The run with the median throughput (its latencies come with it). */
function medianRun<T extends { rps: number }>(runs: T[]): T {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function psWall(host: string): Promise<{ medianMs: number; p90Ms: number }> {
  const times: number[] = [];
  for (let i = 0; i < psRuns; i++) {
    const t0 = process.hrtime.bigint();
    const r = await docker(host, ["ps"]);
    if (r.code !== 0) throw new Error(`docker -H ${host} ps failed: ${r.stderr}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]! * 10) / 10;
  return { medianMs: at(0.5), p90Ms: at(0.9) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-proxy-"));
  await ensureEngineInstalled();
  const engine = await startEngine(`bench-proxy-${process.pid}`);
  const children: { stop(): Promise<unknown> }[] = [];
  try {
    // Something to list: five running containers.
    for (let i = 0; i < 5; i++) {
      const r = await docker(engine.host, [
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        `bench-${i}`,
        "busybox",
        "sleep",
        "3600",
      ]);
      if (r.code !== 0) throw new Error(`docker run failed: ${r.stderr}`);
    }
    const targets: { name: string; socket: string }[] = [{ name: "engine", socket: engine.socket }];
    for (const backend of ["dockerclient", "forward"]) {
      const sock = join(dir, `${backend}.sock`);
      const s = startSwarmd([
        "--log-level",
        "warn",
        "--backend",
        `${backend} ${engine.host}`,
        `unix://${sock}`,
      ]);
      children.push(s);
      await waitForSocket(sock, `swarmd (${backend})`);
      targets.push({ name: `swarmd-${backend}`, socket: sock });
    }
    const haproxy = startHaproxy(ensureHaproxy(), dir, engine.socket);
    children.push({
      stop: async () => {
        haproxy.proc.kill("SIGTERM");
      },
    });
    await waitForSocket(haproxy.sock, "haproxy");
    targets.push({ name: "haproxy", socket: haproxy.sock });
    const bytes = startByteProxy(dir, engine.socket);
    children.push({
      stop: async () => {
        bytes.proc.kill("SIGTERM");
      },
    });
    await waitForSocket(bytes.sock, "node byte proxy");
    targets.push({ name: "node-bytes", socket: bytes.sock });

    // Rounds in rotating order, median per target: the machine's drift (and other work on it)
    // falls on every target alike instead of on whichever ran last.
    const http: Record<string, Record<string, Awaited<ReturnType<typeof load>>>> = {};
    for (const ep of endpoints) {
      const runs = new Map<string, Awaited<ReturnType<typeof load>>[]>(targets.map((t) => [t.name, []]));
      for (const t of targets) await load(t.socket, ep.path, 1); // warm-up: connections, JIT
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < targets.length; i++) {
          const t = targets[(i + round) % targets.length]!;
          const r = await load(t.socket, ep.path, seconds);
          runs.get(t.name)!.push(r);
          console.error(`bench proxy: ${ep.name} round ${round + 1} via ${t.name}: ${JSON.stringify(r)}`);
        }
      }
      http[ep.name] = Object.fromEntries([...runs].map(([name, rs]) => [name, medianRun(rs)]));
    }
    const ps: Record<string, { medianMs: number; p90Ms: number }> = {};
    for (const t of targets) ps[t.name] = await psWall(`unix://${t.socket}`);
    console.error(`bench proxy: docker ps wall time: ${JSON.stringify(ps)}`);

    const ratios: Record<string, Record<string, number>> = {};
    for (const ep of endpoints) {
      const row = http[ep.name]!;
      const r = (a: string, b: string) => Math.round((row[a]!.rps / row[b]!.rps) * 100) / 100;
      ratios[ep.name] = {
        "swarmd-dockerclient/engine": r("swarmd-dockerclient", "engine"),
        "swarmd-forward/engine": r("swarmd-forward", "engine"),
        "haproxy/engine": r("haproxy", "engine"),
        "swarmd-dockerclient/haproxy": r("swarmd-dockerclient", "haproxy"),
        "node-bytes/engine": r("node-bytes", "engine"),
        "swarmd-dockerclient/node-bytes": r("swarmd-dockerclient", "node-bytes"),
        "swarmd-forward/haproxy": r("swarmd-forward", "haproxy"),
      };
    }
    const psRatio = (a: string) => Math.round((ps[a]!.medianMs / ps.engine!.medianMs) * 100) / 100;
    ratios.dockerPs = {
      "swarmd-dockerclient/engine": psRatio("swarmd-dockerclient"),
      "swarmd-forward/engine": psRatio("swarmd-forward"),
      "haproxy/engine": psRatio("haproxy"),
    };
    writeResults("proxy", {
      settings: { seconds, rounds, connections, psRuns, containers: 5, keepAlive: true },
      targets: targets.map((t) => t.name),
      http,
      dockerPs: ps,
      ratios,
      targetsWanted: { "swarmd/engine rps": ">= 0.9", "swarmd/haproxy rps": ">= 1.0" },
    });
  } finally {
    for (const c of children) await c.stop();
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
