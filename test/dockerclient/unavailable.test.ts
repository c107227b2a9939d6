/**
 * The docker CLI through swarmd when the engine is missing, goes away mid-stream, and comes back:
 * a clear error naming the engine, swarmd keeps running, and it serves again once the engine is up.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { docker, spawnDocker } from "../harness/docker-cli.ts";
import { type Engine, ensureEngineInstalled, startEngine } from "../harness/engine.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

const dir = mkdtempSync(join(tmpdir(), "dc-down-"));
let swarmd: SwarmdProcess | undefined;
let engine: Engine | undefined;
after(async () => {
  await swarmd?.stop();
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("engine down, engine gone mid-stream, engine back: the CLI is told which engine, swarmd recovers", async () => {
  await ensureEngineInstalled();
  const name = `t-dc-down-${process.pid}`;
  engine = await startEngine(name);
  const host = engine.host;
  const sock = join(dir, "s.sock");
  swarmd = startSwarmd(["--backend", `dockerclient ${host}`, `unix://${sock}`]);
  await swarmd.waitFor(/dockerserver listening/, 30_000);
  const via = `unix://${sock}`;

  assert.equal((await docker(via, ["ps"])).code, 0);
  const run = await docker(via, [
    "run",
    "-d",
    "--name",
    "ticker",
    "--network",
    "none",
    "busybox",
    "sh",
    "-c",
    "while true; do echo tick; sleep 0.1; done",
  ]);
  assert.equal(run.code, 0, run.stderr);

  // Mid-stream: `logs -f` is reading when the engine stops. The CLI must end, not hang.
  const follow = spawnDocker(via, ["logs", "-f", "ticker"]);
  let followed = "";
  follow.stdout!.on("data", (d) => (followed += d));
  const followExit = new Promise<number | null>((resolve) => follow.once("close", (code) => resolve(code)));
  while (!followed.includes("tick")) await new Promise((r) => setTimeout(r, 50));
  await engine.stop();
  const timer = setTimeout(() => follow.kill("SIGKILL"), 20_000);
  await followExit;
  clearTimeout(timer);
  assert.ok(follow.signalCode !== "SIGKILL", "docker logs -f ended by itself when the engine went away");

  const down = await docker(via, ["ps"]);
  assert.equal(down.code, 1);
  assert.match(
    down.stderr,
    new RegExp(
      `^Error response from daemon: cannot reach Docker engine at ${host}: (connect ENOENT|connect ECONNREFUSED|read ECONNRESET)`,
    ),
  );
  const runDown = await docker(via, ["run", "--rm", "--network", "none", "busybox", "true"]);
  assert.equal(runDown.code, 125);
  assert.match(runDown.stderr, /cannot reach Docker engine at unix:\/\//);
  assert.equal(swarmd.proc.exitCode, null, "swarmd is still running");

  engine = await startEngine(name);
  const back = await docker(via, ["run", "--rm", "--network", "none", "busybox", "echo", "back"]);
  assert.equal(back.code, 0, back.stderr);
  assert.equal(back.stdout, "back\n");
});
