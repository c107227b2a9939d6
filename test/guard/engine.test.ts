import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Engine, ensureEngineInstalled, startEngine } from "../harness/engine.ts";
import { type Chain, deniedBy, runDocker, startChain } from "./chain.ts";

/** guard in front of a real Docker engine: dockerserver → guard → dockerclient → dockerd. */
describe("guard in front of a real engine (dockerclient)", () => {
  let engine: Engine;
  let readOnly: Chain;
  let policed: Chain;
  let scoped: Chain;
  const direct = (args: string[]) => runDocker(args, { DOCKER_HOST: engine.host });

  before(async () => {
    await ensureEngineInstalled();
    engine = await startEngine("t-guard");
    const r = await direct([
      "run",
      "-d",
      "--name",
      "victim",
      "--network",
      "none",
      "busybox:latest",
      "sh",
      "-c",
      "echo alive; sleep 300",
    ]);
    assert.equal(r.code, 0, r.stderr);
    readOnly = await startChain({ guard: "guard --read-only", backend: `dockerclient ${engine.host}` });
    scoped = await startChain({
      guard: "guard",
      policy: "containers: allow\nscope:\n  labels: {team: a}\n",
      backend: `dockerclient ${engine.host}`,
    });
    policed = await startChain({
      guard: "guard",
      policy: "containers: allow\nrestrict:\n  binds: [/srv]\n",
      backend: `dockerclient ${engine.host}`,
    });
  });
  after(async () => {
    await readOnly?.stop();
    await policed?.stop();
    await scoped?.stop();
    await engine?.stop();
  });

  it("--read-only: ps, inspect and logs work against the engine", async () => {
    const ps = await readOnly.docker(["ps", "--format", "{{.Names}}"]);
    assert.equal(ps.code, 0, ps.stderr);
    assert.equal(ps.stdout.trim(), "victim");
    const inspect = await readOnly.docker(["inspect", "--format", "{{.State.Running}}", "victim"]);
    assert.equal(inspect.stdout.trim(), "true", inspect.stderr);
    const logs = await readOnly.docker(["logs", "victim"]);
    assert.equal(logs.stdout, "alive\n", logs.stderr);
  });

  it("--read-only: run, rm and exec are 403s naming the rule, and the engine never sees them", async () => {
    for (const args of [
      ["run", "--rm", "--network", "none", "busybox:latest", "echo", "hi"],
      ["rm", "-f", "victim"],
      ["exec", "victim", "touch", "/tmp/pwned"],
    ]) {
      const r = await readOnly.docker(args);
      assert.ok(deniedBy(r, "--read-only"), `${args.join(" ")}: ${r.stderr}`);
    }
    const all = await direct(["ps", "-a", "--format", "{{.Names}} {{.State}}"]);
    assert.equal(all.stdout.trim(), "victim running");
    const pwned = await direct(["exec", "victim", "test", "-e", "/tmp/pwned"]);
    assert.equal(pwned.code, 1, "the denied exec never ran");
  });

  it("a policy lets a plain run through to the engine and keeps --privileged and host binds out", async () => {
    const ok = await policed.docker([
      "run",
      "--rm",
      "--network",
      "none",
      "busybox:latest",
      "echo",
      "through-guard",
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, "through-guard\n");
    const priv = await policed.docker([
      "run",
      "-d",
      "--privileged",
      "--network",
      "none",
      "busybox:latest",
      "true",
    ]);
    assert.ok(deniedBy(priv, "default restrict.privileged"), priv.stderr);
    const bind = await policed.docker([
      "run",
      "-d",
      "-v",
      "/:/host",
      "--network",
      "none",
      "busybox:latest",
      "true",
    ]);
    assert.ok(deniedBy(bind, "restrict.binds (policy.yaml:3)"), bind.stderr);
    const all = await direct(["ps", "-a", "--format", "{{.Names}}"]);
    assert.equal(all.stdout.trim(), "victim", "only the pre-existing container is on the engine");
  });

  it("label scoping on a real engine: ps and events show the team's containers only, others are refused", async () => {
    const mine = await scoped.docker([
      "run",
      "-d",
      "--name",
      "team-a",
      "--label",
      "team=a",
      "--network",
      "none",
      "busybox:latest",
      "sleep",
      "300",
    ]);
    assert.equal(mine.code, 0, mine.stderr);
    const ps = await scoped.docker(["ps", "-a", "--format", "{{.Names}}"]);
    assert.equal(ps.stdout.trim(), "team-a", ps.stderr);
    const stop = await scoped.docker(["stop", "-t", "0", "victim"]);
    assert.ok(deniedBy(stop, "scope.labels (policy.yaml:3)"), stop.stderr);
    const events = await scoped.docker([
      "events",
      "--since",
      "0",
      "--until",
      String(Math.floor(Date.now() / 1000) + 1),
      "--filter",
      "type=container",
      "--format",
      "{{.Actor.Attributes.name}}",
    ]);
    const names = new Set(events.stdout.trim().split("\n"));
    assert.ok(names.has("team-a") && !names.has("victim"), events.stdout);
    const rm = await scoped.docker(["rm", "-f", "team-a"]);
    assert.equal(rm.code, 0, rm.stderr);
    const still = await direct(["inspect", "--format", "{{.State.Running}}", "victim"]);
    assert.equal(still.stdout.trim(), "true");
  });
});
