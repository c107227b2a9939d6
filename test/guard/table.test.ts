import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Chain, deniedBy, startChain } from "./chain.ts";

/**
 * Table-driven: each row is one docker CLI command through dockerserver → guard → simulator, with
 * the decision the policy below must give (`allow`, or the rule that denies). Rows run in order and
 * some depend on earlier ones (t1 is created, then exec'd into, stopped, removed).
 */

const POLICY = [
  "containers: allow", // 1
  "exec: allow", // 2
  "images: read", // 3
  "deny: [containers.pause, containers.rename]", // 4
  "restrict:", // 5
  "  binds: [/srv, /data/shared]", // 6
  "  capabilities: [NET_BIND_SERVICE, CHOWN]", // 7
  "  user_root: deny", // 8
  "  images:", // 9
  "    allow: [busybox]", // 10
  '    deny: ["busybox:evil"]', // 11
  "",
].join("\n");

const ALLOW = "allow";
const run = (...flags: string[]) => ["run", "-d", "--network", "none", ...flags, "busybox", "sleep", "30"];
const runImage = (image: string) => ["run", "-d", "--network", "none", image, "sleep", "30"];

const TABLE: [string[], string][] = [
  [["version"], ALLOW],
  [["info"], ALLOW],
  [["ps"], ALLOW],
  [["ps", "-a"], ALLOW],
  [["images"], ALLOW],
  [["inspect", "web"], ALLOW],
  [["logs", "web"], ALLOW],
  [["top", "web"], ALLOW],
  [["image", "inspect", "busybox"], ALLOW],
  [["pull", "busybox"], "images (policy.yaml:3)"],
  [["system", "df"], "default-deny"],
  [run("--name", "t1"), ALLOW],
  [run("--privileged"), "default restrict.privileged"],
  [["run", "-d", "--network", "host", "busybox", "true"], "default restrict.host_network"],
  [run("--pid", "host"), "default restrict.host_pid"],
  [run("--ipc", "host"), "default restrict.host_ipc"],
  [run("--uts", "host"), "default restrict.host_uts"],
  [run("--userns", "host"), "default restrict.host_userns"],
  [run("--cgroupns", "host"), "default restrict.host_cgroupns"],
  [run("-v", "/srv/a:/a"), ALLOW],
  [run("-v", "/data/shared/x:/d:ro"), ALLOW],
  [run("-v", "/data:/d"), "restrict.binds (policy.yaml:6)"],
  [run("-v", "/etc:/e"), "restrict.binds (policy.yaml:6)"],
  [run("-v", "/srv/../etc:/e"), "restrict.binds (policy.yaml:6)"],
  [run("-v", "/var/run/docker.sock:/var/run/docker.sock"), "restrict.binds (policy.yaml:6)"],
  [run("--mount", "type=bind,src=/root,dst=/x"), "restrict.binds (policy.yaml:6)"],
  [
    run("--mount", "type=volume,src=v2,dst=/x,volume-opt=o=bind,volume-opt=device=/etc"),
    "restrict.binds (policy.yaml:6)",
  ],
  [run("--volumes-from", "web"), "restrict.binds (policy.yaml:6)"],
  [run("-v", "namedvol:/v"), ALLOW],
  [run("--cap-add", "NET_BIND_SERVICE"), ALLOW],
  [run("--cap-add", "chown"), ALLOW],
  [run("--cap-add", "SYS_ADMIN"), "restrict.capabilities (policy.yaml:7)"],
  [run("--cap-add", "ALL"), "restrict.capabilities (policy.yaml:7)"],
  [run("--device", "/dev/null:/dev/n"), "default restrict.devices"],
  [run("--security-opt", "apparmor=unconfined"), "default restrict.security_opt"],
  [run("--security-opt", "label=disable"), "default restrict.security_opt"],
  [run("--user", "root"), "restrict.user_root (policy.yaml:8)"],
  [run("--user", "0"), "restrict.user_root (policy.yaml:8)"],
  [run("--user", "0:0"), "restrict.user_root (policy.yaml:8)"],
  [run("--user", "1000"), ALLOW],
  [runImage("alpine"), "restrict.images.allow (policy.yaml:10)"],
  [runImage("docker.io/library/ubuntu:22.04"), "restrict.images.allow (policy.yaml:10)"],
  [runImage("busybox:evil"), "restrict.images.deny (policy.yaml:11)"],
  [runImage("busybox:latest"), ALLOW],
  [runImage("docker.io/library/busybox"), ALLOW],
  [["exec", "t1", "true"], ALLOW],
  [["exec", "-u", "1000", "t1", "true"], ALLOW],
  [["exec", "--user", "root", "t1", "true"], "restrict.user_root (policy.yaml:8)"],
  [["exec", "--privileged", "t1", "true"], "default restrict.privileged"],
  [["pause", "t1"], "deny[0] (policy.yaml:4)"],
  [["rename", "t1", "t9"], "deny[1] (policy.yaml:4)"],
  [["stop", "-t", "1", "t1"], ALLOW],
  [["start", "t1"], ALLOW],
  [["restart", "-t", "1", "t1"], ALLOW],
  [["kill", "t1"], ALLOW],
  [["create", "--name", "c1", "--network", "none", "busybox"], ALLOW],
  [["rm", "c1"], ALLOW],
  [["rm", "-f", "t1"], ALLOW],
  [["run", "--rm", "--network", "none", "busybox", "echo", "hi"], ALLOW],
  [["events", "--since", "0", "--until", "1"], ALLOW],
];

describe("guard decision table: 60 docker CLI commands against one policy", () => {
  let chain: Chain;
  before(async () => {
    chain = await startChain({ guard: "guard", policy: POLICY });
  });
  after(async () => {
    await chain?.stop();
  });

  it("has at least 50 rows", () => {
    assert.ok(TABLE.length >= 50, `${TABLE.length} rows`);
  });

  it("every row gets the expected decision, and denials are logged with their rule", async () => {
    const wrong: string[] = [];
    for (const [args, expected] of TABLE) {
      const before = chain.decisions().length;
      const r = await chain.docker(args);
      const ok = expected === ALLOW ? r.code === 0 : deniedBy(r, expected);
      if (!ok)
        wrong.push(`docker ${args.join(" ")}: expected ${expected}, got exit ${r.code}: ${r.stderr.trim()}`);
      if (expected !== ALLOW) {
        // The log line travels through swarmd's stdout: give it a moment to arrive.
        const logged = () => chain.decisions().slice(before);
        for (let i = 0; i < 40 && !logged().some((d) => d.rule === expected); i++) {
          await new Promise((r) => setTimeout(r, 25));
        }
        if (!logged().some((d) => d.decision === "deny" && d.rule === expected)) {
          wrong.push(`docker ${args.join(" ")}: no deny decision with rule ${expected} in the log`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });
});
