/**
 * aggregate --discovery end to end: real engines, a real etcd, swarmd processes and the docker CLI.
 * Nodes registered by `join` appear in `docker info` within seconds and leave after the TTL when
 * their join is killed; a file-discovery node list edited at runtime changes the cluster.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { docker } from "../harness/docker-cli.ts";
import { type Engine, ensureEngineInstalled, startEngine } from "../harness/engine.ts";
import { type Etcd, startEtcd } from "../harness/etcd.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

let etcd: Etcd;
let a: Engine;
let b: Engine;
let dir: string;
const procs: SwarmdProcess[] = [];

before(async () => {
  await ensureEngineInstalled();
  [etcd, a, b] = await Promise.all([startEtcd(), startEngine("t-disc-agg-a"), startEngine("t-disc-agg-b")]);
  dir = mkdtempSync(join(tmpdir(), "swarm-disc-agg-"));
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop("SIGKILL")));
  await Promise.all([etcd?.stop(), a?.stop(), b?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function swarmd(args: string[]): SwarmdProcess {
  const p = startSwarmd(args);
  procs.push(p);
  return p;
}

interface NodeLine {
  name: string;
  addr: string;
  status: string;
}

/** The nodes `docker info` reports (classic Swarm's SystemStatus lines). */
async function clusterNodes(host: string): Promise<NodeLine[]> {
  const r = await docker(host, ["info", "--format", "{{json .SystemStatus}}"]);
  assert.equal(r.code, 0, r.stderr);
  const pairs = JSON.parse(r.stdout) as [string, string][];
  const nodes: NodeLine[] = [];
  for (const [k, v] of pairs) {
    if (/^ [^ ]/.test(k)) nodes.push({ name: k.trim(), addr: v, status: "" });
    else if (k.trim() === "└ Status" && nodes.length) nodes[nodes.length - 1]!.status = v;
  }
  return nodes;
}

/** Poll docker info until `pred` holds; resolves with the time it first held. */
async function until(host: string, pred: (n: NodeLine[]) => boolean, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last: NodeLine[] = [];
  while (Date.now() < deadline) {
    last = await clusterNodes(host);
    if (pred(last)) return Date.now();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`cluster never matched within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

const has = (nodes: NodeLine[], e: Engine) =>
  nodes.some((n) => n.addr === `dockerclient ${e.host}` && n.status === "Healthy");

test("two engines join through etcd and appear in docker info; a killed join leaves after the TTL", async () => {
  const host = `unix://${join(dir, "etcd.sock")}`;
  const front = swarmd([
    `dockerserver ${host}`,
    `aggregate --heartbeat 300 --discovery etcd://${etcd.hostPort}/agg`,
  ]);
  await front.waitFor(/dockerserver listening/, 15_000);
  assert.deepEqual(await clusterNodes(host), [], "no node before any join");

  const t0 = Date.now();
  const startJoin = (e: Engine) =>
    swarmd([`join --discovery etcd://${etcd.hostPort}/agg --advertise ${e.host} --heartbeat 300ms --ttl 2s`]);
  const ja = startJoin(a);
  startJoin(b);
  const both = await until(host, (n) => n.length === 2 && has(n, a) && has(n, b), 10_000);
  console.log(`# both engines in docker info ${both - t0} ms after their joins started`);
  assert.ok(both - t0 < 8000, `took ${both - t0} ms`);

  // The cluster spans both: one container on each (spread), listed together.
  for (const name of ["d1", "d2"]) {
    const r = await docker(host, [
      "run",
      "-d",
      "--name",
      name,
      "--network",
      "none",
      "busybox:latest",
      "sleep",
      "60",
    ]);
    assert.equal(r.code, 0, r.stderr);
  }
  const ps = await docker(host, ["ps", "--format", "{{.Names}}"]);
  assert.equal(ps.stdout.trim().split("\n").length, 2, ps.stdout);

  const killed = Date.now();
  await ja.stop("SIGKILL");
  const left = await until(host, (n) => n.length === 1 && has(n, b), 10_000);
  const took = left - killed;
  console.log(`# engine a left docker info ${took} ms after its join was killed (TTL 2 s)`);
  assert.ok(took >= 1000, `left after ${took} ms: sooner than the TTL allows`);
  assert.ok(took < 6000, `left after ${took} ms`);
  const rest = await docker(host, ["ps", "--format", "{{.Names}}"]);
  assert.equal(rest.stdout.trim().split("\n").length, 1, `a's container left with it: ${rest.stdout}`);
  await front.waitFor(/discovery: node left/, 1000);
});

test("a file-discovery node list edited at runtime changes the cluster", async () => {
  const list = join(dir, "nodes.txt");
  writeFileSync(list, `# the cluster\n${a.host}\n`);
  const host = `unix://${join(dir, "file.sock")}`;
  const front = swarmd([`dockerserver ${host}`, `aggregate --heartbeat 300 --discovery file://${list}`]);
  await front.waitFor(/dockerserver listening/, 15_000);
  await until(host, (n) => n.length === 1 && has(n, a), 5000);

  let t0 = Date.now();
  writeFileSync(list, `${a.host}\n${b.host}\n`);
  const added = await until(host, (n) => n.length === 2 && has(n, a) && has(n, b), 5000);
  console.log(`# a node added to the file was in docker info ${added - t0} ms later`);

  t0 = Date.now();
  writeFileSync(list, `${b.host}\n`);
  const removed = await until(host, (n) => n.length === 1 && has(n, b), 5000);
  console.log(`# a node removed from the file left docker info ${removed - t0} ms later`);
  const run = await docker(host, ["run", "--rm", "--network", "none", "busybox:latest", "echo", "on b"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "on b\n");
});

test("classic Swarm HA: two managers on joined engines; kill the primary, docker run through the other", async () => {
  const url = `etcd://${etcd.hostPort}/ha`;
  for (const e of [a, b])
    swarmd([`join --discovery ${url} --advertise ${e.host} --heartbeat 300ms --ttl 2s`]);
  const manager = (name: string) => {
    const host = `unix://${join(dir, `${name}.sock`)}`;
    const proc = swarmd([
      `dockerserver ${host}`,
      `replicate --discovery ${url} --advertise ${host} --ttl 2s`,
      `aggregate --heartbeat 300 --discovery ${url}`,
    ]);
    return { host, proc };
  };
  const m1 = manager("m1");
  await m1.proc.waitFor(/this frontend is the primary/, 10_000);
  const m2 = manager("m2");
  await m2.proc.waitFor(/following the primary/, 10_000);
  // The replica answers info from its own aggregate, which sees both engines too.
  await until(m2.host, (n) => n.length === 2 && has(n, a) && has(n, b), 10_000);
  const r1 = await docker(m2.host, ["run", "--rm", "--network", "none", "busybox:latest", "echo", "via m1"]);
  assert.equal(r1.code, 0, r1.stderr);

  const killed = Date.now();
  await m1.proc.stop("SIGKILL");
  const r2 = await docker(m2.host, ["run", "--rm", "--network", "none", "busybox:latest", "echo", "via m2"]);
  const took = Date.now() - killed;
  assert.equal(r2.code, 0, `${r2.stderr}\n${m2.proc.output()}`);
  assert.equal(r2.stdout, "via m2\n");
  console.log(
    `# HA: docker run through the second manager succeeded ${took} ms after the primary was killed (TTL 2 s)`,
  );
  assert.ok(took < 10_000, `took ${took} ms`);
});

test("aggregate --discovery: a bad URL fails at spawn", async () => {
  const { runSwarmd } = await import("../harness/swarmd.ts");
  const r = await runSwarmd(["aggregate --discovery zk://h/p"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unsupported discovery URL/);
});
