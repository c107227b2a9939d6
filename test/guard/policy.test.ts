import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runSwarmd } from "../harness/swarmd.ts";
import { type Chain, deniedBy, startChain } from "./chain.ts";

const POLICY = `# run is allowed, but not privileged, not host binds outside /srv, not the host network
containers: allow
restrict:
  binds: [/srv]
  privileged: deny
  host_network: deny
`;

describe("guard policy: run allowed, dangerous content denied (docker CLI → simulator)", () => {
  let chain: Chain;
  before(async () => {
    chain = await startChain({ guard: "guard", policy: POLICY });
  });
  after(async () => {
    await chain?.stop();
  });

  const run = (...flags: string[]) =>
    chain.docker(["run", "-d", ...flags, "--network", "none", "busybox", "sleep", "60"]);

  it("allows a plain run, and binds under /srv, and named volumes", async () => {
    for (const flags of [[], ["-v", "/srv/data:/data:ro"], ["-v", "/srv:/srv"], ["-v", "myvol:/v"]]) {
      const r = await run(...flags);
      assert.equal(r.code, 0, `run ${flags.join(" ")}: ${r.stderr}`);
      assert.match(r.stdout.trim(), /^[0-9a-f]{64}$/);
    }
  });

  it("denies --privileged, naming restrict.privileged and its line", async () => {
    const r = await run("--privileged");
    assert.ok(deniedBy(r, "restrict.privileged (policy.yaml:5)"), r.stderr);
    assert.match(r.stderr, /privileged containers are not allowed/);
  });

  it("denies bind mounts outside /srv, however they are spelled", async () => {
    for (const flags of [
      ["-v", "/etc:/host-etc"],
      ["-v", "/:/host"],
      ["-v", "/srv/../etc:/x"],
      ["-v", "/srvx:/x"],
      ["-v", "/var/run/docker.sock:/var/run/docker.sock"],
      ["--mount", "type=bind,source=/etc,target=/x"],
      [
        "--mount",
        "type=volume,source=v1,target=/x,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/etc",
      ],
    ]) {
      const r = await run(...flags);
      assert.ok(deniedBy(r, "restrict.binds (policy.yaml:4)"), `${flags.join(" ")}: ${r.stderr}`);
    }
  });

  it("denies --network host (the rule, not the CLI, refuses it)", async () => {
    const r = await chain.docker(["run", "-d", "--network", "host", "busybox", "sleep", "60"]);
    assert.ok(deniedBy(r, "restrict.host_network (policy.yaml:6)"), r.stderr);
  });

  it("denies what the policy does not mention but is dangerous by default: --pid host, --cap-add, devices", async () => {
    const cases: [string[], string][] = [
      [["--pid", "host"], "default restrict.host_pid"],
      [["--ipc", "host"], "default restrict.host_ipc"],
      [["--cap-add", "SYS_ADMIN"], "default restrict.capabilities"],
      [["--device", "/dev/null:/dev/x"], "default restrict.devices"],
      [["--security-opt", "seccomp=unconfined"], "default restrict.security_opt"],
    ];
    for (const [flags, rule] of cases) {
      const r = await run(...flags);
      assert.ok(deniedBy(r, rule), `${flags.join(" ")}: ${r.stderr}`);
    }
  });

  it("none of the denied containers exists", async () => {
    const ps = await chain.docker(["ps", "-aq", "--no-trunc"]);
    // web, db, and the four allowed runs
    assert.equal(ps.stdout.trim().split("\n").length, 6, ps.stdout);
  });
});

describe("a malformed policy stops swarmd at start, pointing at the line", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "guard-bad-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: [string, string, RegExp][] = [
    [
      "typo",
      "containers: allow\nrestrict:\n  privilegd: deny\n",
      /bad\.yaml:3:3: unknown key "privilegd" in restrict \(did you mean privileged\?\)/,
    ],
    ["bad value", "containers: allow\nexec: yes\n", /bad\.yaml:2:7: exec must be allow or deny, got "yes"/],
    ["yaml syntax", "containers: allow\nrestrict: [binds\n", /bad\.yaml:\d+:\d+: /],
    [
      "unknown action",
      "allow:\n  - containers.strat\n",
      /bad\.yaml:2:5: allow\[0\]: "containers.strat" names no action/,
    ],
    [
      "relative bind",
      "restrict:\n  binds: [srv]\n",
      /bad\.yaml:2:11: restrict.binds: "srv" must be an absolute host path/,
    ],
    ["empty", "", /the policy is empty/],
  ];
  for (const [what, text, expected] of cases) {
    it(`${what}: exit 1 and a one-line message`, async () => {
      const file = join(dir, "bad.yaml");
      writeFileSync(file, text);
      const r = await runSwarmd([
        "dockerserver unix:///nonexistent/x.sock",
        `guard --policy ${file}`,
        "simulator web",
      ]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, expected);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    });
  }
});
