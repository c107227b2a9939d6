/**
 * The scenario's expectations are the engine's behaviour, not ours: run the same docker CLI steps
 * (test/harness/docker-scenario.ts) straight against a real private Docker engine. If this fails, the
 * harness is wrong; if cli.test.ts fails where this passes, dockerserver or a backend is.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dockerScenario, runStep, type ScenarioContext } from "../harness/docker-scenario.ts";
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

  const ctx: ScenarioContext = { t0: Math.floor(Date.now() / 1000), captured: new Map() };
  for (const step of dockerScenario("eng")) {
    test(`docker ${step.title}`, async () => {
      const r = await runStep(engine.host, step, ctx);
      assert.deepEqual(
        r.problems,
        [],
        `docker ${r.args.join(" ")}\nstdout: ${r.result.stdout}\nstderr: ${r.result.stderr}`,
      );
    });
  }
});
