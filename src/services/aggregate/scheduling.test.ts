import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCodes } from "../../core/errors.ts";
import { parseAggregateArgs } from "./args.ts";
import { parseExpr, satisfies } from "./expr.ts";
import { applyFilters, explain, type SchedNode } from "./filters.ts";
import { bytesSize } from "./info.ts";
import { affinitiesLabel, constraintsLabel, readScheduleRequest, scheduledLabel } from "./request.ts";
import { pick, weigh } from "./strategy.ts";
import { code } from "./testing.ts";

interface FakeNode extends SchedNode {
  refs: string[];
  imgs: string[];
  ports: Set<string>;
}

function node(name: string, over: Partial<FakeNode> = {}): FakeNode {
  const n: FakeNode = {
    name,
    id: `ID-${name}`,
    healthy: true,
    status: "Healthy",
    labels: {},
    totalCpus: 4,
    totalMemory: 8 * 2 ** 30,
    usedCpus: 0,
    usedMemory: 0,
    load: 0,
    refs: [],
    imgs: [],
    ports: new Set(),
    containerRefs() {
      return n.refs;
    },
    imageRefs() {
      return n.imgs;
    },
    takenPorts() {
      return n.ports;
    },
    ...over,
  };
  return n;
}

const req = (config: Record<string, unknown>) =>
  readScheduleRequest(JSON.stringify({ Image: "busybox", ...config }));

describe("aggregate arguments", () => {
  it("takes a strategy, timings and node command lines, with optional name=", () => {
    const o = parseAggregateArgs([
      "--strategy",
      "binpack",
      "--heartbeat=200",
      "a=simulator x1",
      "dockerclient unix:///s",
    ]);
    assert.equal(o.strategy, "binpack");
    assert.equal(o.heartbeatMs, 200);
    assert.deepEqual(o.nodes, [
      { name: "a", commandLine: "simulator x1" },
      { commandLine: "dockerclient unix:///s" },
    ]);
  });
  it("rejects a bad strategy, no nodes, a duplicate name, an unknown option", () => {
    assert.equal(
      code(() => parseAggregateArgs(["--strategy", "fill", "simulator"])),
      ErrorCodes.InvalidArgument,
    );
    assert.equal(
      code(() => parseAggregateArgs([])),
      ErrorCodes.InvalidArgument,
    );
    assert.equal(
      code(() => parseAggregateArgs(["a=simulator", "a=simulator"])),
      ErrorCodes.InvalidArgument,
    );
    assert.equal(
      code(() => parseAggregateArgs(["--nope", "simulator"])),
      ErrorCodes.InvalidArgument,
    );
    assert.equal(
      code(() => parseAggregateArgs(['simulator "unterminated'])),
      ErrorCodes.InvalidArgument,
    );
  });
});

describe("expressions", () => {
  it("match globs and /regexes/, == and !=, ~ makes them soft", () => {
    const e = parseExpr("constraint", "node==node-*");
    assert.ok(satisfies(e, ["node-1"]));
    assert.ok(!satisfies(e, ["other"]));
    const r = parseExpr("constraint", "storage!=/ss?d/");
    assert.ok(!satisfies(r, ["ssd"]));
    assert.ok(satisfies(r, ["disk"]));
    const soft = parseExpr("constraint", "zone==~eu.1");
    assert.ok(soft.soft);
    assert.ok(satisfies(soft, ["eu.1"]));
    assert.ok(!satisfies(soft, ["eux1"]), "a dot in a glob is a dot, not any character");
  });
  it("rejects malformed expressions", () => {
    assert.equal(
      code(() => parseExpr("constraint", "node")),
      ErrorCodes.InvalidArgument,
    );
    assert.equal(
      code(() => parseExpr("constraint", "node==")),
      ErrorCodes.InvalidArgument,
    );
    assert.equal(
      code(() => parseExpr("constraint", "node==/(/")),
      ErrorCodes.InvalidArgument,
    );
  });
});

describe("create requests", () => {
  it("take constraint: and affinity: out of Env and record them in their own label", () => {
    const r = req({ Env: ["A=1", "constraint:node==b", "affinity:image==busybox"], Labels: { x: "y" } });
    assert.deepEqual(r.config.Env, ["A=1"]);
    const labels = r.config.Labels as Record<string, string>;
    assert.equal(labels.x, "y");
    assert.deepEqual(JSON.parse(labels[scheduledLabel]!), {
      constraints: ["node==b"],
      affinities: ["image==busybox"],
    });
    assert.equal(labels[constraintsLabel], undefined, "a nested aggregate must not apply them again");
    assert.equal(labels[affinitiesLabel], undefined);
    assert.equal(r.constraints[0]!.key, "node");
    assert.equal(r.affinities[0]!.key, "image");
  });
  it("read constraints from the label too, and reservations, ports and dependencies from HostConfig", () => {
    const r = req({
      Labels: { [constraintsLabel]: '["zone==eu"]' },
      HostConfig: {
        NanoCpus: 1_500_000_000,
        Memory: 2 ** 30,
        PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }], "53/udp": [{ HostPort: "" }] },
        VolumesFrom: ["data:ro"],
        Links: ["/db:db"],
        NetworkMode: "container:web",
      },
    });
    assert.equal(r.constraints[0]!.key, "zone");
    assert.equal((r.config.Labels as Record<string, string>)[constraintsLabel], undefined);
    assert.deepEqual(r.reservation, { cpus: 1.5, memory: 2 ** 30 });
    assert.deepEqual(r.hostPorts, [{ port: "8080", proto: "tcp" }]);
    assert.deepEqual(r.dependencies, ["data", "db", "web"]);
    assert.equal(
      req({ HostConfig: { CpuShares: 2 } }).reservation.cpus,
      2,
      "-c counts CPUs, as in classic Swarm",
    );
  });
  it("rejects bad JSON, bad labels, bad affinity keys", () => {
    assert.equal(
      code(() => readScheduleRequest("{")),
      ErrorCodes.InvalidArgument,
    );
    assert.equal(
      code(() => req({ Labels: { [constraintsLabel]: "node==a" } })),
      ErrorCodes.InvalidArgument,
    );
    assert.equal(
      code(() => req({ Env: ["affinity:color==red"] })),
      ErrorCodes.InvalidArgument,
    );
  });
});

describe("filters", () => {
  it("health excludes unhealthy nodes and the error says so", () => {
    const nodes = [node("a"), node("b", { healthy: false, status: "Unhealthy" })];
    const r = applyFilters(req({}), nodes);
    assert.deepEqual(
      r.nodes.map((n) => n.name),
      ["a"],
    );
    assert.deepEqual(r.exclusions, [{ filter: "health", nodes: ["b"] }]);
    assert.match(
      explain(r.exclusions, () => "unhealthy"),
      /health excluded b \(unhealthy\)/,
    );
  });
  it("constraints on node name and engine labels, hard and soft", () => {
    const nodes = [node("a", { labels: { zone: "eu" } }), node("b", { labels: { zone: "us" } }), node("c")];
    assert.deepEqual(
      applyFilters(req({ Env: ["constraint:node==b"] }), nodes).nodes.map((n) => n.name),
      ["b"],
    );
    assert.deepEqual(
      applyFilters(req({ Env: ["constraint:zone!=eu"] }), nodes).nodes.map((n) => n.name),
      ["b", "c"],
    );
    assert.deepEqual(
      applyFilters(req({ Env: ["constraint:zone==/e./"] }), nodes).nodes.map((n) => n.name),
      ["a"],
    );
    const none = applyFilters(req({ Env: ["constraint:node==zz"] }), nodes);
    assert.deepEqual(none.nodes, []);
    assert.match(
      explain(none.exclusions, () => ""),
      /constraint:node==zz excluded a, b, c/,
    );
    // soft: ignored when nothing matches, applied when something does
    assert.equal(applyFilters(req({ Env: ["constraint:node==~zz"] }), nodes).nodes.length, 3);
    assert.deepEqual(
      applyFilters(req({ Env: ["constraint:node==~c"] }), nodes).nodes.map((n) => n.name),
      ["c"],
    );
  });
  it("affinities to containers and images", () => {
    const nodes = [
      node("a", { refs: ["web", "f".repeat(64)] }),
      node("b", { imgs: ["redis:latest", "redis"] }),
    ];
    assert.deepEqual(
      applyFilters(req({ Env: ["affinity:container==web"] }), nodes).nodes.map((n) => n.name),
      ["a"],
    );
    assert.deepEqual(
      applyFilters(req({ Env: ["affinity:container!=web"] }), nodes).nodes.map((n) => n.name),
      ["b"],
    );
    assert.deepEqual(
      applyFilters(req({ Env: ["affinity:image==redis"] }), nodes).nodes.map((n) => n.name),
      ["b"],
    );
  });
  it("port excludes nodes where the host port is taken; dependency keeps the node holding them", () => {
    const nodes = [node("a", { ports: new Set(["8080/tcp"]), refs: ["db"] }), node("b")];
    const p = applyFilters(
      req({ HostConfig: { PortBindings: { "80/tcp": [{ HostPort: "8080" }] } } }),
      nodes,
    );
    assert.deepEqual(
      p.nodes.map((n) => n.name),
      ["b"],
    );
    assert.equal(p.exclusions[0]!.filter, "port 8080/tcp");
    assert.deepEqual(
      applyFilters(req({ HostConfig: { Links: ["db:db"] } }), nodes).nodes.map((n) => n.name),
      ["a"],
    );
  });
});

describe("strategies", () => {
  it("spread picks the least loaded, binpack the most, ties by container count", () => {
    const nodes = [node("a", { load: 2 }), node("b", { load: 1 }), node("c", { load: 3 })];
    const { fit } = weigh(nodes, { cpus: 0, memory: 0 });
    assert.equal(pick("spread", fit)!.name, "b");
    assert.equal(pick("binpack", fit)!.name, "c");
    assert.ok(["a", "b", "c"].includes(pick("random", fit)!.name));
  });
  it("weighs reserved CPU and memory, and leaves out nodes too small", () => {
    const nodes = [
      node("small", { totalCpus: 1 }),
      node("busy", { totalCpus: 4, usedCpus: 3 }),
      node("idle", { totalCpus: 4, usedCpus: 0 }),
    ];
    const { fit, tooSmall } = weigh(nodes, { cpus: 2, memory: 0 });
    assert.deepEqual(
      tooSmall.map((n) => n.name),
      ["small", "busy"],
    );
    assert.equal(pick("spread", fit)!.name, "idle");
    const two = weigh([node("x", { usedCpus: 1 }), node("y", { usedCpus: 2 })], { cpus: 1, memory: 0 }).fit;
    assert.equal(pick("spread", two)!.name, "x");
    assert.equal(pick("binpack", two)!.name, "y");
    assert.equal(pick("spread", []), undefined);
  });
});

describe("info formatting", () => {
  it("prints sizes as go-units did for classic Swarm", () => {
    assert.equal(bytesSize(0), "0 B");
    assert.equal(bytesSize(2 * 2 ** 30), "2 GiB");
    assert.equal(bytesSize(2_203_318_222), "2.052 GiB");
    assert.equal(bytesSize(1536), "1.5 KiB");
  });
});
