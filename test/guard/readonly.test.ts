import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Chain, deniedBy, startChain } from "./chain.ts";

describe("guard --read-only with the docker CLI (dockerserver → guard → simulator)", () => {
  let chain: Chain;
  before(async () => {
    chain = await startChain({ guard: "guard --read-only" });
  });
  after(async () => {
    await chain?.stop();
  });

  it("allows version, info, ps, inspect, logs and images", async () => {
    for (const args of [
      ["version", "--format", "{{.Server.APIVersion}}"],
      ["info", "--format", "{{.Containers}}"],
      ["ps", "-a", "--format", "{{.Names}}"],
      ["inspect", "--format", "{{.Name}}", "web"],
      ["logs", "web"],
      ["images"],
    ]) {
      const r = await chain.docker(args);
      assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
    }
    const ps = await chain.docker(["ps", "-a", "--format", "{{.Names}}"]);
    assert.deepEqual(ps.stdout.trim().split("\n").sort(), ["db", "web"]);
    const inspect = await chain.docker(["inspect", "--format", "{{.Name}}", "web"]);
    assert.equal(inspect.stdout.trim(), "/web");
  });

  it("denies run, rm, exec, stop, kill, pull with a 403 that names the rule, and nothing reaches the backend", async () => {
    const cases: string[][] = [
      ["run", "--rm", "--network", "none", "busybox", "echo", "hi"],
      ["create", "--network", "none", "busybox"],
      ["rm", "-f", "web"],
      ["exec", "web", "echo", "hi"],
      ["stop", "web"],
      ["kill", "web"],
      ["restart", "web"],
      ["pause", "web"],
      ["rename", "web", "web2"],
      ["pull", "busybox"],
      ["top", "web"],
    ];
    for (const args of cases) {
      const r = await chain.docker(args);
      assert.ok(deniedBy(r, "--read-only"), `docker ${args.join(" ")}: exit ${r.code} ${r.stderr}`);
    }
    // The denied requests changed nothing: both containers are still there and running.
    const ps = await chain.docker(["ps", "--format", "{{.Names}} {{.State}}"]);
    assert.deepEqual(ps.stdout.trim().split("\n").sort(), ["db running", "web running"]);
    const denies = (await chain.settledDecisions()).filter((d) => d.decision === "deny");
    assert.ok(denies.length >= cases.length);
    for (const d of denies) assert.equal(d.rule, "--read-only");
  });

  it("the denial is an HTTP 403 with the Docker JSON error body", async () => {
    const { request } = await import("node:http");
    const sock = chain.host.slice("unix://".length);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { socketPath: sock, method: "DELETE", path: "/v1.41/containers/web?force=1" },
        (r) => {
          let body = "";
          r.on("data", (d) => (body += d));
          r.on("end", () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.end();
    });
    assert.equal(res.status, 403);
    assert.match(JSON.parse(res.body).message, /^guard: containers.remove denied by rule --read-only/);
  });
});
