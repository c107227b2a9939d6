/**
 * Pull-on-create against a real registry (Debian docker-registry on 127.0.0.1): when the engine
 * lacks the image, dockerclient pulls it and creates again, as the original did; `Pull` streams
 * the engine's progress lines.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Verbs } from "../../src/core/verbs.ts";
import { DockerVerbs } from "../../src/docker/verbs.ts";
import { dockerclient } from "../../src/services/dockerclient/index.ts";
import { busybox, spawnBackend, startAttached } from "../../src/services/dockerclient/testing.ts";
import type { SpawnedService } from "../../src/services/service.ts";
import { docker } from "../harness/docker-cli.ts";
import { type Engine, ensureEngineInstalled, startEngine } from "../harness/engine.ts";
import { type Registry, startRegistry } from "../harness/registry.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

const dir = mkdtempSync(join(tmpdir(), "dc-pull-"));
let engine: Engine;
let registry: Registry;
let svc: SpawnedService;
let swarmd: SwarmdProcess | undefined;

/** Push busybox to the registry as `repo:tag`, then remove that name from the engine. */
async function publish(ref: string): Promise<void> {
  for (const args of [
    ["tag", "busybox:latest", ref],
    ["push", ref],
    ["rmi", ref],
  ]) {
    const r = await docker(engine.host, args, { timeoutMs: 60_000 });
    assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  }
  assert.notEqual(
    (await docker(engine.host, ["image", "inspect", ref])).code,
    0,
    `${ref} is gone from the engine`,
  );
}

before(async () => {
  await ensureEngineInstalled();
  [engine, registry] = await Promise.all([startEngine(`t-dc-pull-${process.pid}`), startRegistry()]);
  svc = await spawnBackend([dockerclient], `dockerclient ${engine.host}`);
});
after(async () => {
  await swarmd?.stop();
  await svc?.stop();
  await registry?.stop();
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("pull-on-create with a real registry", () => {
  test("Spawn of an image the engine lacks pulls it, creates, and the container runs", async () => {
    const ref = `${registry.host}/busybox:spawn`;
    await publish(ref);
    const c = await svc.input.spawn(busybox(["echo", "pulled"], { Image: ref }), "");
    assert.equal((await startAttached(c)).stdout, "pulled\n");
    assert.equal((await c.getJSON<{ Config: { Image: string } }>()).Config.Image, ref);
    assert.equal(
      (await docker(engine.host, ["image", "inspect", ref])).code,
      0,
      "the engine has the image now",
    );
  });

  test("Pull streams the engine's progress lines, then ends", async () => {
    const ref = `${registry.host}/busybox`;
    await publish(`${ref}:verb`);
    const replies = await svc.input.request(DockerVerbs.Pull, [ref, "verb"]);
    assert.equal((await replies.receive())?.verb, Verbs.Ack);
    const progress: string[] = [];
    for await (const m of replies) {
      assert.equal(m.verb, Verbs.Log);
      assert.equal(m.args[0], "progress");
      progress.push(m.args[1]!);
    }
    const statuses = progress.map((l) => (JSON.parse(l) as { status?: string }).status ?? "");
    assert.ok(
      statuses.some((s) => s.startsWith("Status: Downloaded newer image")),
      statuses.join("\n"),
    );
  });

  test("docker run through swarmd of an image only the registry has: it runs", async () => {
    const ref = `${registry.host}/busybox:cli`;
    await publish(ref);
    const sock = join(dir, "s.sock");
    swarmd = startSwarmd(["--backend", `dockerclient ${engine.host}`, `unix://${sock}`]);
    await swarmd.waitFor(/dockerserver listening/, 30_000);
    const r = await docker(
      `unix://${sock}`,
      ["run", "--rm", "--network", "none", ref, "echo", "via swarmd"],
      {
        timeoutMs: 60_000,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "via swarmd\n");
  });
});
