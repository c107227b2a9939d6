import assert from "node:assert/strict";
import { test } from "node:test";
import { startFakeConsul } from "./consul-fake.ts";
import { watchNodes } from "./index.ts";

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
