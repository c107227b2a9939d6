/**
 * bench/transport: the libchan benchmark matrix. Two message shapes × five topologies, the wire
 * topologies over unix sockets, TCP and mutual TLS; one-way throughput in msgs/s, compared with
 * libchan's Go figures. Writes bench/results/transport.json.
 *
 *   node --import tsx bench/transport/index.ts [--quick]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { consume, makeMessage, type Shape } from "./shapes.ts";
import { type Endpoint, route, type Topology, type Transport } from "./topologies.ts";

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");

/** libchan's published Go figures, µs per message (the brief's table); the target is 5× better. */
const LIBCHAN_US: Record<Shape, Record<Topology, number>> = {
  // No figure was published for copy-proxy and local-proxy: the in-process pipe's 1.27 µs and the
  // one-hop 14 µs are used, the strictest that apply.
  plain: { pipe: 1.27, "copy-proxy": 1.27, "local-proxy": 14, "no-proxy": 14, "network-proxy": 41.6 },
  // 490–730 µs: the lower, stricter bound is used for every topology.
  nested: { pipe: 490, "copy-proxy": 490, "local-proxy": 490, "no-proxy": 490, "network-proxy": 490 },
};
const TARGET_FACTOR = 5;

interface Case {
  shape: Shape;
  topology: Topology;
  transport: Transport;
}

function matrix(): Case[] {
  const out: Case[] = [];
  for (const shape of ["plain", "nested"] as const) {
    out.push({ shape, topology: "pipe", transport: "in-process" });
    out.push({ shape, topology: "copy-proxy", transport: "in-process" });
    out.push({ shape, topology: "local-proxy", transport: "memory" });
    for (const transport of ["unix", "tcp", "tls"] as const) {
      out.push({ shape, topology: "no-proxy", transport });
      out.push({ shape, topology: "network-proxy", transport });
    }
  }
  return out;
}

function count(c: Case): number {
  const base =
    c.shape === "plain"
      ? c.topology === "pipe" || c.topology === "copy-proxy"
        ? 1_000_000
        : 200_000
      : 10_000;
  return quick ? Math.ceil(base / 10) : base;
}

async function runOnce(c: Case, n: number, ep: Endpoint): Promise<number> {
  let received = 0;
  let finishMeasured!: () => void;
  const done = new Promise<void>((r) => (finishMeasured = r));
  let finish = finishMeasured;
  const deliver = (m: Parameters<typeof consume>[1]) => {
    const p = consume(c.shape, m);
    if (p) return p.then(() => void (++received === n && finish()));
    if (++received === n) finish();
    return undefined;
  };
  const r = await route(c.topology, c.transport, deliver, ep);
  // Warm up the route (JIT, connection) with messages outside the measurement.
  const warm = Math.min(2000, n / 10);
  let warmed!: () => void;
  const warmDone = new Promise<void>((res) => (warmed = res));
  const target = n;
  n = warm;
  finish = warmed;
  for (let i = 0; i < warm; i++) await r.sender.send(makeMessage(c.shape, i));
  await warmDone;
  received = 0;
  n = target;
  finish = finishMeasured;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await r.sender.send(makeMessage(c.shape, i));
  await done;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await r.close();
  return seconds;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "swarm-bench-"));
  const certs = execFileSync("bash", [join(here, "../../test/harness/certs.sh"), join(dir, "certs")], {
    encoding: "utf8",
  }).trim();
  let sock = 0;
  const ep: Endpoint = {
    unix: () => join(dir, `b${sock++}.sock`),
    tls: (side) =>
      side === "server"
        ? {
            verify: true,
            cacert: join(certs, "ca.pem"),
            cert: join(certs, "server-cert.pem"),
            key: join(certs, "server-key.pem"),
          }
        : {
            verify: true,
            cacert: join(certs, "ca.pem"),
            cert: join(certs, "cert.pem"),
            key: join(certs, "key.pem"),
          },
  };
  const results = [];
  for (const c of matrix()) {
    const n = count(c);
    const runs: number[] = [];
    for (let k = 0; k < 3; k++) runs.push(await runOnce(c, n, ep));
    const best = Math.min(...runs);
    const usPerMsg = (best / n) * 1e6;
    const libchanUs = LIBCHAN_US[c.shape][c.topology];
    const result = {
      ...c,
      messages: n,
      runs: 3,
      bestSeconds: Number(best.toFixed(4)),
      msgsPerSec: Math.round(n / best),
      usPerMsg: Number(usPerMsg.toFixed(3)),
      libchanUsPerMsg: libchanUs,
      speedupVsLibchan: Number((libchanUs / usPerMsg).toFixed(2)),
      meetsTarget: libchanUs / usPerMsg >= TARGET_FACTOR,
    };
    results.push(result);
    console.log(
      `${c.shape.padEnd(6)} ${c.topology.padEnd(13)} ${c.transport.padEnd(10)} ${String(result.msgsPerSec).padStart(9)} msg/s ${result.usPerMsg.toFixed(3).padStart(9)} µs  ×${result.speedupVsLibchan} vs libchan ${result.meetsTarget ? "ok" : "BELOW TARGET"}`,
    );
  }
  const out = join(here, "../results/transport.json");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        benchmark: "transport",
        date: new Date().toISOString(),
        node: process.version,
        quick,
        note: "one-way throughput, sender and receiver in one process (one core for both ends); best of 3 runs",
        targetFactor: TARGET_FACTOR,
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${out}`);
}

await main();
