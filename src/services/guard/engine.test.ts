import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { actionsNamedBy } from "./actions.ts";
import { imageMatches, normalizeImage, underAny } from "./content.ts";
import { decide } from "./engine.ts";
import { field } from "./json.ts";
import { parsePolicy } from "./load.ts";
import { effectiveRules, emptyPolicy } from "./policy.ts";

const rules = (yaml: string, user = "") => effectiveRules(parsePolicy(yaml, "p.yaml"), user);

describe("decision engine", () => {
  it("order: --read-only, then deny lists, then allow lists and lifecycle keys, then sections", () => {
    const r = rules(
      "containers: read\nstart: allow\nrestart: allow\nallow: [containers.kill]\ndeny: [containers.stop]\n",
    );
    assert.equal(decide(r, { action: "containers.start" }).rule, "start (p.yaml:2)");
    assert.equal(decide(r, { action: "containers.stop" }).rule, "deny[0] (p.yaml:5)");
    assert.equal(decide(r, { action: "containers.kill" }).rule, "allow[0] (p.yaml:4)");
    assert.equal(decide(r, { action: "containers.restart" }).allow, true);
    const d = decide(r, { action: "containers.remove" });
    assert.deepEqual([d.allow, d.rule], [false, "containers (p.yaml:1)"]);
    const ro = { ...r, readOnly: true };
    assert.equal(decide(ro, { action: "containers.start" }).rule, "--read-only");
    assert.equal(decide(ro, { action: "containers.list" }).allow, true);
  });

  it("a lifecycle deny beats containers: allow", () => {
    const r = rules("containers: allow\nstop: deny\n");
    assert.equal(decide(r, { action: "containers.stop" }).allow, false);
    assert.equal(decide(r, { action: "containers.kill" }).allow, true);
  });

  it("without a policy exactly the read-only set passes", () => {
    const r = effectiveRules(emptyPolicy(), "");
    const passed = actionsNamedBy("*").filter((a) => decide(r, { action: a }).allow);
    assert.deepEqual(passed.sort(), [
      "containers.inspect",
      "containers.list",
      "containers.logs",
      "events",
      "images.inspect",
      "images.list",
      "system.info",
      "system.ping",
      "system.version",
    ]);
  });

  it("unreadable content is refused, not passed unchecked", () => {
    const r = rules("containers: allow\n");
    const d = decide(r, { action: "containers.create", unreadable: "not JSON" });
    assert.deepEqual([d.allow, d.rule], [false, "unreadable-content"]);
  });
});

describe("content helpers", () => {
  it("looks fields up as Go's encoding/json does, including Unicode folding", () => {
    assert.equal(field({ hostconfig: 1 }, "HostConfig"), 1);
    assert.equal(field({ HOſTCONFIG: 2 }, "HostConfig"), 2);
    assert.equal(field({ NetworKMode: 3 }, "NetworkMode"), 3); // Kelvin sign
    assert.throws(() => field({ Privileged: false, privileged: true }, "Privileged"), /both mean Privileged/);
  });

  it("normalises image references and matches patterns", () => {
    assert.equal(normalizeImage("busybox"), "busybox:latest");
    assert.equal(normalizeImage("docker.io/library/busybox:1.36"), "busybox:1.36");
    assert.equal(normalizeImage("localhost:5000/x"), "localhost:5000/x:latest");
    assert.ok(imageMatches("busybox", "busybox:1.36"));
    assert.ok(imageMatches("busybox", "docker.io/library/busybox"));
    assert.ok(!imageMatches("busybox", "busybox2"));
    assert.ok(imageMatches("registry.local/team-a/*", "registry.local/team-a/app:v1"));
    assert.ok(!imageMatches("busybox:1.*", "busybox:latest"));
    assert.ok(imageMatches("*:evil", "busybox:evil"));
  });

  it("checks host paths by component after normalisation", () => {
    assert.ok(underAny("/srv", ["/srv"]));
    assert.ok(underAny("/srv/a/b", ["/srv"]));
    assert.ok(!underAny("/srvx", ["/srv"]));
    assert.ok(!underAny("/srv/../etc", ["/srv"]));
    assert.ok(underAny("//srv//a/", ["/srv"]));
    assert.ok(!underAny("srv/a", ["/srv"]));
    assert.ok(underAny("/anything", ["/"]));
  });
});
