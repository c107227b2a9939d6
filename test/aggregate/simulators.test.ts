/**
 * aggregate through the real docker CLI: `swarmd 'dockerserver unix://…' 'aggregate "a=simulator" …'`.
 * ps merges the nodes with /node/name names, run -d spreads (2/2/2) or binpacks, constraints pin
 * or fail with a clear message, names are unique across the cluster (409), info shows the nodes.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { docker, dockerUntil } from "../harness/docker-cli.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

const dir = mkdtempSync(join(tmpdir(), "agg-sim-"));
const swarmds: SwarmdProcess[] = [];

async function cluster(sock: string, aggregateLine: string): Promise<string> {
  const s = startSwarmd([`dockerserver unix://${join(dir, sock)}`, aggregateLine]);
  swarmds.push(s);
  await s.waitFor(/dockerserver listening/, 30_000);
  return `unix://${join(dir, sock)}`;
}

let spread: string;
let binpack: string;

before(async () => {
  [spread, binpack] = await Promise.all([
    cluster("spread.sock", `aggregate "a=simulator" "b=simulator" "c=simulator"`),
    cluster("binpack.sock", `aggregate --strategy binpack "a=simulator" "b=simulator" "c=simulator"`),
  ]);
});

after(async () => {
  for (const s of swarmds) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function ok(host: string, ...args: string[]): Promise<string> {
  const r = await docker(host, args);
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** NAMES column of `docker ps -a`, as node → names. */
async function placement(host: string): Promise<Map<string, string[]>> {
  const out = await ok(host, "ps", "-a", "--format", "{{.Names}}");
  const m = new Map<string, string[]>();
  for (const line of out.trim().split("\n").filter(Boolean)) {
    const [node, name] = line.split("/");
    m.set(node!, [...(m.get(node!) ?? []), name!]);
  }
  return m;
}

describe("aggregate over three simulators, through the docker CLI", () => {
  test("6 run -d with spread land 2/2/2, and ps names them /node/name", async () => {
    for (let i = 0; i < 6; i++)
      await ok(spread, "run", "-d", "--network", "none", "busybox", "sleep", "1000");
    const p = await placement(spread);
    assert.deepEqual([...p.keys()].sort(), ["a", "b", "c"]);
    for (const names of p.values()) assert.equal(names.length, 2);
    const table = await ok(spread, "ps");
    assert.match(table, /^CONTAINER ID\s+IMAGE\s+COMMAND/);
    assert.equal(table.trim().split("\n").length, 7);
    assert.match(table, / [abc]\/\w+_\w+\n/);
  });

  test("binpack fills one node first", async () => {
    for (let i = 0; i < 4; i++)
      await ok(binpack, "run", "-d", "--network", "none", "busybox", "sleep", "1000");
    const p = await placement(binpack);
    assert.equal(p.size, 1, JSON.stringify([...p]));
    assert.equal([...p.values()][0]!.length, 4);
  });

  test("a constraint pins a container to a node; an impossible one says why", async () => {
    await ok(
      spread,
      "run",
      "-d",
      "--network",
      "none",
      "--name",
      "pinned",
      "-e",
      "constraint:node==b",
      "busybox",
      "sleep",
      "1000",
    );
    assert.ok((await placement(spread)).get("b")!.includes("pinned"));
    const env = await ok(spread, "inspect", "--format", "{{json .Config.Env}}", "pinned");
    assert.doesNotMatch(env, /constraint:/, "the constraint is not passed to the node");
    const label = await ok(
      spread,
      "run",
      "-d",
      "--network",
      "none",
      "-l",
      'com.docker.swarm.constraints=["node==c"]',
      "busybox",
      "true",
    );
    assert.equal((await ok(spread, "inspect", "--format", "{{.Node.Name}}", label.trim())).trim(), "c");
    const bad = await docker(spread, [
      "run",
      "-d",
      "--network",
      "none",
      "-e",
      "constraint:node==nowhere",
      "busybox",
      "true",
    ]);
    assert.equal(bad.code, 125);
    assert.match(
      bad.stderr,
      /unable to find a node that satisfies the request: constraint:node==nowhere excluded a, b, c/,
    );
  });

  test("a name taken on any node is a 409 conflict", async () => {
    await ok(spread, "create", "--network", "none", "--name", "unique", "busybox", "true");
    const r = await docker(spread, ["run", "-d", "--network", "none", "--name", "unique", "busybox", "true"]);
    assert.equal(r.code, 125);
    assert.match(
      r.stderr,
      /Conflict\. The container name "\/unique" is already in use by container "[0-9a-f]{64}"/,
    );
  });

  // node/name reaches the backend because dockerserver routes /containers/{name:.*}/… as the engine does.
  test("inspect, logs, stop and rm accept ID, prefix, name and node/name", async () => {
    const id = (
      await ok(
        spread,
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "talker",
        "busybox",
        "sh",
        "-c",
        "echo hello; sleep 1000",
      )
    ).trim();
    const node = (await ok(spread, "inspect", "--format", "{{.Node.Name}}", id)).trim();
    assert.match(node, /^[abc]$/);
    for (const ref of [id, id.slice(0, 8), "talker", `${node}/talker`]) {
      assert.equal((await ok(spread, "inspect", "--format", "{{.Id}}", ref)).trim(), id, ref);
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await ok(spread, "logs", "talker"), "hello\n");
    assert.equal(await ok(spread, "logs", `${node}/talker`), "hello\n");
    await ok(spread, "stop", "-t", "0", `${node}/talker`);
    assert.match(
      await ok(spread, "ps", "-a", "--filter", "name=talker", "--format", "{{.Status}}"),
      /^Exited/,
    );
    await ok(spread, "rm", `${node}/talker`);
    assert.equal(await ok(spread, "ps", "-a", "-q", "--filter", "name=talker"), "");
    const missing = await docker(spread, ["inspect", "talker"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such (container|object): talker/);
  });

  test("docker events merges the nodes and tags each event with its node", async () => {
    const r = await dockerUntil(
      spread,
      ["events", "--filter", "event=create", "--filter", "label=evt", "--format", "{{json .}}"],
      /("evt-\d"[\s\S]*){3}/,
      {
        timeoutMs: 20_000,
        onStart: async () => {
          await new Promise((res) => setTimeout(res, 300));
          for (let i = 0; i < 3; i++)
            await ok(
              spread,
              "create",
              "--network",
              "none",
              "-l",
              "evt",
              "--name",
              `evt-${i}`,
              "busybox",
              "true",
            );
        },
      },
    );
    const events = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: Record<string, string> } });
    assert.equal(events.length, 3, r.stdout);
    // The CLI's event type drops classic Swarm's top-level `node`; the Actor attribute survives.
    for (const e of events) {
      assert.equal(e.Action, "create");
      assert.ok(["a", "b", "c"].includes(e.Actor.Attributes["node.name"]!), JSON.stringify(e));
    }
  });

  test("info reports the cluster and every node in classic Swarm's layout", async () => {
    const out = await ok(spread, "info");
    assert.match(out, /^ Strategy: spread$/m);
    assert.match(out, /^ Filters: health, port, dependency, affinity, constraint$/m);
    assert.match(out, /^ Nodes: 3$/m);
    for (const n of ["a", "b", "c"]) assert.match(out, new RegExp(`^  ${n}: simulator$`, "m"));
    assert.equal(out.match(/^ {3}└ Status: Healthy$/gm)?.length, 3);
    assert.match(out, /^ {3}└ Containers: \d+ \(\d+ Running, 0 Paused, \d+ Stopped\)$/m);
    assert.match(out, /^ {3}└ Reserved Memory: 0 B \/ [\d.]+ GiB$/m);
    const total = Number(/^ Containers: (\d+)$/m.exec(out)![1]);
    const listed = (await ok(spread, "ps", "-aq")).trim().split("\n").length;
    assert.equal(total, listed);
  });
});
