import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Client } from "../../core/client.ts";
import { ErrorCodes } from "../../core/errors.ts";
import { message } from "../../core/message.ts";
import { pipe } from "../../core/pipe.ts";
import { forbidden, rig } from "./harness.ts";

const create = (config: object, name = "") => [JSON.stringify({ Image: "busybox", ...config }), name];

describe("guard in a chain (in-process, §6 messages)", () => {
  it("--read-only passes ping/version/info, listing, inspect, logs, events and nothing else", async () => {
    const r = await rig(["--read-only"], undefined, (e) => e.add("web"));
    try {
      const c = r.client;
      assert.match(await c.get("version"), /ApiVersion/);
      assert.match(await c.get("info"), /fake/);
      assert.equal((await c.ls()).length, 1);
      assert.match(await c.get("containers", "{}"), /web/);
      assert.match(await c.get("images", "{}"), /busybox/);
      const web = await c.open("web");
      assert.match(await web.get(), /"Name":"\/web"/);
      const logs = await web.request("Logs", ['{"stdout":true}']);
      const got = [];
      for await (const m of logs) got.push(m.verb);
      assert.deepEqual(got, ["Ack", "Log"]);
      const events = await c.watch("{}");
      let n = 0;
      for await (const _ of events) n++;
      assert.equal(n, 2);

      const before = r.engine.seen.length;
      for (const [what, p] of [
        ["create", c.call("Spawn", create({}), ["Ack"])],
        ["start", web.start()],
        ["stop", web.stop()],
        ["remove", web.call("Remove", ["{}"])],
        ["exec", web.call("Exec", ['{"Cmd":["sh"]}'])],
        ["attach", web.call("Attach", ["", "{}"])],
        ["top", web.get("top", "")],
        ["df", c.get("df")],
        ["pull", c.call("Pull", ["busybox", "latest"])],
      ] as const) {
        const msg = await forbidden(p);
        assert.match(msg, /by rule --read-only/, `${what}: ${msg}`);
      }
      assert.deepEqual(r.engine.seen.slice(before), [], "no denied request reached the backend");
    } finally {
      await r.stop();
    }
  });

  it("refuses the raw pass-through (Connect docker-api) as NOT_IMPLEMENTED, logs no decision, passes nothing", async () => {
    const r = await rig(["--allow", "containers"], undefined, (e) => e.add("web"));
    try {
      const before = { seen: r.engine.seen.length, records: r.records.length };
      await assert.rejects(r.client.call("Connect", ["docker-api"], ["Connect"]), (e: { code: string }) => {
        assert.equal(e.code, ErrorCodes.NotImplemented);
        return true;
      });
      assert.deepEqual(r.engine.seen.slice(before.seen), []);
      assert.deepEqual(
        r.records.slice(before.records).filter((x) => (x.obj as { decision?: string }).decision),
        [],
      );
      assert.match(
        await forbidden(r.client.call("Connect", ["something-else"], ["Connect"])),
        /default-deny/,
      );
    } finally {
      await r.stop();
    }
  });

  it("no policy is the read-only set; denials name default-deny or the section default", async () => {
    const r = await rig([], undefined, (e) => e.add("web"));
    try {
      const web = await r.client.open("web");
      assert.match(await forbidden(web.start()), /containers.start denied by rule default containers=read/);
      assert.match(await forbidden(r.client.get("df")), /system.df denied by rule default-deny/);
      assert.match(await forbidden(web.call("Exec", ["{}"])), /exec.create denied by rule default-deny/);
    } finally {
      await r.stop();
    }
  });

  it("--allow adds actions by name, section or verb", async () => {
    const r = await rig(["--allow", "containers.start", "Kill", "--allow=exec"], undefined, (e) =>
      e.add("web"),
    );
    try {
      const web = await r.client.open("web");
      await web.call("Kill", [""]);
      await web.start();
      assert.match(await forbidden(web.stop()), /containers.stop denied/);
      const ex = await web.call("Exec", ['{"Cmd":["true"]}']);
      const exec = new Client(ex.ret!);
      assert.match(await exec.get(), /ExitCode/);
    } finally {
      await r.stop();
    }
  });

  it("wraps objects to any depth: exec objects, stdin streams and unknown objects are checked too", async () => {
    const r = await rig([], "containers: allow\nexec: allow\ndeny: [exec.resize]\n", (e) => e.add("web"));
    try {
      const web = await r.client.open("web");
      const execAck = await web.call("Exec", ['{"Cmd":["sh"]}']);
      const exec = new Client(execAck.ret!);
      assert.match(
        await forbidden(exec.call("Resize", ["10", "20"])),
        /exec.resize denied by rule deny\[0\] \(policy.yaml:3\)/,
      );
      // exec Start hands back stdin: Log passes, anything else is refused.
      const replies = await exec.request("Start", ['{"Detach":false}']);
      const first = await replies.receive();
      assert.equal(first?.verb, "Ack");
      const stdin = new Client(first!.ret!);
      await stdin.log("stdin", "hello\n");
      assert.match(
        await forbidden(stdin.call("Kill", ["9"])),
        /Kill on a stdin stream denied by rule default-deny/,
      );
      replies.close();
      assert.deepEqual(r.engine.stdin, ["hello\n"]);
      assert.ok(!r.engine.seen.includes("stdin Kill"));
      // An unknown verb to a container is denied, never forwarded.
      assert.match(
        await forbidden(web.call("Commit", [])),
        /Commit on a container denied by rule default-deny/,
      );
      assert.ok(!r.engine.seen.some((s) => s.endsWith("Commit")));
    } finally {
      await r.stop();
    }
  });

  it("inspects create configs: privileged, host namespaces, binds, caps, devices, user, images", async () => {
    const r = await rig(
      [],
      [
        "containers: allow",
        "restrict:",
        "  binds: [/srv]",
        "  capabilities: [NET_BIND_SERVICE]",
        "  user_root: deny",
        "  images:",
        "    allow: [busybox, alpine:3.*]",
        "",
      ].join("\n"),
    );
    try {
      const c = r.client;
      const spawn = (config: object, name = "") => c.call("Spawn", create(config, name), ["Ack"]);
      await spawn({ HostConfig: { Binds: ["/srv/data:/data:ro", "named:/v"] } });
      await spawn({ Image: "alpine:3.19" });
      await spawn({ HostConfig: { CapAdd: ["cap_net_bind_service"] } });
      const cases: [object, RegExp][] = [
        [{ HostConfig: { Privileged: true } }, /restrict.privileged: privileged containers/],
        [{ hostconfig: { privileged: true } }, /restrict.privileged/],
        [{ HostConfig: { Privileged: false }, hostConfig: { Privileged: true } }, /ambiguous-content/],
        [{ HostConfig: { NetworkMode: "host" } }, /restrict.host_network: --network=host/],
        [{ HostConfig: { PidMode: "host" } }, /restrict.host_pid: --pid=host/],
        [
          { HostConfig: { Binds: ["/etc:/etc"] } },
          /restrict.binds \(policy.yaml:3\): host bind mount of \/etc/,
        ],
        [{ HostConfig: { Binds: ["/srv/../etc:/x"] } }, /restrict.binds/],
        [{ HostConfig: { Binds: ["/srvx:/x"] } }, /restrict.binds/],
        [
          { HostConfig: { Mounts: [{ Type: "bind", Source: "/var/run/docker.sock", Target: "/s" }] } },
          /restrict.binds/,
        ],
        [
          {
            HostConfig: {
              Mounts: [
                {
                  Type: "volume",
                  Source: "v",
                  Target: "/v",
                  VolumeOptions: { DriverConfig: { Options: { device: "/" } } },
                },
              ],
            },
          },
          /restrict.binds/,
        ],
        [
          { HostConfig: { CapAdd: ["SYS_ADMIN"] } },
          /restrict.capabilities \(policy.yaml:4\): --cap-add SYS_ADMIN/,
        ],
        [{ HostConfig: { Devices: [{ PathOnHost: "/dev/kmsg" }] } }, /default restrict.devices/],
        [{ User: "root" }, /restrict.user_root \(policy.yaml:5\)/],
        [{ User: "0:0" }, /restrict.user_root/],
        [{ Image: "ubuntu" }, /restrict.images.allow \(policy.yaml:7\): image ubuntu/],
        [{ HostConfig: { SecurityOpt: ["seccomp=unconfined"] } }, /default restrict.security_opt/],
      ];
      const before = r.engine.seen.filter((s) => s === "root Spawn").length;
      for (const [config, rule] of cases) {
        assert.match(await forbidden(spawn(config)), rule, JSON.stringify(config));
      }
      assert.equal(r.engine.seen.filter((s) => s === "root Spawn").length, before);
    } finally {
      await r.stop();
    }
  });

  it("label scoping hides other teams' containers from ps and events, and refuses them", async () => {
    const r = await rig([], "containers: allow\nscope:\n  labels: {team: a}\n", (e) => {
      e.add("a1", { team: "a" });
      e.add("b1", { team: "b" });
      e.add("plain");
    });
    try {
      const c = r.client;
      const ids = await c.ls();
      assert.equal(ids.length, 1);
      const summaries = JSON.parse(await c.get("containers", "{}")) as { Names: string[] }[];
      assert.deepEqual(
        summaries.map((s) => s.Names[0]),
        ["/a1"],
      );
      const events = await c.watch("{}");
      const names: string[] = [];
      for await (const m of events) names.push(JSON.parse(m.args[0]!).Actor.Attributes?.name ?? "image");
      assert.deepEqual(names, ["a1", "image"]);
      assert.match(
        await forbidden(c.open("b1")),
        /scope.labels \(policy.yaml:3\): container b1 is not labelled team=a/,
      );
      const a1 = await c.open("a1");
      await a1.stop();
      // create must stay in scope
      assert.match(await forbidden(c.call("Spawn", create({}, "x"), ["Ack"])), /scope.labels/);
      const made = await c.call("Spawn", create({ Labels: { team: "a" } }, "a2"), ["Ack"]);
      await new Client(made.ret!).start();
      assert.ok(!r.engine.seen.includes("b1 Stop"));
    } finally {
      await r.stop();
    }
  });

  it("name scoping: creates and renames must keep the name in scope", async () => {
    const r = await rig([], 'containers: allow\nscope:\n  names: ["a-*"]\n', (e) => e.add("b-web"));
    try {
      const c = r.client;
      assert.equal((await c.ls()).length, 0);
      const made = await c.call("Spawn", create({}, "a-1"), ["Ack"]);
      const a1 = new Client(made.ret!);
      assert.match(
        await forbidden(c.call("Spawn", create({}, "b-1"), ["Ack"])),
        /scope.names \(policy.yaml:3\)/,
      );
      assert.match(
        await forbidden(c.call("Spawn", create({}), ["Ack"])),
        /container name "" matches none of a-\*/,
      );
      assert.match(await forbidden(a1.call("Rename", ["b-2"])), /scope.names/);
      await a1.call("Rename", ["a-2"]);
      await a1.start();
      assert.match(await forbidden(c.open("b-web")), /scope.names/);
      assert.deepEqual(
        JSON.parse(await c.get("containers", "{}")).map((x: { Names: string[] }) => x.Names[0]),
        ["/a-2"],
      );
    } finally {
      await r.stop();
    }
  });

  it("per-user rules apply to the root scoped by As; anonymous gets the top level", async () => {
    const policy = [
      "containers: read",
      "users:",
      "  alice:",
      "    containers: allow",
      "    scope: {labels: {team: a}}",
      "  bob:",
      "    containers: deny",
      "",
    ].join("\n");
    const r = await rig([], policy, (e) => {
      e.add("a1", { team: "a" });
      e.add("b1", { team: "b" });
    });
    try {
      const alice = await r.as("alice");
      const bob = await r.as("bob");
      await (await alice.open("a1")).stop();
      assert.match(await forbidden(alice.open("b1")), /for user "alice" by rule users.alice.scope.labels/);
      assert.match(
        await forbidden(bob.ls()),
        /containers.list denied for user "bob" by rule users.bob.containers/,
      );
      assert.match(
        await forbidden((await r.client.open("a1")).stop()),
        /containers.stop denied by rule containers \(policy.yaml:1\)/,
      );
      assert.equal((await r.client.ls()).length, 2);
      // a scoped root cannot be re-scoped
      assert.match(await forbidden(alice.call("As", ["bob"])), /identity/);
      // Closing a scoped root (which shares guard's output here) ends nothing for anyone else.
      alice.target.close();
      assert.match(await bob.get("version"), /ApiVersion/);
      assert.match(await r.client.get("version"), /ApiVersion/);
      const recs = r.records.filter((x) => (x.obj as { guard?: string }).guard === "decision");
      assert.ok(recs.some((x) => JSON.stringify(x.obj).includes('"user":"alice"')));
    } finally {
      await r.stop();
    }
  });

  it("logs every decision as a structured line and never logs env values", async () => {
    const r = await rig([], "containers: allow\n");
    try {
      await r.client.call("Spawn", create({ Env: ["PASSWORD=hunter2"] }, "s1"), ["Ack"]);
      await forbidden(
        r.client.call("Spawn", create({ Env: ["TOKEN=sekrit"], HostConfig: { Privileged: true } }), ["Ack"]),
      );
      const decisions = r.records
        .map((x) => x.obj as Record<string, unknown>)
        .filter((o) => o.guard === "decision");
      assert.deepEqual(
        decisions.map((d) => [d.user, d.action, d.decision, d.rule]),
        [
          ["", "containers.create", "allow", "containers (policy.yaml:1)"],
          ["", "containers.create", "deny", "default restrict.privileged"],
        ],
      );
      const all = JSON.stringify(r.records);
      assert.ok(!all.includes("hunter2") && !all.includes("sekrit"));
    } finally {
      await r.stop();
    }
  });

  it("one-way Log lines pass down the chain; one-way requests are refused silently", async () => {
    const r = await rig(["--read-only"]);
    try {
      const [replies, ret] = pipe();
      await r.client.target.send(message("Start", [], { ret }));
      const m = await replies.receive();
      assert.equal(m?.verb, "Error");
      assert.equal(m?.args[1], ErrorCodes.Forbidden);
      assert.match(m!.args[0]!, /Start on the root denied by rule default-deny/);
      await r.client.log("a line from the frontend");
      await r.client.target.send(message("Spawn", ["{}"])); // no ret: dropped, never forwarded
      await r.client.get("version"); // ordering: the one-ways were handled before this
      assert.ok(!r.engine.seen.includes("root Spawn"));
    } finally {
      await r.stop();
    }
  });

  it("a malformed policy stops guard at spawn with the bad line", async () => {
    await assert.rejects(
      rig([], "containers: allow\nrestrict:\n  privileged: maybe\n"),
      /policy.yaml:3:15: restrict.privileged must be allow or deny/,
    );
    await assert.rejects(rig([], "exec: allow\nexec: deny\n"), /policy.yaml:2:1: Map keys must be unique/);
    await assert.rejects(rig(["--read-only", "--allow", "exec"]), /cannot be combined/);
    await assert.rejects(rig(["--allow", "nonsense"]), /names no action/);
    await assert.rejects(rig(["--frobnicate"]), /unexpected argument/);
    await assert.rejects(rig(["--policy", "/nonexistent/p.yaml"]), /cannot read policy/);
  });
});
