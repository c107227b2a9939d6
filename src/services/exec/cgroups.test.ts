import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import { checkLimits, createCgroup } from "./cgroups.ts";

// The cgroup files are written into a directory laid out like /sys/fs/cgroup, so both versions are
// checked whatever this machine mounts (the e2e tests apply real limits on the real hierarchy).
const roots: string[] = [];
function fakeRoot(version: 1 | 2, controllers = "cpuset cpu io memory pids"): string {
  const root = mkdtempSync(join(tmpdir(), "swarm-cgroup-"));
  roots.push(root);
  if (version === 2) {
    writeFileSync(join(root, "cgroup.controllers"), `${controllers}\n`);
  } else {
    mkdirSync(join(root, "memory"));
    writeFileSync(join(root, "memory", "memory.limit_in_bytes"), "");
    mkdirSync(join(root, "cpu"));
    writeFileSync(join(root, "cpu", "cpu.cfs_quota_us"), "");
  }
  return root;
}

function emptyRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "swarm-cgroup-none-"));
  roots.push(root);
  return root;
}

afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe("exec cgroups", () => {
  test("v2: memory.max and cpu.max in libswarm-exec/<id>, controllers enabled on the way", () => {
    const root = fakeRoot(2);
    const h = createCgroup("abc", { memory: 32 * 1024 * 1024, nanoCpus: 500_000_000 }, root)!;
    const dir = join(root, "libswarm-exec", "abc");
    assert.equal(readFileSync(join(dir, "memory.max"), "utf8"), String(32 * 1024 * 1024));
    assert.equal(readFileSync(join(dir, "cpu.max"), "utf8"), "50000 100000");
    assert.equal(readFileSync(join(root, "cgroup.subtree_control"), "utf8"), "+memory +cpu");
    assert.deepEqual(h.procsFiles, [join(dir, "cgroup.procs")]);
    assert.equal(h.oomKilled(), false);
    writeFileSync(join(dir, "memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
    assert.equal(h.oomKilled(), true);
  });

  test("v1: memory.limit_in_bytes and the CFS quota, one directory per hierarchy", () => {
    const root = fakeRoot(1);
    const h = createCgroup("abc", { memory: 64 * 1024 * 1024, nanoCpus: 1_500_000_000 }, root)!;
    assert.equal(
      readFileSync(join(root, "memory", "libswarm-exec", "abc", "memory.limit_in_bytes"), "utf8"),
      String(64 * 1024 * 1024),
    );
    assert.equal(
      readFileSync(join(root, "cpu", "libswarm-exec", "abc", "cpu.cfs_quota_us"), "utf8"),
      "150000",
    );
    assert.equal(
      readFileSync(join(root, "cpu", "libswarm-exec", "abc", "cpu.cfs_period_us"), "utf8"),
      "100000",
    );
    assert.equal(h.procsFiles.length, 2);
  });

  test("no limits, no cgroup; what the machine lacks is refused with a clear message", () => {
    assert.equal(createCgroup("x", { memory: 0, nanoCpus: 0 }, fakeRoot(2)), undefined);
    assert.throws(
      () => checkLimits({ memory: 64 * 1024 * 1024, nanoCpus: 0 }, fakeRoot(2, "cpu pids")),
      /cannot apply --memory: the cgroup v2 memory controller is not enabled/,
    );
    assert.throws(
      () => checkLimits({ memory: 0, nanoCpus: 1e9 }, emptyRoot()),
      /cannot apply --cpus: no cgroup cpu controller/,
    );
    assert.throws(() => checkLimits({ memory: 1024, nanoCpus: 0 }), /Minimum memory limit allowed is 6MB/);
  });
});
