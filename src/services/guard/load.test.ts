import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parsePolicy } from "./load.ts";
import { effectiveRules } from "./policy.ts";

const bad = (text: string, expected: RegExp) =>
  assert.throws(() => parsePolicy(text, "/etc/p.yaml"), expected);

describe("policy loader", () => {
  it("points at the line and column of every kind of mistake", () => {
    bad(
      "containers: allow\nrestrict:\n  privilegd: deny\n",
      /p\.yaml:3:3: unknown key "privilegd" in restrict \(did you mean privileged\?\)/,
    );
    bad("contaners: allow\n", /p\.yaml:1:1: unknown key "contaners" \(did you mean containers\?\)/);
    bad("containers: allow\ncontainers: deny\n", /p\.yaml:2:1: Map keys must be unique$/);
    bad("exec: read\n", /p\.yaml:1:7: exec must be allow or deny, got "read"/);
    bad("containers: true\n", /p\.yaml:1:13: containers must be allow or read or deny, got true/);
    bad("secrets: allow\n", /p\.yaml:1:10: secrets: the Docker mapping carries no secrets requests/);
    bad("deny: containers.stop\n", /p\.yaml:1:7: deny must be a list of actions/);
    bad("allow: [exec.*, contaners.*]\n", /p\.yaml:1:17: allow\[1\]: "contaners.\*" names no action/);
    bad(
      "restrict:\n  binds: [/srv/../etc]\n",
      /p\.yaml:2:11: restrict.binds: "\/srv\/..\/etc" must not contain/,
    );
    bad("restrict:\n  require_user: deny\n", /p\.yaml:2:17: restrict.require_user must be true or false/);
    bad("scope:\n  labels: {}\n", /p\.yaml:2:11: scope.labels must name at least one label/);
    bad("users:\n  alice:\n    users: {}\n", /p\.yaml:3:5: unknown key "users" in users.alice/);
    bad("version: 1\n", /p\.yaml:1:10: version is the docker version section \(allow or deny\)/);
    bad("- a\n- b\n", /p\.yaml:1:1: the policy must be a mapping/);
    bad("# only a comment\n", /the policy is empty/);
  });

  it("loads every key, and users override the top level key by key", () => {
    const p = parsePolicy(
      [
        "version: deny",
        "containers: read",
        "start: allow",
        "allow: [containers.top]",
        "restrict:",
        "  privileged: allow",
        "  capabilities: [cap_net_admin]",
        "  binds: allow",
        "  images: {allow: [busybox], deny: ['*:evil']}",
        "scope: {names: [web*]}",
        "users:",
        "  alice:",
        "    containers: allow",
        "    deny: [containers.kill]",
        "    restrict: {privileged: deny}",
        "",
      ].join("\n"),
      "p.yaml",
    );
    const alice = effectiveRules(p, "alice");
    assert.equal(alice.sections.containers?.value, "allow");
    assert.equal(alice.sections.containers?.at, "p.yaml:13");
    assert.equal(alice.sections.start?.value, "allow");
    assert.equal(alice.restrict.privileged.value, false);
    assert.equal(alice.restrict.privileged.rule, "users.alice.restrict.privileged");
    assert.deepEqual(alice.restrict.capabilities.value, ["NET_ADMIN"]);
    assert.equal(alice.restrict.binds.value, "all");
    assert.deepEqual(alice.restrict.images_deny.value, ["*:evil"]);
    assert.deepEqual(alice.scope.names?.value, ["web*"]);
    assert.deepEqual(
      alice.deny.map((d) => d.value),
      ["containers.kill"],
    );
    const anon = effectiveRules(p, "");
    assert.equal(anon.sections.containers?.value, "read");
    assert.equal(anon.restrict.privileged.value, true);
    assert.equal(anon.restrict.user_root.rule, "default restrict.user_root");
  });

  it("the example policy in docs/services/guard.md loads", () => {
    const doc = readFileSync(new URL("../../../docs/services/guard.md", import.meta.url), "utf8");
    const example = doc.match(/```yaml\n(# Sections[\s\S]*?)```/)?.[1];
    assert.ok(example, "the docs have the example");
    const p = parsePolicy(example, "guard.yaml");
    assert.deepEqual([...p.users.keys()], ["alice", "bob"]);
    assert.equal(effectiveRules(p, "alice").scope.labels?.value.team, "a");
  });
});
