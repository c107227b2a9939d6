import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCodes } from "../../core/errors.ts";
import type { ContainerInspect } from "../../docker/summary.ts";
import { EventBus, eventMatcher, tagEvent } from "./events.ts";
import { resolve } from "./resolver.ts";
import { code } from "./testing.ts";
import { ClusterView, NodeContainers } from "./view.ts";

function doc(
  id: string,
  name: string,
  over: Partial<ContainerInspect["State"]> = {},
  hostConfig = {},
): ContainerInspect {
  return {
    Id: id,
    Created: "2026-11-26T06:00:00.5Z",
    Path: "sleep",
    Args: ["1"],
    State: {
      Status: "running",
      Running: true,
      Paused: false,
      Restarting: false,
      ExitCode: 0,
      StartedAt: "2026-11-26T06:00:01Z",
      FinishedAt: "0001-01-01T00:00:00Z",
      ...over,
    },
    Image: "sha256:abc",
    Name: `/${name}`,
    Config: { Image: "busybox", Labels: {}, Env: ["SECRET=x"] },
    HostConfig: { NetworkMode: "none", ...hostConfig },
    NetworkSettings: { Ports: {}, Networks: {} },
  };
}

const ids = { a1: `a1${"0".repeat(62)}`, a2: `a2${"0".repeat(62)}`, b1: `b1${"0".repeat(62)}` };

function setup() {
  const view = new ClusterView();
  const a = { key: 0, name: "a", containers: new NodeContainers() };
  const b = { key: 1, name: "b", containers: new NodeContainers() };
  const nodes = new Map([
    ["a", a],
    ["b", b],
  ]);
  view.apply(a, ids.a1, doc(ids.a1, "web", {}, { NanoCpus: 1e9, Memory: 100 }), view.nextSeq());
  view.apply(a, ids.a2, doc(ids.a2, "db", { Status: "exited", Running: false }), view.nextSeq());
  view.apply(b, ids.b1, doc(ids.b1, "web"), view.nextSeq());
  const find = (ref: string) =>
    resolve(
      view,
      ref,
      (n) => nodes.get(n),
      (o) => (o.key === 0 ? "a" : "b"),
    );
  return { view, a, b, find };
}

describe("cluster view", () => {
  it("keeps per-node totals and trims what it stores", () => {
    const { view, a, b } = setup();
    assert.equal(view.size, 3);
    assert.equal(a.containers.running, 1);
    assert.equal(a.containers.stopped, 1);
    assert.equal(a.containers.usedCpus, 1);
    assert.equal(a.containers.usedMemory, 100);
    assert.equal(b.containers.count, 1);
    assert.equal((view.get(ids.a1)!.doc.Config as Record<string, unknown>).Env, undefined, "env is not kept");
  });
  it("ignores a fetch that began before a newer one, and keeps removed containers removed", () => {
    const { view, a } = setup();
    const old = view.nextSeq();
    const newer = view.nextSeq();
    view.apply(a, ids.a1, doc(ids.a1, "web", { Status: "exited", Running: false }), newer);
    assert.equal(view.apply(a, ids.a1, doc(ids.a1, "web"), old), undefined);
    assert.equal(view.get(ids.a1)!.doc.State.Status, "exited");
    assert.equal(a.containers.running, 0);
    const gone = view.nextSeq();
    view.apply(a, ids.a2, null, gone);
    view.apply(a, ids.a2, doc(ids.a2, "db"), gone - 1);
    assert.equal(view.get(ids.a2), undefined);
    assert.equal(a.containers.count, 1);
  });
  it("sweeps what a resync did not confirm", () => {
    const { view, a } = setup();
    const seq = view.nextSeq();
    view.apply(a, ids.a1, doc(ids.a1, "web"), view.nextSeq());
    view.sweep(a, seq);
    assert.deepEqual([...a.containers.byId.keys()], [ids.a1]);
  });
  it("tracks host ports of live containers", () => {
    const view = new ClusterView();
    const n = { key: 0, containers: new NodeContainers() };
    const hc = { PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] } };
    view.apply(n, ids.a1, doc(ids.a1, "web", {}, hc), view.nextSeq());
    assert.ok(n.containers.takenPorts().has("8080/tcp"));
    view.apply(n, ids.a1, doc(ids.a1, "web", { Status: "exited", Running: false }, hc), view.nextSeq());
    assert.ok(!n.containers.takenPorts().has("8080/tcp"));
  });
});

describe("resolver", () => {
  it("finds by full ID, node/name, unique name and unique ID prefix", () => {
    const { find } = setup();
    assert.equal(find(ids.a2)!.id, ids.a2);
    assert.equal(find("db")!.id, ids.a2);
    assert.equal(find("/db")!.id, ids.a2);
    assert.equal(find("b/web")!.id, ids.b1);
    assert.equal(find("/a/web")!.id, ids.a1);
    assert.equal(find("a2")!.id, ids.a2);
    assert.equal(find("nothing"), undefined);
    assert.equal(find("c/web"), undefined);
  });
  it("says when a name or a prefix is ambiguous", () => {
    const { find } = setup();
    assert.equal(
      code(() => find("web")),
      ErrorCodes.InvalidArgument,
    );
    assert.match(
      String(
        (() => {
          try {
            find("web");
          } catch (e) {
            return (e as Error).message;
          }
        })(),
      ),
      /ambiguous.*a\/web, b\/web/,
    );
    assert.equal(
      code(() => find("a")),
      ErrorCodes.InvalidArgument,
    );
  });
});

describe("merged events", () => {
  const ev = {
    Type: "container",
    Action: "start",
    Actor: { ID: ids.a1, Attributes: { name: "web", image: "busybox" } },
    time: 1,
    timeNano: 1e9,
  };
  it("tags each event with its node", () => {
    const t = tagEvent(ev, { Name: "a", Id: "X", Addr: "simulator", Ip: "" });
    assert.equal(t.node!.Name, "a");
    assert.equal(t.Actor!.Attributes!["node.name"], "a");
    assert.equal(
      (ev.Actor.Attributes as Record<string, string>)["node.name"],
      undefined,
      "the original is left alone",
    );
  });
  it("filters by type, event, container, image, label and node", () => {
    const t = tagEvent(ev, { Name: "a", Id: "X", Addr: "simulator", Ip: "" });
    assert.ok(eventMatcher({ type: ["container"], event: ["start"] })(t));
    assert.ok(eventMatcher({ container: ["web"] })(t));
    assert.ok(eventMatcher('{"image":{"busybox":true}}')(t));
    assert.ok(eventMatcher({ node: ["a"] })(t));
    assert.ok(!eventMatcher({ node: ["b"] })(t));
    assert.ok(!eventMatcher({ event: ["die"] })(t));
    assert.ok(eventMatcher({ label: ["node.name=a"] })(t));
    assert.equal(
      code(() => eventMatcher({ colour: ["red"] })),
      ErrorCodes.InvalidArgument,
    );
  });
  it("keeps a bounded history for since", () => {
    const bus = new EventBus(2);
    const seen: unknown[] = [];
    const off = bus.subscribe((e) => seen.push(e));
    for (let i = 1; i <= 3; i++) bus.publish({ ...ev, timeNano: i * 1e9 });
    off();
    bus.publish({ ...ev, timeNano: 4e9 });
    assert.equal(seen.length, 3);
    assert.deepEqual(
      bus.since(0).map((e) => e.timeNano),
      [3e9, 4e9],
    );
  });
});
