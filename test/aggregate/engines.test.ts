/**
 * aggregate over two real Docker engines (`dockerclient unix://…`), through the real docker CLI:
 * run, logs, exec, stop and rm on both nodes; then one engine is killed: ps still answers within
 * 2 s and shows which node is missing, info and the log name it, and it rejoins after a restart.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { docker } from "../harness/docker-cli.ts";
import { type Engine, ensureEngineInstalled, startEngine } from "../harness/engine.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";
import { nodeStatus, until } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "agg-eng-"));
const names = ["t-agg-e1", "t-agg-e2"];
let engines: Engine[] = [];
let swarmd: SwarmdProcess;
let host: string;

before(async () => {
  await ensureEngineInstalled();
  engines = await Promise.all(names.map((n) => startEngine(n)));
  const sock = join(dir, "agg.sock");
  host = `unix://${sock}`;
  swarmd = startSwarmd([
    `dockerserver ${host}`,
    `aggregate --heartbeat 300 --timeout 800 "e1=dockerclient ${engines[0]!.host}" "e2=dockerclient ${engines[1]!.host}"`,
  ]);
  await swarmd.waitFor(/dockerserver listening/, 30_000);
});

after(async () => {
  await swarmd?.stop();
  for (const e of engines) await e.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

async function ok(...args: string[]): Promise<string> {
  const r = await docker(host, args, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** `docker run -d` of busybox `cmd` on `node` (a constraint), named `name` if given: its ID. */
async function runOn(node: string, name: string | undefined, ...cmd: string[]): Promise<string> {
  const named = name === undefined ? [] : ["--name", name];
  const env = ["-e", `constraint:node==${node}`];
  return (await ok("run", "-d", "--network", "none", ...named, ...env, "busybox", ...cmd)).trim();
}

describe("aggregate over two real engines", () => {
  test("run, logs, exec, stop and rm on both nodes", async () => {
    for (const n of ["e1", "e2"]) {
      const id = await runOn(n, `w-${n}`, "sh", "-c", `echo hi-${n}; sleep 1000`);
      assert.match(id, /^[0-9a-f]{64}$/);
      assert.equal((await ok("inspect", "--format", "{{.Node.Name}}", `w-${n}`)).trim(), n);
      await until("logs", async () => (await ok("logs", `w-${n}`)) === `hi-${n}\n`, 10_000);
      assert.equal(await ok("exec", `w-${n}`, "echo", `exec-${n}`), `exec-${n}\n`);
    }
    const names = (await ok("ps", "--format", "{{.Names}}")).trim().split("\n").sort();
    assert.deepEqual(names, ["e1/w-e1", "e2/w-e2"]);
    assert.equal(await ok("run", "--rm", "--network", "none", "busybox", "echo", "attached"), "attached\n");
    for (const n of ["e1", "e2"]) {
      await ok("stop", "-t", "1", `w-${n}`);
      assert.match(await ok("ps", "-a", "--filter", `name=w-${n}`, "--format", "{{.Status}}"), /^Exited/);
      await ok("rm", `w-${n}`);
    }
    assert.equal(await ok("ps", "-aq"), "");
  });

  test("a killed engine: ps answers within 2 s and names it; it rejoins after a restart", async () => {
    await runOn("e1", "k1", "sleep", "1000");
    await runOn("e2", "k2", "sleep", "1000");
    await engines[1]!.stop();
    const t0 = Date.now();
    const ps = await docker(host, ["ps", "--format", "{{.Names}} {{.Status}}"]);
    const took = Date.now() - t0;
    assert.equal(ps.code, 0, ps.stderr);
    assert.ok(took <= 2000, `ps took ${took} ms`);
    assert.match(ps.stdout, /^e1\/k1 Up/m);
    await until("e2 to be unhealthy", async () => (await nodeStatus(host, "e2")) === "Unhealthy", 5000);
    const listed = await docker(host, ["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    assert.match(listed.stdout, /^e2\/k2 Host Down$/m, "the missing node's containers say so");
    const info = await docker(host, ["info"]);
    assert.match(info.stderr, /WARNING: node e2 \(dockerclient [^)]*\) is unhealthy/);
    assert.match(swarmd.output(), /node e2 is unhealthy/);
    // scheduling leaves it out
    const r = await ok("run", "-d", "--network", "none", "busybox", "sleep", "1000");
    assert.equal((await ok("inspect", "--format", "{{.Node.Name}}", r.trim())).trim(), "e1");
    engines[1] = await startEngine(names[1]!);
    const back = await until(
      "e2 to rejoin",
      async () => (await nodeStatus(host, "e2")) === "Healthy",
      20_000,
    );
    assert.ok(back < 20_000);
    const again = await runOn("e2", undefined, "sleep", "1000");
    assert.equal((await ok("inspect", "--format", "{{.Node.Name}}", again)).trim(), "e2");
    assert.doesNotMatch(await ok("ps", "--format", "{{.Names}} {{.Status}}"), /Host Down/);
    await ok("rm", "-f", "k1", again, r.trim());
  });
});
