import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Client, request } from "../../core/client.ts";
import { ErrorCodes, SwarmError } from "../../core/errors.ts";
import { type LogRecord, recordingLogger } from "../../core/logger.ts";
import type { Message } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";
import type { ContainerSummary } from "../../docker/summary.ts";
import { buildCatalogue, spawnService } from "../registry.ts";
import type { ServiceDefinition, SpawnedService } from "../service.ts";
import { simulator } from "../simulator/index.ts";
import { aggregate } from "./index.ts";

/**
 * aggregate in-process over real simulators, through the same Spawn/Attach/Start path swarmd uses.
 * `pausable NAME` is a simulator whose root can be made to stop answering (a hung node).
 */
const paused = new Set<string>();
/** The inner simulators' roots, to change a node behind aggregate's back. */
const inners = new Map<string, Client>();
const pausable: ServiceDefinition = {
  name: "pausable",
  summary: "a simulator that can stop answering (tests)",
  usage: "pausable NAME",
  create([name], ctx) {
    return async ({ input }) => {
      const inner = await ctx.spawn("simulator");
      inners.set(name!, inner.input);
      const held: Message[] = [];
      try {
        for await (const m of input) {
          if (paused.has(name!)) held.push(m);
          else await inner.input.target.send(m);
        }
      } finally {
        for (const m of held) m.ret?.close();
        await inner.stop();
      }
    };
  },
};

/** `mortal NAME`: a simulator whose service ends when NAME is put in `doomed` (once). */
const doomed = new Set<string>();
const mortal: ServiceDefinition = {
  name: "mortal",
  summary: "a simulator whose service can end (tests)",
  usage: "mortal NAME",
  create([name], ctx) {
    return async ({ input }) => {
      const inner = await ctx.spawn("simulator");
      let timer: NodeJS.Timeout | undefined;
      const end = new Promise<void>((resolve) => {
        timer = setInterval(() => {
          if (doomed.delete(name!)) resolve();
        }, 20);
      });
      const forward = (async () => {
        for await (const m of input) await inner.input.target.send(m);
      })();
      await Promise.race([end, forward]);
      clearInterval(timer);
      input.close();
      await inner.stop();
    };
  },
};

const records: LogRecord[] = [];
const log = recordingLogger(records);
const catalogue = buildCatalogue([aggregate, simulator, pausable, mortal], log);
const running: SpawnedService[] = [];

async function cluster(commandLine: string): Promise<{ root: Client; svc: SpawnedService }> {
  const svc = await spawnService(catalogue, commandLine, log);
  running.push(svc);
  return { root: svc.input, svc };
}

after(async () => {
  for (const s of running) await s.stop();
});

const busybox = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    Image: "busybox:latest",
    Cmd: ["sleep", "1000"],
    HostConfig: { NetworkMode: "none" },
    ...extra,
  });

async function run(
  root: Client,
  name = "",
  extra: Record<string, unknown> = {},
): Promise<{ id: string; c: Client }> {
  const m = await root.call(Verbs.Spawn, [busybox(extra), name], [Verbs.Ack]);
  const c = new Client(m.ret!);
  await c.start();
  return { id: m.args[0]!, c };
}

async function ps(root: Client, opts: Record<string, unknown> = { all: true }): Promise<ContainerSummary[]> {
  return JSON.parse(await root.get("containers", JSON.stringify(opts)));
}

function nodeOf(s: ContainerSummary): string {
  return s.Names[0]!.split("/")[1]!;
}

function count(list: ContainerSummary[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of list) out[nodeOf(s)] = (out[nodeOf(s)] ?? 0) + 1;
  return out;
}

async function rejects(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof SwarmError, String(err));
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

async function until(what: string, cond: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe("aggregate over simulators", () => {
  it("merges ps with node-prefixed names and spreads 6 runs 2/2/2", async () => {
    const { root } = await cluster(`aggregate "a=simulator s1" "b=simulator s2" "c=simulator s3"`);
    const seeded = await ps(root);
    assert.deepEqual(seeded.map((s) => s.Names[0]).sort(), ["/a/s1", "/b/s2", "/c/s3"]);
    for (let i = 0; i < 6; i++) await run(root);
    const all = await ps(root);
    assert.deepEqual(count(all), { a: 3, b: 3, c: 3 });
    assert.equal((await root.ls()).length, 9);
    const names = all.map((s) => s.Names[0]!.split("/")[2]);
    assert.equal(new Set(names).size, 9, "generated names are unique across the cluster");
  });

  it("concurrent creates see each other: spread stays even, a name is taken once", async () => {
    const { root } = await cluster(`aggregate "a=simulator" "b=simulator" "c=simulator"`);
    await Promise.all(Array.from({ length: 6 }, () => root.call(Verbs.Spawn, [busybox(), ""], [Verbs.Ack])));
    assert.deepEqual(count(await ps(root)), { a: 2, b: 2, c: 2 });
    const results = await Promise.allSettled(
      Array.from({ length: 3 }, () => root.call(Verbs.Spawn, [busybox(), "same"], [Verbs.Ack])),
    );
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results.filter((r) => r.status === "rejected")) {
      assert.equal(((r as PromiseRejectedResult).reason as SwarmError).code, ErrorCodes.Conflict);
    }
  });

  it("binpack fills one node first", async () => {
    const { root } = await cluster(`aggregate --strategy binpack "a=simulator" "b=simulator"`);
    for (let i = 0; i < 4; i++) await run(root);
    assert.deepEqual(count(await ps(root)), { a: 4 });
  });

  it("pins with a constraint, explains an impossible one, and strips it from Env", async () => {
    const { root } = await cluster(`aggregate "a=simulator" "b=simulator"`);
    const { c } = await run(root, "pinned", { Env: ["X=1", "constraint:node==b"] });
    const inspect = JSON.parse(await c.get());
    assert.deepEqual(
      inspect.Config.Env.filter((e: string) => !e.startsWith("PATH=")),
      ["X=1"],
    );
    assert.equal(inspect.Node.Name, "b");
    assert.deepEqual(count(await ps(root)), { b: 1 });
    await rejects(
      root.call(Verbs.Spawn, [busybox({ Env: ["constraint:node==nowhere"] }), ""], [Verbs.Ack]),
      ErrorCodes.Conflict,
      /constraint:node==nowhere excluded a, b/,
    );
    await rejects(
      root.call(Verbs.Spawn, [busybox({ Env: ["constraint:node=b"] }), ""], [Verbs.Ack]),
      ErrorCodes.InvalidArgument,
    );
    // affinity: next to a container, wherever it is
    const { c: next } = await run(root, "", { Env: ["affinity:container==pinned"] });
    assert.equal(JSON.parse(await next.get()).Node.Name, "b");
    // reservation: a node with 2 CPUs cannot take 3
    await rejects(
      root.call(Verbs.Spawn, [busybox({ HostConfig: { NanoCpus: 3e9 } }), ""], [Verbs.Ack]),
      ErrorCodes.Conflict,
      /resources \(3 CPUs/,
    );
  });

  it("port: a host port taken on a node excludes it; dependency: --volumes-from goes beside", async () => {
    const { root } = await cluster(`aggregate --strategy binpack "a=simulator" "b=simulator"`);
    const published = {
      HostConfig: { NetworkMode: "none", PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] } },
    };
    const first = await run(root, "web1", published);
    const second = await run(root, "web2", published);
    const n1 = JSON.parse(await first.c.get()).Node.Name;
    const n2 = JSON.parse(await second.c.get()).Node.Name;
    assert.notEqual(n1, n2, "binpack would have stacked them; the port filter did not");
    await rejects(
      root.call(Verbs.Spawn, [busybox(published), ""], [Verbs.Ack]),
      ErrorCodes.Conflict,
      /port 8080\/tcp excluded a, b/,
    );
    const beside = await run(root, "", { HostConfig: { NetworkMode: "none", VolumesFrom: ["web2"] } });
    assert.equal(JSON.parse(await beside.c.get()).Node.Name, n2);
  });

  it("keeps names unique across nodes and resolves ID, prefix, name and node/name", async () => {
    const { root } = await cluster(`aggregate "a=simulator web" "b=simulator"`);
    await rejects(
      root.call(Verbs.Spawn, [busybox(), "web"], [Verbs.Ack]),
      ErrorCodes.Conflict,
      /already in use/,
    );
    const { id } = await run(root, "api");
    assert.equal((await root.attach("api")).object !== undefined, true);
    for (const ref of [
      id,
      id.slice(0, 10),
      "api",
      "/api",
      `${(await ps(root)).find((s) => s.Id === id)!.Names[0]}`,
    ]) {
      const m = await root.call(Verbs.Attach, [ref], [Verbs.Ack]);
      assert.equal(m.args[0], id, ref);
    }
    await rejects(
      root.call(Verbs.Attach, ["nope"], [Verbs.Ack]),
      ErrorCodes.NotFound,
      /No such container: nope/,
    );
    // rename onto a taken name is refused across nodes
    const api = await root.open("api");
    await rejects(api.call("Rename", ["web"]), ErrorCodes.Conflict);
  });

  it("says a bare name that exists on two nodes is ambiguous", async () => {
    const { root } = await cluster(`aggregate "a=simulator dup" "b=simulator dup"`);
    await rejects(
      root.call(Verbs.Attach, ["dup"], [Verbs.Ack]),
      ErrorCodes.InvalidArgument,
      /ambiguous.*a\/dup, b\/dup/,
    );
    const m = await root.call(Verbs.Attach, ["b/dup"], [Verbs.Ack]);
    assert.ok(m.ret);
  });

  it("lists what it just changed: stop, rm and rename show at once", async () => {
    const { root } = await cluster(`aggregate "a=simulator" "b=simulator"`);
    const { id, c } = await run(root, "one");
    assert.ok(
      (await ps(root, {})).some((s) => s.Id === id),
      "a new container is listed at once",
    );
    await c.stop("0");
    const stopped = (await ps(root)).find((s) => s.Id === id)!;
    assert.equal(stopped.State, "exited");
    assert.equal((await ps(root, {})).length, 0, "not listed without all");
    await c.call("Rename", ["two"]);
    assert.match((await ps(root))[0]!.Names[0]!, /\/two$/);
    await c.call("Remove", ["{}"]);
    assert.equal((await ps(root)).length, 0);
    // filters apply to /node/name
    await run(root, "alpha");
    assert.equal((await ps(root, { all: true, filters: { name: ["alpha"] } })).length, 1);
    await rejects(
      root.get("containers", JSON.stringify({ filters: { bogus: ["x"] } })),
      ErrorCodes.InvalidArgument,
    );
  });

  it("sees containers made on a node directly, through its events", async () => {
    const { root } = await cluster(`aggregate "a=pausable direct-a" "b=simulator"`);
    await ps(root); // answered once the nodes are up
    const node = inners.get("direct-a")!;
    // made behind aggregate's back: found at once by name (the nodes are asked on a miss)…
    const m = await node.call(Verbs.Spawn, [busybox(), "sneaky"], [Verbs.Ack]);
    const found = await root.call(Verbs.Attach, ["sneaky"], [Verbs.Ack]);
    assert.equal(found.args[0], m.args[0]);
    // …and its changes reach ps through the node's events
    await new Client(m.ret!).start();
    await until("the start to show", async () =>
      (await ps(root, {})).some((s) => s.Names[0] === "/a/sneaky"),
    );
    await new Client(m.ret!).call("Remove", [JSON.stringify({ force: true })]);
    await until("the removal to show", async () => !(await ps(root)).some((s) => s.Names[0] === "/a/sneaky"));
    const { id } = await run(root, "", { Cmd: ["true"] });
    await until(
      "the exit to show",
      async () => (await ps(root)).find((s) => s.Id === id)?.State === "exited",
    );
  });

  it("merges events, tagged with their node", async () => {
    const { root } = await cluster(`aggregate "a=simulator" "b=simulator"`);
    const replies = await request(root.target, Verbs.Watch, [
      JSON.stringify({ filters: { event: ["create"] } }),
    ]);
    assert.equal((await replies.receive())!.verb, Verbs.Ack);
    await run(root);
    await run(root);
    const nodes = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const m = (await replies.receive())!;
      const ev = JSON.parse(m.args[0]!);
      assert.equal(ev.Action, "create");
      assert.equal(ev.Actor.Attributes["node.name"], ev.node.Name);
      nodes.add(ev.node.Name);
    }
    replies.close();
    assert.deepEqual([...nodes].sort(), ["a", "b"]);
  });

  it("merges images, finds one image, passes pull errors through, sums df, answers version", async () => {
    const { root } = await cluster(`aggregate "a=simulator" "b=simulator --image redis:7"`);
    const images = JSON.parse(await root.get("images", "{}")) as { Id: string; RepoTags: string[] }[];
    assert.equal(new Set(images.map((i) => i.Id)).size, images.length, "one entry per image ID");
    assert.ok(images.some((i) => i.RepoTags.includes("busybox:latest")));
    assert.ok(images.some((i) => i.RepoTags.includes("redis:7")));
    assert.equal(JSON.parse(await root.get("image", "redis:7")).RepoTags[0], "redis:7");
    await rejects(root.get("image", "nothere:1"), ErrorCodes.NotFound, /No such image/);
    // affinity:image follows the image
    const m = await root.call(
      Verbs.Spawn,
      [busybox({ Image: "redis:7", Env: ["affinity:image==redis:7"] }), ""],
      [Verbs.Ack],
    );
    assert.equal(JSON.parse(await new Client(m.ret!).get()).Node.Name, "b");
    await rejects(root.call("Pull", ["nothere", "1"], [Verbs.Ack]), ErrorCodes.Internal, /no such host/);
    const df = JSON.parse(await root.get("df"));
    assert.ok(Array.isArray(df.Images) && df.Images.length >= 3);
    assert.equal(df.Containers.length, 1);
    const version = JSON.parse(await root.get("version"));
    assert.match(version.Version, /aggregate/);
    assert.equal(version.ApiVersion, "1.41");
  });

  it("replays recent events with since and stops at until", async () => {
    const { root } = await cluster(`aggregate "a=simulator" "b=simulator"`);
    const t0 = Date.now() / 1000;
    await run(root, "early");
    const replies = await request(root.target, Verbs.Watch, [
      JSON.stringify({ since: t0 - 1, until: Date.now() / 1000 + 0.3, filters: { container: ["early"] } }),
    ]);
    const got: string[] = [];
    for await (const m of replies) if (m.verb === Verbs.Set) got.push(JSON.parse(m.args[0]!).Action);
    assert.deepEqual(got.slice(0, 2), ["create", "start"]);
  });

  it("takes another aggregate as a node (quotes nest)", async () => {
    const { root } = await cluster(
      `aggregate "inner=aggregate 'p=simulator one' 'q=simulator two'" "y=simulator three"`,
    );
    const names = (await ps(root)).map((s) => s.Names[0]).sort();
    assert.deepEqual(names, ["/inner/one", "/inner/two", "/y/three"]);
    const { c } = await run(root, "deep", { Env: ["constraint:node==inner"] });
    assert.equal(JSON.parse(await c.get()).Node.Name, "inner");
    const m = await root.call(Verbs.Attach, ["inner/deep"], [Verbs.Ack]);
    assert.ok(m.ret);
    await new Client(m.ret!).stop("0");
    assert.equal((await ps(root)).find((s) => s.Names[0] === "/inner/deep")!.State, "exited");
  });

  it("reports the cluster in info as classic Swarm did", async () => {
    const { root } = await cluster(`aggregate --strategy binpack "a=simulator x1" "simulator" "simulator"`);
    const info = JSON.parse(await root.get("info"));
    const status = new Map<string, string[]>();
    for (const [k, v] of info.SystemStatus as [string, string][])
      status.set(k, [...(status.get(k) ?? []), v]);
    assert.deepEqual(status.get("Strategy"), ["binpack"]);
    assert.deepEqual(status.get("Nodes"), ["3"]);
    assert.match(status.get("Filters")![0]!, /health, port, dependency, affinity, constraint/);
    assert.deepEqual(status.get("  └ Status"), ["Healthy", "Healthy", "Healthy"]);
    assert.deepEqual(status.get("  └ Containers")![0], "1 (1 Running, 0 Paused, 0 Stopped)");
    assert.ok(status.has(" a"));
    // the two unnamed simulators report the same engine Name: the second gets -2
    const engineNames = [...status.keys()].filter(
      (k) => /^ [^ ]/.test(k) && !["Role", "Strategy"].includes(k.trim()),
    );
    const host = engineNames.find((k) => k !== " a" && !k.endsWith("-2"))!;
    assert.ok(engineNames.includes(`${host}-2`), JSON.stringify(engineNames));
    assert.equal(info.Containers, 1);
    assert.equal(info.ContainersRunning, 1);
    const one = JSON.parse(await new Client((await root.call(Verbs.Attach, ["x1"], [Verbs.Ack])).ret!).get());
    assert.ok(info.NCPU >= 3 * 1 && info.MemTotal > 0, "totals over the nodes");
    assert.equal(one.Node.Name, "a");
  });

  it("fails at start when a node's command line is wrong", async () => {
    const svc = await spawnService(catalogue, `aggregate "simulator --nope"`, log);
    running.push(svc);
    const m = await svc.output.receive();
    assert.equal(m?.verb, Verbs.Error);
    assert.match(m!.args[0]!, /node 1 \(simulator --nope\)/);
  });

  it("spawns a node again when its service ends, and it rejoins", async () => {
    const { root } = await cluster(`aggregate --heartbeat 100 --timeout 300 "a=simulator" "m=mortal m1"`);
    await run(root, "first", { Env: ["constraint:node==m"] });
    doomed.add("m1");
    await until(
      "m to be unhealthy",
      async () => /node m .*unhealthy/.test(JSON.parse(await root.get("info")).Warnings.join()),
      3000,
    );
    await until("m to come back", async () => JSON.parse(await root.get("info")).Warnings.length === 0, 3000);
    // a new service is a new (empty) engine: the old container is gone from the view
    assert.ok(!(await ps(root)).some((s) => s.Names[0] === "/m/first"));
    await run(root, "second", { Env: ["constraint:node==m"] });
    assert.ok((await ps(root)).some((s) => s.Names[0] === "/m/second"));
  });

  it("marks a node that stops answering unhealthy, answers ps at once, and takes it back", async () => {
    const { root } = await cluster(`aggregate --heartbeat 100 --timeout 300 "a=pausable pa" "b=pausable pb"`);
    await run(root, "on-a", { Env: ["constraint:node==a"] });
    await run(root, "on-b", { Env: ["constraint:node==b"] });
    paused.add("pb");
    await until(
      "b to be unhealthy",
      async () => JSON.parse(await root.get("info")).Warnings.length > 0,
      3000,
    );
    const t0 = Date.now();
    const list = await ps(root);
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(list.find((s) => s.Names[0] === "/b/on-b")!.Status, "Host Down");
    assert.match(list.find((s) => s.Names[0] === "/a/on-a")!.Status, /^Up/);
    assert.ok(records.some((r) => r.level === "warn" && /node b is unhealthy/.test(r.msg ?? "")));
    // new work goes elsewhere; pinned work says why it cannot run
    for (let i = 0; i < 2; i++) await run(root);
    assert.deepEqual(count(await ps(root)), { a: 3, b: 1 });
    await rejects(
      root.call(Verbs.Spawn, [busybox({ Env: ["constraint:node==b"] }), ""], [Verbs.Ack]),
      ErrorCodes.Conflict,
      /health excluded b \(unhealthy/,
    );
    await rejects(root.call(Verbs.Attach, ["on-b"], [Verbs.Ack]), ErrorCodes.Unavailable, /node b/);
    paused.delete("pb");
    await until("b to rejoin", async () => JSON.parse(await root.get("info")).Warnings.length === 0, 3000);
    await run(root, "back-on-b", { Env: ["constraint:node==b"] });
    assert.match((await ps(root)).find((s) => s.Names[0] === "/b/on-b")!.Status, /^Up/);
  });
});
