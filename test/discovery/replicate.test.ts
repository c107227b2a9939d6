/**
 * Two swarmd frontends sharing a leader lock in a real etcd, both backed by the same real engine:
 * the replica answers info itself and forwards the rest to the primary; when the primary is
 * killed, docker run through the other succeeds within the lock's TTL.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { docker } from "../harness/docker-cli.ts";
import { type Engine, ensureEngineInstalled, startEngine } from "../harness/engine.ts";
import { type Etcd, startEtcd } from "../harness/etcd.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

let etcd: Etcd;
let engine: Engine;
/** The second frontend's own engine: what a replica runs lands on the primary's engine instead. */
let engine2: Engine;
let dir: string;
const procs: SwarmdProcess[] = [];
const ttlS = 2;

before(async () => {
  await ensureEngineInstalled();
  [etcd, engine, engine2] = await Promise.all([
    startEtcd(),
    startEngine("t-disc-replicate"),
    startEngine("t-disc-replicate-2"),
  ]);
  dir = mkdtempSync(join(tmpdir(), "swarm-replicate-"));
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop("SIGKILL")));
  await Promise.all([etcd?.stop(), engine?.stop(), engine2?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function frontend(name: string, prefix: string, backend = engine): { host: string; proc: SwarmdProcess } {
  const host = `unix://${join(dir, `${name}.sock`)}`;
  const proc = startSwarmd([
    `dockerserver ${host}`,
    `replicate --discovery etcd://${etcd.hostPort}/${prefix} --advertise ${host} --ttl ${ttlS}s`,
    `dockerclient ${backend.host}`,
  ]);
  procs.push(proc);
  return { host, proc };
}

async function labels(host: string): Promise<string[]> {
  const r = await docker(host, ["info", "--format", "{{json .Labels}}"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

test("a replica forwards to the primary; killing the primary hands over within the TTL", async () => {
  const a = frontend("a", "ha");
  await a.proc.waitFor(/this frontend is the primary/, 10_000);
  const b = frontend("b", "ha", engine2);
  await b.proc.waitFor(/following the primary/, 10_000);

  assert.ok((await labels(a.host)).includes("com.libswarm.replication.role=primary"));
  const bl = await labels(b.host);
  assert.ok(bl.includes("com.libswarm.replication.role=replica"), JSON.stringify(bl));
  assert.ok(bl.includes(`com.libswarm.replication.primary=${a.host}`), JSON.stringify(bl));

  // A run through the replica lands on the primary's engine, not on the replica's own backend.
  const r1 = await docker(b.host, [
    "run",
    "--name",
    "via-replica",
    "--network",
    "none",
    "busybox:latest",
    "echo",
    "hi",
  ]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal(r1.stdout, "hi\n");
  const names = async (host: string) =>
    (await docker(host, ["ps", "-a", "--format", "{{.Names}}"])).stdout.trim().split("\n");
  assert.ok((await names(engine.host)).includes("via-replica"), "ran on the primary's engine");
  assert.ok(!(await names(engine2.host)).includes("via-replica"), "not on the replica's own engine");

  // One docker run, right after the kill: the replica holds it until the lock moves, then runs it.
  const killed = Date.now();
  await a.proc.stop("SIGKILL");
  const r2 = await docker(b.host, [
    "run",
    "--name",
    "after-kill",
    "--network",
    "none",
    "busybox:latest",
    "echo",
    "after",
  ]);
  const took = Date.now() - killed;
  assert.equal(r2.code, 0, `${r2.stderr}\n${b.proc.output()}`);
  assert.equal(r2.stdout, "after\n");
  assert.ok((await names(engine2.host)).includes("after-kill"), "the new primary ran it on its own engine");
  console.log(
    `# one docker run through the replica, started as the primary was killed, succeeded after ${took} ms (TTL ${ttlS} s)`,
  );
  // The TTL, then one docker run (≈1.2 s here; more on a loaded machine).
  assert.ok(took < (ttlS + 6) * 1000, `handover took ${took} ms, lock TTL is ${ttlS} s`);
  const line = await b.proc.waitFor(/\{[^\n]*this frontend is the primary[^\n]*\}/, 1000);
  const takeover = (JSON.parse(line[0]) as { time: number }).time - killed;
  console.log(`# the replica became the primary ${takeover} ms after the primary was killed`);
  // etcd expires a lease at most TTL after its last renewal, checking every 500 ms (plus slack
  // for a loaded machine).
  assert.ok(takeover <= ttlS * 1000 + 2500, `takeover took ${takeover} ms, lock TTL is ${ttlS} s`);
  assert.ok((await labels(b.host)).includes("com.libswarm.replication.role=primary"));
});

test("a primary stopped gracefully resigns: the replica takes over without waiting for the TTL", async () => {
  const c = frontend("c", "lonely");
  await c.proc.waitFor(/this frontend is the primary/, 10_000);
  const d = frontend("d", "lonely");
  await d.proc.waitFor(/following the primary/, 10_000);
  const t0 = Date.now();
  await c.proc.stop("SIGTERM");
  const line = await d.proc.waitFor(/\{[^\n]*this frontend is the primary[^\n]*\}/, 5000);
  const took = (JSON.parse(line[0]) as { time: number }).time - t0;
  assert.ok(took < 2000, `took ${took} ms`);
  const r = await docker(d.host, ["ps"]);
  assert.equal(r.code, 0, r.stderr);
});

test("replicate: bad arguments fail at spawn", async () => {
  const { runSwarmd } = await import("../harness/swarmd.ts");
  const r1 = await runSwarmd(["replicate --discovery etcd://127.0.0.1:1/p"]);
  assert.match(r1.stderr, /replicate needs --advertise/);
  const r2 = await runSwarmd(["replicate --discovery etcd://127.0.0.1:1/p --advertise a:1"]);
  assert.match(r2.stderr, /--advertise takes unix:\/\/\/path or tcp:\/\/host:port/);
  const r3 = await runSwarmd(["replicate --discovery etcd://127.0.0.1:1/p --advertise tcp://a:1 --ttl 0.5s"]);
  assert.match(r3.stderr, /at least 1s/);
});
