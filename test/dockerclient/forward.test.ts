/**
 * `forward`, the oldest README's backend: its example, swarmd in front of swarmd, and forward in
 * front of a real engine (the docker CLI's view must match the engine's).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SERVER } from "../../src/services/dockerserver/response.ts";
import { docker, normalise } from "../harness/docker-cli.ts";
import { type Engine, ensureEngineInstalled, startEngine } from "../harness/engine.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

const dir = mkdtempSync(join(tmpdir(), "dc-forward-"));
const swarmds: SwarmdProcess[] = [];
let engine: Engine | undefined;

async function swarmd(args: string[]): Promise<void> {
  const s = startSwarmd(args);
  swarmds.push(s);
  await s.waitFor(/dockerserver listening/, 30_000);
}

after(async () => {
  for (const s of swarmds.reverse()) await s.stop();
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("forward (the oldest README)", () => {
  test("the README example: simulator behind a.sock, forward from b.sock; docker ps lists myapp", async () => {
    const a = join(dir, "a.sock");
    const b = join(dir, "b.sock");
    await swarmd(["--backend", "simulator myapp", `unix://${a}`]);
    await swarmd(["--backend", `forward unix://${a}`, `unix://${b}`]);
    const viaB = await docker(`unix://${b}`, ["ps", "-a", "--format", "{{.Names}}"]);
    assert.equal(viaB.code, 0, viaB.stderr);
    assert.match(viaB.stdout, /^myapp$/m);
    // The whole table, not only the name, is what the simulator itself shows.
    const viaA = await docker(`unix://${a}`, ["ps"]);
    const viaB2 = await docker(`unix://${b}`, ["ps"]);
    assert.equal(normalise(viaB2.stdout), normalise(viaA.stdout));
    assert.match(viaB2.stdout, /myapp/);
  });

  describe("in front of a real engine", () => {
    before(async () => {
      await ensureEngineInstalled();
      engine = await startEngine(`t-dc-fwd-${process.pid}`);
    });

    test("run, logs and errors through forward equal the engine's", async () => {
      const sock = join(dir, "fwd.sock");
      await swarmd(["--backend", `forward ${engine!.host}`, `unix://${sock}`]);
      for (const host of [engine!.host, `unix://${sock}`]) {
        const tag = host === engine!.host ? "en" : "fw";
        const run = await docker(host, [
          "run",
          "--name",
          `fwd-${tag}`,
          "--network",
          "none",
          "busybox",
          "sh",
          "-c",
          "echo hi; exit 2",
        ]);
        assert.equal(run.code, 2);
        assert.equal(run.stdout, "hi\n");
        const logs = await docker(host, ["logs", `fwd-${tag}`]);
        assert.equal(logs.stdout, "hi\n");
        const rm = await docker(host, ["rm", `fwd-${tag}`]);
        assert.equal(rm.stdout, `fwd-${tag}\n`);
        const missing = await docker(host, ["stop", `fwd-${tag}`]);
        assert.equal(missing.code, 1);
        assert.equal(missing.stderr, `Error response from daemon: No such container: fwd-${tag}\n`);
      }
    });

    test("dockerserver copies connections raw through forward; --no-raw and debug keep messages", async () => {
      const raw = join(dir, "raw.sock");
      const noRaw = join(dir, "noraw.sock");
      const viaDebug = join(dir, "debug.sock");
      await swarmd(["--backend", `forward ${engine!.host}`, `unix://${raw}`]);
      await swarmd(["--backend", `forward --no-raw ${engine!.host}`, `unix://${noRaw}`]);
      await swarmd([`dockerserver unix://${viaDebug}`, "debug", `forward ${engine!.host}`]);
      const engineServer = await serverHeader(engine!.socket);
      assert.match(engineServer, /^Docker\//);
      assert.equal(await serverHeader(raw), engineServer, "raw: the engine itself answers");
      assert.equal(await serverHeader(noRaw), SERVER, "--no-raw: dockerserver answers");
      assert.equal(await serverHeader(viaDebug), SERVER, "debug refuses the raw stream");
      // The raw path carries everything the CLI does, hijacked streams included.
      const run = await docker(
        `unix://${raw}`,
        ["run", "--rm", "-i", "--network", "none", "busybox", "cat"],
        {
          input: "through raw\n",
        },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, "through raw\n");
      const missing = await docker(`unix://${raw}`, ["rm", "no-such-thing"]);
      assert.equal(missing.stderr, "Error response from daemon: No such container: no-such-thing\n");
    });
  });
});

/** The `Server` header of `HEAD /_ping` on a unix socket: who actually answered. */
function serverHeader(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: "/_ping", method: "HEAD" }, (res) => {
      res.resume();
      resolve(String(res.headers.server ?? ""));
    });
    req.on("error", reject);
    req.end();
  });
}
