import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { silentLogger } from "../../core/logger.ts";
import { followDiscovery } from "./discovery-hook.ts";

/** A registry that records what discovery asks, so the reconciliation can be checked exactly. */
function recorder() {
  const live = new Set<string>();
  const calls: string[] = [];
  let changed: () => void = () => {};
  return {
    live,
    calls,
    until: (pred: () => boolean) =>
      new Promise<void>((resolve) => {
        changed = () => pred() && resolve();
        changed();
      }),
    registry: {
      async addNode(line: string) {
        if (line.includes("refuse")) throw new Error("no such service");
        calls.push(`+${line}`);
        live.add(line);
        changed();
        return line;
      },
      async removeNode(line: string) {
        calls.push(`-${line}`);
        live.delete(line);
        changed();
      },
    },
  };
}

test("followDiscovery: nodes join and leave as the file changes; duplicates are one node", async () => {
  const dir = mkdtempSync(join(tmpdir(), "swarm-hook-"));
  const path = join(dir, "nodes");
  writeFileSync(path, "a:1\ntcp://a:1\n");
  const ac = new AbortController();
  const r = recorder();
  const done = followDiscovery(pathToFileURL(path).href, r.registry, ac.signal, silentLogger, 50);
  try {
    await r.until(() => r.live.size === 1);
    assert.deepEqual([...r.live], ["dockerclient tcp://a:1"]);
    writeFileSync(path, "a:1\nb:[1:2]\nsimulator x\nrefuse me\n");
    await r.until(() => r.live.size === 4);
    writeFileSync(path, "b:2\n");
    await r.until(() => r.live.size === 1);
    assert.deepEqual([...r.live], ["dockerclient tcp://b:2"]);
    assert.deepEqual(r.calls.filter((c) => c.startsWith("-")).sort(), [
      "-dockerclient tcp://a:1",
      "-dockerclient tcp://b:1",
      "-simulator x",
    ]);
    assert.equal(r.calls.filter((c) => c === "+dockerclient tcp://a:1").length, 1, "a:1 was added once");
  } finally {
    ac.abort();
    await done;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("aggregate --discovery: parsed and checked at spawn; no command-line node needed", async () => {
  const { parseAggregateArgs } = await import("./args.ts");
  const o = parseAggregateArgs(["--discovery", "nodes://a:1,b:1"]);
  assert.equal(o.discovery, "nodes://a:1,b:1");
  assert.deepEqual(o.nodes, []);
  assert.equal(parseAggregateArgs(["--discovery=file:///etc/nodes", "simulator"]).nodes.length, 1);
  assert.throws(() => parseAggregateArgs(["--discovery", "zk://h/p"]), /unsupported discovery URL/);
  assert.throws(() => parseAggregateArgs(["--discovery", "nodes://10.0.0.[9:1]"]), /bad range/);
  assert.throws(() => parseAggregateArgs([]), /at least one node/);
});
