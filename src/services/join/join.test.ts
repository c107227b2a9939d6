import assert from "node:assert/strict";
import { test } from "node:test";
import { silentLogger } from "../../core/logger.ts";
import { startFakeConsul } from "../../discovery/consul-fake.ts";
import { watchNodes } from "../../discovery/index.ts";
import { buildCatalogue, spawnService } from "../registry.ts";
import { parseJoinArgs } from "./args.ts";
import { parseDuration } from "./duration.ts";
import { join } from "./index.ts";

test("parseDuration and parseJoinArgs: defaults, units, key layout, refusals", () => {
  assert.equal(parseDuration("--x", "60s"), 60_000);
  assert.equal(parseDuration("--x", "500ms"), 500);
  assert.equal(parseDuration("--x", "1.5"), 1500);
  assert.equal(parseDuration("--x", "3m"), 180_000);
  assert.throws(() => parseDuration("--x", "soon"), /takes a duration/);
  assert.throws(() => parseDuration("--x", "0s"), /more than zero/);
  const o = parseJoinArgs(["--discovery", "etcd://127.0.0.1:2379/prod/", "--advertise=10.0.0.5:2375"]);
  assert.deepEqual(
    [o.heartbeatMs, o.ttlMs, o.check, o.key],
    [60_000, 180_000, true, "prod/docker/swarm/nodes/10.0.0.5:2375"],
  );
  assert.throws(() => parseJoinArgs(["--advertise", "a:1"]), /needs --discovery/);
  assert.throws(() => parseJoinArgs(["--discovery", "etcd://h/p", "--advertise", "a:1", "x"]), /unexpected/);
  assert.throws(
    () =>
      parseJoinArgs([
        "--discovery",
        "etcd://h/p",
        "--advertise",
        "a:1",
        "--ttl",
        "500ms",
        "--heartbeat",
        "100ms",
      ]),
    /at least 1s/,
  );
});

test("join over a fake Consul: registered at once, gone a TTL after the service stops", async () => {
  const consul = await startFakeConsul({ minTtlS: 1 });
  const ac = new AbortController();
  try {
    const url = `consul://${consul.hostPort}/c`;
    const it = watchNodes(url, { signal: ac.signal, pollMs: 50 })[Symbol.asyncIterator]();
    assert.deepEqual((await it.next()).value, []);
    const svc = await spawnService(
      buildCatalogue([join], silentLogger),
      `join --discovery ${url} --advertise 10.1.1.1:2375 --no-check --heartbeat 200ms --ttl 1s`,
      silentLogger,
    );
    assert.deepEqual((await it.next()).value, ["10.1.1.1:2375"]);
    await new Promise((r) => setTimeout(r, 1500)); // renewed past its TTL: still there
    await svc.stop();
    const stopped = Date.now();
    assert.deepEqual((await it.next()).value, [], "the node leaves once renewals stop");
    assert.ok(Date.now() - stopped >= 500, "not deleted at stop: it lapses");
  } finally {
    ac.abort();
    await consul.close();
  }
});
