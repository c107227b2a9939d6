/**
 * The scenario's expectations are the engine's behaviour, not ours: run the same docker CLI steps
 * (test/harness/docker-scenario.ts) straight against a real private Docker engine. If this fails, the
 * harness is wrong; if cli.test.ts fails where this passes, dockerserver or a backend is.
 */
import { after, before, describe } from "node:test";
import { scenarioTests } from "../harness/docker-scenario.ts";
import { type Engine, ensureEngineInstalled, startEngine } from "../harness/engine.ts";

describe("docker CLI scenario against a real engine", { timeout: 600_000 }, () => {
  let engine: Engine;
  before(async () => {
    await ensureEngineInstalled();
    engine = await startEngine("t-dockerserver-scenario");
  });
  after(async () => {
    await engine?.stop();
  });

  scenarioTests("eng", () => engine.host);
});
