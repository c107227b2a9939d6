import assert from "node:assert/strict";
import { test } from "node:test";
import { startFakeConsul } from "./consul-fake.ts";
import { watchNodes } from "./index.ts";
import { registrarFor } from "./register.ts";

test("consul:// against a fake Consul: nodes join and leave through blocking queries", async () => {
  const consul = await startFakeConsul();
  const ac = new AbortController();
  try {
    consul.put("swarm/docker/swarm/nodes/10.0.0.1:2375", "10.0.0.1:2375");
    consul.put("other/docker/swarm/nodes/9.9.9.9:2375", "9.9.9.9:2375");
    const it = watchNodes(`consul://${consul.hostPort}/swarm`, { signal: ac.signal, pollMs: 50 })[
      Symbol.asyncIterator
    ]();
    assert.deepEqual((await it.next()).value, ["10.0.0.1:2375"]);
    const t0 = Date.now();
    consul.put("swarm/docker/swarm/nodes/10.0.0.2:2375", "10.0.0.2:2375");
    assert.deepEqual((await it.next()).value, ["10.0.0.1:2375", "10.0.0.2:2375"]);
    assert.ok(Date.now() - t0 < 1000, "a change arrives without polling");
    consul.delete("swarm/docker/swarm/nodes/10.0.0.1:2375");
    consul.delete("swarm/docker/swarm/nodes/10.0.0.2:2375");
    assert.deepEqual((await it.next()).value, []);
    assert.ok(
      consul.requests.some((r) => /recurse=true&index=[1-9]\d*&wait=30s/.test(r)),
      "blocking queries carry the last index",
    );
    ac.abort();
    assert.equal((await it.next()).done, true);
  } finally {
    ac.abort();
    await consul.close();
  }
});

test("consul:// against a fake Consul: an unreachable agent is reported and retried", async () => {
  const consul = await startFakeConsul();
  const hostPort = consul.hostPort;
  await consul.close();
  const ac = new AbortController();
  const errors: Error[] = [];
  const it = watchNodes(`consul://${hostPort}/swarm`, {
    signal: ac.signal,
    pollMs: 20,
    onError: (e) => errors.push(e),
  })[Symbol.asyncIterator]();
  const next = it.next();
  while (errors.length < 2) await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  assert.equal((await next).done, true);
  assert.match(errors[0]!.message, /ECONNREFUSED/);
});

test("consul registrar against a fake Consul: session TTL, renewal, expiry and re-registration", async () => {
  const consul = await startFakeConsul({ minTtlS: 1 });
  const ac = new AbortController();
  try {
    const r = registrarFor(`consul://${consul.hostPort}/swarm`, "10.0.0.7:2375", 1000);
    assert.equal(r.key, "swarm/docker/swarm/nodes/10.0.0.7:2375");
    const it = watchNodes(`consul://${consul.hostPort}/swarm`, { signal: ac.signal, pollMs: 50 })[
      Symbol.asyncIterator
    ]();
    assert.deepEqual((await it.next()).value, []);
    assert.equal(await r.renew(), "registered");
    assert.deepEqual((await it.next()).value, ["10.0.0.7:2375"]);
    for (let i = 0; i < 4; i++) {
      await new Promise((res) => setTimeout(res, 400));
      assert.equal(await r.renew(), "renewed", "renewed within the TTL, the session lives on");
    }
    const stopped = Date.now();
    assert.deepEqual((await it.next()).value, [], "the key goes with the session once renewals stop");
    const took = Date.now() - stopped;
    assert.ok(took >= 500 && took < 2000, `expired ${took} ms after the last renewal (TTL 1 s)`);
    assert.equal(await r.renew(), "registered", "an expired session is replaced");
    assert.deepEqual((await it.next()).value, ["10.0.0.7:2375"]);
    r.close();
  } finally {
    ac.abort();
    await consul.close();
  }
});

test("consul registrar against a fake Consul: Consul's TTL floor is reported, and a held key is taken over", async () => {
  const consul = await startFakeConsul();
  try {
    const short = registrarFor(`consul://${consul.hostPort}/swarm`, "a:1", 2000);
    await assert.rejects(short.renew(), /Invalid Session TTL '2s', must be between \[10s=24h0m0s\]/);
    // A restarted join: the old session still holds the key; the new one takes it over.
    const first = registrarFor(`consul://${consul.hostPort}/swarm`, "a:1", 30_000);
    assert.equal(await first.renew(), "registered");
    const second = registrarFor(`consul://${consul.hostPort}/swarm`, "a:1", 30_000);
    assert.equal(await second.renew(), "registered");
  } finally {
    await consul.close();
  }
});
