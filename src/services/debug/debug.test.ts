import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Client } from "../../core/client.ts";
import { copy } from "../../core/copy.ts";
import { recordingLogger } from "../../core/logger.ts";
import { ack, reply, Server } from "../../core/server.ts";
import type { Tree } from "../../core/tree.ts";
import { buildCatalogue, spawnService } from "../registry.ts";
import { debug } from "./index.ts";
import { redact } from "./wrap.ts";

/** A small backend: Spawn hands back an object whose Get answers; every other verb errors. */
function backend() {
  return new Server()
    .on("Spawn", async (m) => {
      const obj = new Server()
        .on("Get", (g) => reply(g, "Set", ['{"State":"running"}']).then(() => {}))
        .on("Stop", (s) => ack(s).then(() => {}));
      await ack(m, ["id1"], obj);
    })
    .on("Ls", (m) => reply(m, "Set", ["id1", "id2"]).then(() => {}));
}

describe("debug", () => {
  it("forwards every verb unchanged and logs requests, replies and object requests", async () => {
    const log = recordingLogger();
    const catalogue = buildCatalogue([debug], log);
    const dbg = await spawnService(catalogue, "debug", log);
    const be = backend();
    const forwarding = copy(be, dbg.output);
    const c = new Client(dbg.input.target);

    assert.deepEqual(await c.ls(), ["id1", "id2"]);
    const obj = await c.spawn('{"Image":"busybox","Env":["PASSWORD=hunter2","A=b"]}');
    assert.equal(await obj.get(), '{"State":"running"}');
    await obj.stop();
    await assert.rejects(c.start(), /not implemented/);

    const lines = log.records.map(
      (r) => `${(r.obj as { dir: string }).dir} ${(r.obj as { verb: string }).verb}`,
    );
    for (const expected of ["→ Ls", "← Set", "→ Spawn", "← Ack", "→ Get", "→ Stop", "→ Start", "← Error"]) {
      assert.ok(lines.includes(expected), `missing ${expected} in ${lines.join(", ")}`);
    }
    const all = JSON.stringify(log.records);
    assert.ok(!all.includes("hunter2"), "env values are redacted");
    assert.ok(all.includes("PASSWORD=***"));
    await dbg.stop();
    await forwarding;
  });

  it("refuses arguments", async () => {
    const log = recordingLogger();
    const catalogue = buildCatalogue([debug], log);
    await assert.rejects(spawnService(catalogue, "debug extra", log), /takes no arguments/);
  });

  it("redact hides env values and auth fields but leaves other JSON alone", () => {
    assert.equal(
      redact('{"Env":["A=1","B=x=y"],"Cmd":["echo","A=1"]}'),
      '{"Env":["A=***","B=***"],"Cmd":["echo","A=1"]}',
    );
    assert.equal(redact('{"password":"p","username":"u"}'), '{"password":"***","username":"u"}');
    assert.equal(redact("plain A=1"), "plain A=1");
  });
});

describe("registry", () => {
  it("reports unknown services and unclosed quotes clearly", async () => {
    const log = recordingLogger();
    const catalogue = buildCatalogue([debug], log);
    await assert.rejects(spawnService(catalogue, "nosuch a", log), /unknown service: nosuch/);
    await assert.rejects(spawnService(catalogue, 'debug "unclosed', log), /cannot parse/);
    await assert.rejects(spawnService(catalogue, "   ", log), /empty service command line/);
  });

  it("the catalogue is a Tree: Ls lists services", async () => {
    const catalogue: Tree = buildCatalogue([debug], recordingLogger());
    assert.deepEqual(await new Client(catalogue).ls(), ["debug"]);
  });
});
