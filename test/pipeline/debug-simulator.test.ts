/**
 * In-process pipeline (no sockets): a client → debug → simulator chain built by the same code
 * swarmd uses. debug must forward every verb unchanged and log it; the simulator's state must
 * survive many requests.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client } from "../../src/core/client.ts";
import { copy } from "../../src/core/copy.ts";
import { ErrorCodes, type SwarmError } from "../../src/core/errors.ts";
import { type LogRecord, recordingLogger } from "../../src/core/logger.ts";
import { Verbs } from "../../src/core/verbs.ts";
import { DockerVerbs } from "../../src/docker/verbs.ts";
import { debug } from "../../src/services/debug/index.ts";
import { buildCatalogue, spawnService } from "../../src/services/registry.ts";
import type { SpawnedService } from "../../src/services/service.ts";
import { simulator } from "../../src/services/simulator/index.ts";

describe("client → debug → simulator", () => {
  const records: LogRecord[] = [];
  const log = recordingLogger(records);
  let dbg: SpawnedService;
  let sim: SpawnedService;
  let linked: Promise<number>;
  let root: Client;

  before(async () => {
    const catalogue = buildCatalogue([debug, simulator], log);
    dbg = await spawnService(catalogue, "debug", log);
    sim = await spawnService(catalogue, "simulator web db", log);
    linked = copy(sim.input.target, dbg.output);
    root = new Client(dbg.input.target);
  });
  after(async () => {
    await dbg.stop();
    await linked;
    await sim.stop();
  });

  const logged = () =>
    records.filter((r) => r.bindings.service === "debug").map((r) => r.obj as { dir: string; verb: string });

  it("forwards every verb of a container's life unchanged, and logs each in both directions", async () => {
    const ids = await root.ls();
    assert.equal(ids.length, 2, "seeded with two containers");
    const created = await root.call(Verbs.Spawn, [
      JSON.stringify({ Image: "busybox", Cmd: ["sleep", "1000"] }),
      "c1",
    ]);
    const c = new Client(created.ret!);
    await c.start();
    const state = JSON.parse(await c.get()) as { Name: string; State: { Status: string } };
    assert.equal(state.Name, "/c1");
    assert.equal(state.State.Status, "running");
    await c.call(DockerVerbs.Pause);
    await c.call(DockerVerbs.Unpause);
    await c.call(DockerVerbs.Rename, ["c2"]);
    await c.stop("1");
    await c.call(DockerVerbs.Remove, ["{}"]);
    await assert.rejects(root.open("c2"), (e: SwarmError) => e.code === ErrorCodes.NotFound);
    await assert.rejects(root.call("Frobnicate"), (e: SwarmError) => e.code === ErrorCodes.NotImplemented);

    const seen = new Set(logged().map((r) => `${r.dir} ${r.verb}`));
    for (const v of [
      "→ Ls",
      "→ Spawn",
      "→ Start",
      "→ Get",
      "→ Pause",
      "→ Unpause",
      "→ Rename",
      "→ Stop",
      "→ Remove",
      "→ Attach",
      "→ Frobnicate",
    ]) {
      assert.ok(seen.has(v), `debug did not log ${v}`);
    }
    for (const v of ["← Set", "← Ack", "← Error"]) assert.ok(seen.has(v), `debug did not log reply ${v}`);
  });

  it("keeps the simulator's state across many requests", async () => {
    const before = (await root.ls()).length;
    for (let i = 0; i < 200; i++) {
      const m = await root.call(Verbs.Spawn, [
        JSON.stringify({ Image: "busybox", Cmd: ["true"] }),
        `many-${i}`,
      ]);
      const c = new Client(m.ret!);
      await c.start();
      if (i % 2 === 0) await c.call(DockerVerbs.Remove, [JSON.stringify({ force: true })]);
    }
    const after = await root.ls();
    assert.equal(after.length, before + 100);
    for (let i = 1; i < 200; i += 2) {
      const doc = JSON.parse(await (await root.open(`many-${i}`)).get()) as { Name: string };
      assert.equal(doc.Name, `/many-${i}`);
    }
  });
});
