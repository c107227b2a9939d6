/**
 * End to end across the wire (issue 5): the docker CLI against
 *   swarmd 'dockerserver unix://…' 'dial tcp://…'   +   swarmd 'listen tcp://…' 'simulator c1 c2 c3'
 * must behave like `swarmd 'dockerserver unix://…' 'simulator c1 c2 c3'` in one process, down to
 * run -i, logs -f and exec; and the front process must recover when the back one restarts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { docker } from "../harness/docker-cli.ts";
import { scenarioTests } from "../harness/docker-scenario.ts";
import { freePort } from "../harness/net.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

const dir = mkdtempSync(join(tmpdir(), "wire-e2e-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("dockerserver → dial ⇢ wire ⇢ listen → simulator, in two processes", () => {
  const host = `unix://${join(dir, "front.sock")}`;
  let back: SwarmdProcess;
  let front: SwarmdProcess;
  let wire: string;

  before(async () => {
    wire = `tcp://127.0.0.1:${await freePort()}`;
    back = startSwarmd([`listen ${wire}`, "simulator c1 c2 c3"]);
    await back.waitFor(/accepting connections/, 20_000);
    front = startSwarmd([`dockerserver ${host}`, `dial ${wire}`]);
    await front.waitFor(/dockerserver listening/, 20_000);
  });
  after(async () => {
    for (const p of [front, back]) if (p && p.proc.exitCode === null) await p.stop("SIGKILL");
  });

  test("the remote simulator's containers are listed", async () => {
    const r = await docker(host, ["ps", "--format", "{{.Names}}"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n").sort(), ["c1", "c2", "c3"]);
  });

  scenarioTests("wire", () => host);

  test("the back process restarts: requests fail while it is down, then succeed again", async () => {
    await back.stop("SIGKILL");
    const down = await docker(host, ["ps", "-a", "--format", "{{.Names}}"]);
    assert.notEqual(down.code, 0, "ps must fail while the remote end is down");
    back = startSwarmd([`listen ${wire}`, "simulator c1 c2 c3"]);
    await back.waitFor(/accepting connections/, 20_000);
    let names = "";
    for (let i = 0; i < 100 && !names; i++) {
      const r = await docker(host, ["ps", "--format", "{{.Names}}"]);
      if (r.code === 0) names = r.stdout;
      else await new Promise((res) => setTimeout(res, 100));
    }
    assert.deepEqual(names.trim().split("\n").sort(), ["c1", "c2", "c3"]);
  });
});
