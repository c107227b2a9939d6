/**
 * aggregate with remote nodes: each node is a `dial` to another swarmd (`listen` + `simulator`),
 * driven by the real docker CLI. ps merges the remote nodes; a remote swarmd that goes away is
 * marked unhealthy while ps keeps answering, and it rejoins when it is back.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { docker } from "../harness/docker-cli.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";
import { nodeStatus, until } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "agg-dial-"));
const remote = (n: string) => `unix://${join(dir, `${n}.sock`)}`;
let remotes: Record<string, SwarmdProcess> = {};
let front: SwarmdProcess;
let host: string;

async function startRemote(n: string, seed: string): Promise<SwarmdProcess> {
  const s = startSwarmd([`listen ${remote(n)}`, `simulator ${seed}`]);
  await s.waitFor(/accepting connections/, 30_000);
  return s;
}

before(async () => {
  remotes = { r1: await startRemote("r1", "one"), r2: await startRemote("r2", "two") };
  host = `unix://${join(dir, "front.sock")}`;
  front = startSwarmd([
    `dockerserver ${host}`,
    `aggregate --heartbeat 200 --timeout 600 "r1=dial ${remote("r1")}" "r2=dial ${remote("r2")}"`,
  ]);
  await front.waitFor(/dockerserver listening/, 30_000);
});

after(async () => {
  await front?.stop();
  for (const r of Object.values(remotes)) await r.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function ok(...args: string[]): Promise<string> {
  const r = await docker(host, args);
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

describe("aggregate over dial nodes (remote swarmds)", () => {
  test("ps merges the remote nodes and run spreads over them", async () => {
    assert.deepEqual((await ok("ps", "--format", "{{.Names}}")).trim().split("\n").sort(), [
      "r1/one",
      "r2/two",
    ]);
    const a = (await ok("run", "-d", "--network", "none", "busybox", "sleep", "1000")).trim();
    const b = (await ok("run", "-d", "--network", "none", "busybox", "sleep", "1000")).trim();
    const nodes = await Promise.all(
      [a, b].map(async (id) => (await ok("inspect", "--format", "{{.Node.Name}}", id)).trim()),
    );
    assert.deepEqual(nodes.sort(), ["r1", "r2"]);
    assert.equal(await ok("exec", a, "echo", "over the wire"), "over the wire\n");
  });

  test("a remote that goes away is unhealthy, ps still answers, and it rejoins", async () => {
    await remotes.r2!.stop();
    const t0 = Date.now();
    const ps = await ok("ps", "--format", "{{.Names}} {{.Status}}");
    assert.ok(Date.now() - t0 < 2000);
    assert.match(ps, /^r1\/one Up/m);
    await until("r2 to be unhealthy", async () => (await nodeStatus(host, "r2")) === "Unhealthy", 5000);
    assert.match(await ok("ps", "--format", "{{.Names}} {{.Status}}"), /^r2\/two Host Down$/m);
    remotes.r2 = await startRemote("r2", "again");
    await until("r2 to rejoin", async () => (await nodeStatus(host, "r2")) === "Healthy", 15_000);
    const names = (await ok("ps", "--format", "{{.Names}}")).trim().split("\n");
    assert.ok(names.includes("r2/again"), names.join(" "));
    assert.ok(!names.includes("r2/two"), "the old remote's containers are gone after the resync");
  });
});
