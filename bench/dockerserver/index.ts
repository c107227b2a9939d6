/**
 * dockerserver benchmark (issue 3): requests per second and latency of `GET /_ping` and
 * `GET /v1.41/containers/json` through swarmd `dockerserver → simulator` (autocannon, keep-alive
 * connections), plus `/containers/json` with many containers and the wall time of `docker ps`.
 * Writes bench/results/dockerserver.json. Run: node --import tsx bench/dockerserver/index.ts
 * Knobs: BENCH_SECONDS (default 5), BENCH_CONNECTIONS (default 10). The machine's load average is
 * recorded with the results: on a shared machine, compare runs only at similar load.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { docker, waitForSocket } from "../../test/harness/docker-cli.ts";
import { startSwarmd } from "../../test/harness/swarmd.ts";
import { autocannon } from "../autocannon.ts";
import { writeResults } from "../write-results.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);

async function measure(socketPath: string, path: string) {
  // A warm-up so JIT compilation and connection set-up do not count.
  await autocannon({ url: `http://localhost${path}`, socketPath, connections, duration: 2 });
  const r = await autocannon({ url: `http://localhost${path}`, socketPath, connections, duration: seconds });
  return {
    path,
    connections,
    seconds,
    requestsPerSecond: Math.round(r.requests.average),
    requests: r.requests.total,
    latencyMs: { average: r.latency.average, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

async function psWallTime(host: string, runs: number) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = await docker(host, ["ps", "-a"]);
    if (r.code !== 0) throw new Error(`docker ps failed: ${r.stderr}`);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { runs, medianMs: Math.round(times[Math.floor(runs / 2)]!), minMs: Math.round(times[0]!) };
}

async function scenario(name: string, simulatorArgs: string) {
  const dir = mkdtempSync(join(tmpdir(), "bench-ds-"));
  const sock = join(dir, "d.sock");
  const swarmd = startSwarmd([`dockerserver unix://${sock}`, `simulator ${simulatorArgs}`], {}); // info level: no per-request logs
  try {
    await swarmd.waitFor(/dockerserver listening/, 20_000);
    await waitForSocket(sock, "dockerserver", { timeoutMs: 20_000, intervalMs: 20 });
    const ping = await measure(sock, "/_ping");
    const containers = await measure(sock, "/v1.41/containers/json?all=1");
    const ps = await psWallTime(`unix://${sock}`, 10);
    return {
      name,
      chain: `dockerserver → simulator ${simulatorArgs.length > 40 ? `${simulatorArgs.slice(0, 40)}…` : simulatorArgs}`,
      ping,
      containers,
      dockerPs: ps,
      loadAverage: os.loadavg()[0],
    };
  } finally {
    await swarmd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [
  await scenario("3 containers", "c1 c2 c3"),
  await scenario("100 containers", Array.from({ length: 100 }, (_, i) => `ctr${i}`).join(" ")),
];
writeResults("dockerserver", results);
