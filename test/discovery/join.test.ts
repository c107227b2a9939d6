/**
 * join and the etcd driver against a real etcd (Debian etcd-server) and real engines: nodes
 * registered by `swarmd 'join …'` processes appear in the etcd watch, and leave after the TTL when
 * their join is killed or their engine dies.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { watchNodes } from "../../src/discovery/index.ts";
import { type Engine, ensureEngineInstalled, startEngine } from "../harness/engine.ts";
import { type Etcd, startEtcd } from "../harness/etcd.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

let etcd: Etcd;
let engines: Engine[] = [];
const joins: SwarmdProcess[] = [];

before(async () => {
  await ensureEngineInstalled();
  [etcd, ...engines] = await Promise.all([
    startEtcd(),
    startEngine("t-disc-join-a"),
    startEngine("t-disc-join-b"),
  ]);
});

after(async () => {
  await Promise.all(joins.map((j) => j.stop("SIGKILL")));
  await Promise.all([etcd?.stop(), ...engines.map((e) => e.stop())]);
});

/** Collect the lists a watch yields; `waitFor` resolves with the first list matching `pred`. */
function watch(url: string) {
  const ac = new AbortController();
  const lists: { at: number; list: string[] }[] = [];
  const listeners = new Set<() => void>();
  void (async () => {
    for await (const list of watchNodes(url, { signal: ac.signal, pollMs: 100 })) {
      lists.push({ at: Date.now(), list });
      for (const l of listeners) l();
    }
  })();
  return {
    lists,
    stop: () => ac.abort(),
    /** The time of the first list since `since` (ms since the epoch) that matches `pred`. */
    waitFor(pred: (l: string[]) => boolean, timeoutMs: number, since = 0): Promise<number> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lists.find((l) => l.at >= since && pred(l.list));
          if (hit) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(hit.at);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no matching node list within ${timeoutMs} ms; saw ${JSON.stringify(lists)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

function startJoin(prefix: string, advertise: string, extra: string[] = []): SwarmdProcess {
  const line = `join --discovery etcd://${etcd.hostPort}/${prefix} --advertise ${advertise} --heartbeat 300ms --ttl 2s ${extra.join(" ")}`;
  const j = startSwarmd([line]);
  joins.push(j);
  return j;
}

test("two engines join through etcd; a killed join leaves after the TTL", async () => {
  const [a, b] = engines as [Engine, Engine];
  const w = watch(`etcd://${etcd.hostPort}/t1`);
  try {
    const t0 = Date.now();
    const ja = startJoin("t1", a.host);
    startJoin("t1", b.host);
    const both = await w.waitFor((l) => l.includes(a.host) && l.includes(b.host), 10_000);
    assert.ok(both - t0 < 10_000);
    await ja.waitFor(/join: registered/);
    const killed = Date.now();
    await ja.stop("SIGKILL");
    const left = await w.waitFor((l) => !l.includes(a.host) && l.includes(b.host), 10_000, killed);
    const took = left - killed;
    // The lease had up to 2 s left; etcd expires leases a little late, never early.
    assert.ok(took >= 1200, `left after ${took} ms: sooner than the TTL allows`);
    assert.ok(took < 5000, `left after ${took} ms: much later than the 2 s TTL`);
    console.log(`# node left ${took} ms after its join was killed (TTL 2 s, heartbeat 300 ms)`);
  } finally {
    w.stop();
  }
});

test("a node whose engine dies is not renewed and leaves; the other stays", async () => {
  const dying = await startEngine("t-disc-join-c");
  const w = watch(`etcd://${etcd.hostPort}/t2`);
  try {
    const j = startJoin("t2", dying.host);
    startJoin("t2", engines[1]!.host);
    await w.waitFor((l) => l.length === 2, 10_000);
    const stopping = Date.now();
    await dying.stop(); // the engine stops answering somewhere in here
    const dead = Date.now();
    const left = await w.waitFor((l) => l.length === 1 && l[0] === engines[1]!.host, 10_000, stopping);
    assert.ok(left - dead < 4000, `left ${left - dead} ms after the engine was down (TTL 2 s)`);
    await j.waitFor(/the engine does not answer/, 2000);
    assert.equal(j.proc.exitCode, null, "join keeps running, waiting for the engine");
  } finally {
    w.stop();
  }
});

test("join: bad arguments fail at spawn with a clear message", async () => {
  const { runSwarmd } = await import("../harness/swarmd.ts");
  const r1 = await runSwarmd(["join --discovery etcd://127.0.0.1:1/p"]);
  assert.notEqual(r1.code, 0);
  assert.match(r1.stderr, /join needs --advertise/);
  const r2 = await runSwarmd([
    "join --discovery etcd://127.0.0.1:1/p --advertise a:1 --heartbeat 5s --ttl 2s",
  ]);
  assert.match(r2.stderr, /--ttl must be longer than --heartbeat/);
  const r3 = await runSwarmd(["join --discovery zk://h/p --advertise a:1"]);
  assert.match(r3.stderr, /want etcd:\/\//);
});

test("etcd restarts: the watch resumes and join registers again", async () => {
  const w = watch(`etcd://${etcd.hostPort}/t3`);
  try {
    const j = startJoin("t3", engines[0]!.host);
    await w.waitFor((l) => l.length === 1, 10_000);
    await etcd.restart(1500);
    // A node that registers after the restart shows up: the watch came back by itself.
    startJoin("t3", engines[1]!.host);
    await w.waitFor((l) => l.length === 2, 10_000);
    // Through the outage join kept running and renews again (the key is still there a TTL later).
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(w.lists.at(-1)?.list, [engines[0]!.host, engines[1]!.host].sort());
    assert.equal(j.proc.exitCode, null);
  } finally {
    w.stop();
  }
});
