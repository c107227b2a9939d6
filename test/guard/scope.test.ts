import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Chain, deniedBy, startChain } from "./chain.ts";

const POLICY = `containers: allow
exec: allow
scope:
  labels:
    team: a
`;

describe("guard label scoping with the docker CLI (simulator's web and db carry no team label)", () => {
  let chain: Chain;
  before(async () => {
    chain = await startChain({ guard: "guard", policy: POLICY });
  });
  after(async () => {
    await chain?.stop();
  });

  const names = async (...extra: string[]) => {
    const r = await chain.docker(["ps", "-a", "--format", "{{.Names}}", ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split("\n").filter(Boolean).sort();
  };

  it("ps shows nothing of other teams", async () => {
    assert.deepEqual(await names(), []);
  });

  it("a container created with the team's label is visible and usable", async () => {
    const r = await chain.docker([
      "run",
      "-d",
      "--name",
      "a1",
      "--label",
      "team=a",
      "--network",
      "none",
      "busybox",
      "sleep",
      "60",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await names(), ["a1"]);
    const ex = await chain.docker(["exec", "a1", "echo", "in-a1"]);
    assert.equal(ex.code, 0, ex.stderr);
    assert.equal(ex.stdout, "in-a1\n");
    const stop = await chain.docker(["stop", "-t", "1", "a1"]);
    assert.equal(stop.code, 0, stop.stderr);
  });

  it("creating outside the scope is refused", async () => {
    for (const labels of [[], ["--label", "team=b"]]) {
      const r = await chain.docker(["run", "-d", ...labels, "--network", "none", "busybox", "true"]);
      assert.ok(deniedBy(r, "scope.labels (policy.yaml:4)"), r.stderr);
    }
  });

  it("other teams' containers are refused for stop, inspect, exec, logs and rm, and keep running", async () => {
    for (const args of [
      ["stop", "web"],
      ["inspect", "web"],
      ["exec", "web", "true"],
      ["logs", "db"],
      ["rm", "-f", "db"],
    ]) {
      const r = await chain.docker(args);
      assert.ok(deniedBy(r, "scope.labels (policy.yaml:4)"), `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /is not labelled team=a/);
    }
    // Every decision about web and db was a denial: no request for them went past guard.
    const about = (await chain.settledDecisions()).filter(
      (d) => d.container === "web" || d.container === "db",
    );
    assert.ok(about.length >= 5);
    assert.deepEqual([...new Set(about.map((d) => d.decision))], ["deny"]);
  });

  it("events show only the team's containers", async () => {
    const r = await chain.docker([
      "events",
      "--since",
      "0",
      "--until",
      String(Math.floor(Date.now() / 1000) + 1),
      "--format",
      "{{.Actor.Attributes.name}}",
      "--filter",
      "type=container",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const seen = new Set(r.stdout.trim().split("\n").filter(Boolean));
    assert.ok(seen.has("a1"), r.stdout);
    assert.ok(!seen.has("web") && !seen.has("db"), r.stdout);
  });
});
