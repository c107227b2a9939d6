/**
 * The docker CLI scenario through `swarmd 'dockerserver unix://…' 'dockerclient <engine>'` to a real
 * private engine: dockerserver in front of a backend that has no simulator semantics of its own
 * (and, depending on dockerclient, no `Get ["containers"]` fast path).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { scenarioTests } from "../harness/docker-scenario.ts";
import { type Engine, ensureEngineInstalled, startEngine } from "../harness/engine.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

describe("docker CLI → dockerserver → dockerclient → real engine", { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "ds-engine-chain-"));
  const sock = join(dir, "d.sock");
  let engine: Engine;
  let swarmd: SwarmdProcess;
  before(async () => {
    await ensureEngineInstalled();
    engine = await startEngine("t-dockerserver-chain");
    swarmd = startSwarmd([`dockerserver unix://${sock}`, `dockerclient ${engine.host}`]);
    await swarmd.waitFor(/dockerserver listening/, 30_000);
  });
  after(async () => {
    if (swarmd) await swarmd.stop();
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  scenarioTests("chain", () => `unix://${sock}`);
});
