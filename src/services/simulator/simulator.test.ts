import assert from "node:assert/strict";
import { test } from "node:test";
import { Client } from "../../core/client.ts";
import { ErrorCodes } from "../../core/errors.ts";
import { message } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";
import { DockerVerbs } from "../../docker/verbs.ts";
import { create, drain, type Harness, output, sleep, startSimulator } from "./testkit.ts";

// biome-ignore lint/suspicious/noExplicitAny: engine JSON documents are navigated freely in assertions
type Doc = any;

/** In-process: Client ↔ pipe/Task ↔ simulator, through the same path swarmd uses. */

async function withSim(args: string[], fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startSimulator(...args);
  try {
    await fn(h);
  } finally {
    await h.stop();
  }
}

const json = async <T = Doc>(c: Client, ...args: string[]) => JSON.parse(await c.get(...args)) as T;
/** Create a TTY container running `cmd`, attach to it with stdin (as `docker run -it`), then start it. */
async function startTty(root: Client, cmd: string[]) {
  const { c } = await create(root, { Cmd: cmd, Tty: true, OpenStdin: true, StdinOnce: true });
  const a = await c.request(Verbs.Attach, ["", JSON.stringify({ stream: true, stdin: true, stdout: true })]);
  const stdin = (await a.receive())!.ret!;
  await c.start();
  return { c, a, stdin };
}

const events = async (root: Client) => {
  const r = await root.watch(JSON.stringify({ since: 0, until: Date.now() / 1000 + 0.05 }));
  return (await drain(r)).map((m) => JSON.parse(m.args[0]!) as Doc);
};

test("seeded containers run sleep infinity; Ls lists them; info and version have the engine's shape", () =>
  withSim(["web", "db", "--image", "nginx:1.25"], async ({ root }) => {
    const ids = await root.ls();
    assert.equal(ids.length, 2);
    for (const id of ids) assert.match(id, /^[0-9a-f]{64}$/);
    const web = await json(await root.open("web"));
    assert.equal(web.Name, "/web");
    assert.equal(web.State.Status, "running");
    assert.equal(web.Path, "sleep");
    assert.deepEqual(web.Args, ["infinity"]);
    assert.match(web.Created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    const info = await json(root, "info");
    assert.equal(info.Containers, 2);
    assert.equal(info.ContainersRunning, 2);
    assert.equal(info.ContainersStopped, 0);
    assert.equal(info.Images, 3);
    assert.equal(info.OperatingSystem, "libswarm simulator");
    assert.ok(info.NCPU > 0 && info.MemTotal > 0);
    assert.equal((await json(root)).ID, info.ID, "Get with no args is info");
    const version = await json(root, "version");
    assert.equal(version.ApiVersion, "1.41");
    assert.equal(version.Components[0].Name, "Engine");
    const images = await json<Doc[]>(root, "images", "{}");
    assert.deepEqual(images.map((i) => i.RepoTags[0]).sort(), [
      "alpine:latest",
      "busybox:latest",
      "nginx:1.25",
    ]);
    for (const i of images) assert.match(i.Id, /^sha256:[0-9a-f]{64}$/);
    const filtered = await json<Doc[]>(
      root,
      "images",
      JSON.stringify({ filters: { reference: { "busy*": true } } }),
    );
    assert.deepEqual(
      filtered.map((i) => i.RepoTags[0]),
      ["busybox:latest"],
    );
    assert.equal((await json(root, "image", "busybox")).RepoTags[0], "busybox:latest");
    await assert.rejects(root.get("image", "nope"), {
      code: ErrorCodes.NotFound,
      message: "No such image: nope:latest",
    });
    const df = await json(root, "df");
    assert.equal(df.Containers.length, 2);
  }));

test("docker run --rm busybox echo hi: attach, wait removed, start; output, exit 0, destroy", () =>
  withSim([], async ({ root }) => {
    const { c, id } = await create(root, {
      Cmd: ["echo", "hi"],
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: { AutoRemove: true },
    });
    const attach = await c.request(Verbs.Attach, [
      "",
      JSON.stringify({ stream: true, stdout: true, stderr: true }),
    ]);
    const ack = await attach.receive();
    assert.equal(ack?.verb, Verbs.Ack);
    assert.deepEqual(ack?.args, ["false"]);
    ack?.ret?.close(); // no stdin: EOF at once, as the CLI does
    const wait = await c.request(DockerVerbs.Wait, ["removed"]);
    assert.equal((await wait.receive())?.verb, Verbs.Ack);
    await c.start();
    assert.deepEqual(output(await drain(attach)), { stdout: "hi\n", stderr: "" });
    const result = await drain(wait);
    assert.deepEqual(
      result.map((m) => [m.verb, JSON.parse(m.args[0]!)]),
      [[Verbs.Set, { Error: null, StatusCode: 0 }]],
    );
    assert.deepEqual(await root.ls(), []);
    await assert.rejects(root.open(id), { code: ErrorCodes.NotFound, message: `No such container: ${id}` });
    await assert.rejects(c.get(), { code: ErrorCodes.NotFound });
    const actions = (await events(root)).filter((e) => e.Type === "container").map((e) => e.Action);
    assert.deepEqual(actions, ["create", "attach", "start", "die", "destroy"]);
    const die = (await events(root)).find((e) => e.Action === "die")!;
    assert.equal(die.Actor.Attributes.exitCode, "0");
    assert.equal(die.status, "die");
    assert.equal(die.id, id);
    assert.equal(die.from, "busybox:latest");
    assert.equal(die.scope, "local");
  }));

test("sh -c scripts: stdout/stderr split, exit code in wait and inspect, logs options", () =>
  withSim([], async ({ root }) => {
    const { c } = await create(
      root,
      { Cmd: ["sh", "-c", "echo out1; echo err1 >&2; echo out2; exit 7"] },
      "t3",
    );
    const wait = await c.request(DockerVerbs.Wait, ["next-exit"]);
    await wait.receive();
    await c.start();
    assert.equal(JSON.parse((await drain(wait))[0]!.args[0]!).StatusCode, 7);
    const ins = await json(c);
    assert.equal(ins.State.Status, "exited");
    assert.equal(ins.State.ExitCode, 7);
    assert.notEqual(ins.State.FinishedAt, "0001-01-01T00:00:00Z");
    const logs = async (opts: object) => drain(await c.request(DockerVerbs.Logs, [JSON.stringify(opts)]));
    const all = await logs({ stdout: true, stderr: true });
    assert.deepEqual(all[0]!.args, ["false"]);
    assert.deepEqual(
      all.slice(1).map((m) => m.args),
      [
        ["stdout", "out1\n"],
        ["stderr", "err1\n"],
        ["stdout", "out2\n"],
      ],
    );
    assert.deepEqual(output(await logs({ stdout: true })), { stdout: "out1\nout2\n", stderr: "" });
    const tail = await logs({ stdout: true, stderr: true, tail: "2", timestamps: true });
    assert.equal(tail.length, 3);
    assert.match(tail[1]!.args[1]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z err1\n$/);
    assert.deepEqual(await logs({ stdout: true, stderr: true, tail: "0" }).then((m) => m.length), 1);
    const future = Date.now() / 1000 + 60;
    assert.equal((await logs({ stdout: true, stderr: true, since: future })).length, 1);
    await assert.rejects(c.call(DockerVerbs.Logs, [JSON.stringify({ stdout: false, stderr: false })]), {
      code: ErrorCodes.InvalidArgument,
      message: "Bad parameters: you must choose at least one stream",
    });
    // not-running holds at once for a stopped container.
    const again = await drain(await c.request(DockerVerbs.Wait, [""]));
    assert.equal(JSON.parse(again[1]!.args[0]!).StatusCode, 7);
  }));

test("the engine's errors: not found, conflicts, 304s, bad input", () =>
  withSim(["t5"], async ({ root }) => {
    const t5 = await root.open("t5");
    const id = (await json(t5)).Id as string;
    await assert.rejects(root.open("nosuchcontainer"), {
      code: ErrorCodes.NotFound,
      message: "No such container: nosuchcontainer",
    });
    await assert.rejects(create(root, { Cmd: ["true"] }, "t5"), {
      code: ErrorCodes.Conflict,
      message: `Conflict. The container name "/t5" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
    });
    await assert.rejects(create(root, { Image: "nonexisting/image" }), {
      code: ErrorCodes.NotFound,
      message: "No such image: nonexisting/image:latest",
    });
    await assert.rejects(create(root, { Cmd: ["true"] }, "x"), { code: ErrorCodes.InvalidArgument });
    await assert.rejects(root.call(Verbs.Spawn, ["{not json", ""], [Verbs.Ack]), {
      code: ErrorCodes.InvalidArgument,
    });
    await assert.rejects(t5.start(), { code: ErrorCodes.NotModified });
    await assert.rejects(t5.call(DockerVerbs.Remove, ["{}"]), {
      code: ErrorCodes.Conflict,
      message: `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`,
    });
    await assert.rejects(t5.call(DockerVerbs.Kill, ["NOPE"]), {
      code: ErrorCodes.InvalidArgument,
      message: "Invalid signal: NOPE",
    });
    await t5.call(DockerVerbs.Pause);
    await assert.rejects(t5.call(DockerVerbs.Pause), {
      code: ErrorCodes.Conflict,
      message: `Container ${id} is already paused`,
    });
    await assert.rejects(t5.start(), { code: ErrorCodes.Conflict });
    await assert.rejects(t5.call(DockerVerbs.Remove, ["{}"]), {
      code: ErrorCodes.Conflict,
      message: /paused container/,
    });
    await t5.call(DockerVerbs.Unpause);
    await assert.rejects(t5.call(DockerVerbs.Unpause), {
      code: ErrorCodes.Conflict,
      message: `Container ${id} is not paused`,
    });
    await t5.call(DockerVerbs.Kill, []);
    assert.equal((await json(t5)).State.ExitCode, 137);
    await assert.rejects(t5.call(DockerVerbs.Kill, ["HUP"]), {
      code: ErrorCodes.Conflict,
      message: `Cannot kill container: t5: Container ${id} is not running`,
    });
    await assert.rejects(t5.call(DockerVerbs.Pause), {
      code: ErrorCodes.Conflict,
      message: `Container ${id} is not running`,
    });
    await assert.rejects(t5.get("top"), {
      code: ErrorCodes.Conflict,
      message: `Container ${id} is not running`,
    });
    await assert.rejects(t5.call(DockerVerbs.Resize, ["30", "100"]), { code: ErrorCodes.Conflict });
    await assert.rejects(t5.call(DockerVerbs.Exec, [JSON.stringify({ Cmd: ["true"] })]), {
      code: ErrorCodes.Conflict,
    });
    await assert.rejects(t5.stop(), { code: ErrorCodes.NotModified });
    await assert.rejects(t5.call(DockerVerbs.Wait, ["sometime"]), { code: ErrorCodes.InvalidArgument });
    // Ambiguous ID prefix: make a second container until two IDs share a first hex digit.
    const ids = [id];
    while (new Set(ids.map((x) => x[0])).size === ids.length)
      ids.push((await create(root, { Cmd: ["true"] })).id);
    const dup = ids.find((x, i) => ids.findIndex((y) => y[0] === x[0]) !== i)!;
    await assert.rejects(root.open(dup[0]!), { code: ErrorCodes.InvalidArgument });
    await assert.rejects(root.get("nothing"), { code: ErrorCodes.InvalidArgument });
    await assert.rejects(root.call("Frobnicate", [], [Verbs.Ack]), { code: ErrorCodes.NotImplemented });
    await assert.rejects(
      root.call(DockerVerbs.Pull, ["docker.io/nonexisting/image", "latest"], [Verbs.Ack]),
      {
        code: ErrorCodes.Internal,
        message:
          'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host',
      },
    );
  }));

test("lookup by ID, ID prefix and name with a slash; rename", () =>
  withSim(["t2"], async ({ root }) => {
    const id = (await json(await root.open("t2"))).Id as string;
    for (const ref of [id, id.slice(0, 12), "/t2"]) assert.equal((await json(await root.open(ref))).Id, id);
    const c = await root.open("t2");
    await c.call(DockerVerbs.Rename, ["t2b"]);
    await assert.rejects(root.open("t2"), { code: ErrorCodes.NotFound });
    assert.equal((await json(await root.open("t2b"))).Name, "/t2b");
    await assert.rejects(c.call(DockerVerbs.Rename, ["t2b"]), { code: ErrorCodes.InvalidArgument });
    await create(root, { Cmd: ["true"] }, "other");
    await assert.rejects(c.call(DockerVerbs.Rename, ["other"]), {
      code: ErrorCodes.Conflict,
      message: /^Error when allocating new name: Conflict/,
    });
    const rename = (await events(root)).find((e) => e.Action === "rename")!;
    assert.equal(rename.Actor.Attributes.oldName, "/t2");
    assert.equal(rename.Actor.Attributes.name, "t2b");
    const named = (await create(root, { Cmd: ["true"] })).c;
    assert.match((await json(named)).Name, /^\/[a-z]+_[a-z]+\d?$/);
  }));

test("stop sends TERM (143); a process that traps TERM is killed after the timeout (137); restart", () =>
  withSim([], async ({ root }) => {
    const { c } = await create(root, { Cmd: ["sleep", "100"] });
    await c.start();
    await c.stop();
    assert.equal((await json(c)).State.ExitCode, 143);
    const { c: stubborn } = await create(root, { Cmd: ["sh", "-c", "trap '' TERM; sleep 100"] });
    await stubborn.start();
    const t0 = Date.now();
    await stubborn.stop("1");
    const took = Date.now() - t0;
    assert.ok(took >= 950 && took < 3000, `stop -t 1 took ${took} ms`);
    assert.equal((await json(stubborn)).State.ExitCode, 137);
    const kills = (await events(root))
      .filter((e) => e.Action === "kill")
      .map((e) => e.Actor.Attributes.signal);
    assert.deepEqual(kills, ["15", "15", "9"]);
    const { c: custom } = await create(root, { Cmd: ["sleep", "100"], StopSignal: "SIGINT" });
    await custom.start();
    await custom.stop();
    assert.equal((await json(custom)).State.ExitCode, 130);
    await custom.call(DockerVerbs.Restart, ["1"]);
    assert.equal((await json(custom)).State.Status, "running");
    await custom.call(DockerVerbs.Restart, ["1"]);
    assert.equal((await json(custom)).State.Status, "running");
    const id = (await json(custom)).Id;
    const actions = (await events(root)).filter((e) => e.id === id).map((e) => e.Action);
    assert.deepEqual(actions.slice(-5), ["kill", "die", "stop", "start", "restart"]);
  }));

test("pause freezes the process: a paused sleep does not finish", () =>
  withSim([], async ({ root }) => {
    const { c } = await create(root, { Cmd: ["sleep", "0.2"] });
    await c.start();
    await c.call(DockerVerbs.Pause);
    assert.equal((await json(c)).State.Status, "paused");
    assert.equal((await json(c)).State.Running, true);
    const ps = await json<Doc[]>(root, "containers", "{}");
    assert.equal(ps[0].State, "paused");
    assert.match(ps[0].Status, /^Up .* \(Paused\)$/);
    await sleep(400);
    assert.equal((await json(c)).State.Status, "paused");
    await c.call(DockerVerbs.Unpause);
    const wait = await drain(await c.request(DockerVerbs.Wait, ["not-running"]));
    assert.equal(JSON.parse(wait[1]!.args[0]!).StatusCode, 0);
  }));

test("attach with stdin: cat echoes it, stdin EOF ends cat with 0", () =>
  withSim([], async ({ root }) => {
    const { c } = await create(root, { Cmd: ["cat"], OpenStdin: true, StdinOnce: true, AttachStdin: true });
    const attach = await c.request(Verbs.Attach, [
      "",
      JSON.stringify({ stream: true, stdin: true, stdout: true, stderr: true }),
    ]);
    const ack = (await attach.receive())!;
    const stdin = ack.ret!;
    // Input sent before start is kept, as the CLI does for `docker run -i`.
    await stdin.send(message(Verbs.Log, ["stdin", "line1\n"]));
    await c.start();
    await stdin.send(message(Verbs.Log, ["stdin", "line2\n"]));
    stdin.close();
    assert.deepEqual(output(await drain(attach)), { stdout: "line1\nline2\n", stderr: "" });
    assert.equal((await json(c)).State.ExitCode, 0);
  }));

test("an attachment's stdin EOF belongs to its run: a later start gets a fresh, open stdin", () =>
  withSim([], async ({ root }) => {
    const { c } = await create(root, { Cmd: ["cat"], OpenStdin: true, StdinOnce: true });
    const a = await c.request(Verbs.Attach, [
      "",
      JSON.stringify({ stream: true, stdin: true, stdout: true }),
    ]);
    const stdin = (await a.receive())!.ret!;
    await stdin.send(message(Verbs.Log, ["stdin", "once\n"]));
    await c.start();
    await sleep(10);
    stdin.close();
    assert.equal(output(await drain(a)).stdout, "once\n");
    assert.equal((await json(c)).State.Status, "exited");
    await c.start();
    await sleep(20);
    assert.equal((await json(c)).State.Status, "running", "cat waits on its new stdin");
    await c.stop();
    assert.equal((await json(c)).State.ExitCode, 143);
  }));

test("a TTY container sends everything on stdout with CRLF and echoes input", () =>
  withSim([], async ({ root }) => {
    const { c } = await create(root, { Cmd: ["sh", "-c", "echo hi; echo err >&2"], Tty: true });
    const attach = await c.request(Verbs.Attach, [
      "",
      JSON.stringify({ stream: true, stdout: true, stderr: true }),
    ]);
    assert.deepEqual((await attach.receive())!.args, ["true"]);
    await c.start();
    const msgs = await drain(attach);
    assert.ok(msgs.every((m) => m.args[0] === "stdout"));
    assert.equal(output(msgs).stdout, "hi\r\nerr\r\n");
    const { a: a2, stdin } = await startTty(root, ["cat"]);
    await stdin.send(message(Verbs.Log, ["stdin", "abc\r"]));
    await sleep(20);
    stdin.close();
    assert.equal(output(await drain(a2)).stdout, "abc\r\nabc\r\n");
  }));

test("a TTY has a line discipline: backspace edits, ^D ends input, ^C interrupts", () =>
  withSim([], async ({ root }) => {
    const cat = await startTty(root, ["cat"]);
    for (const key of ["a", "x", "\x7f", "b", "\r", "\x04"])
      await cat.stdin.send(message(Verbs.Log, ["stdin", key]));
    assert.equal(output(await drain(cat.a)).stdout, "ax\b \bb\r\nab\r\n");
    assert.equal((await json(cat.c)).State.ExitCode, 0);
    const sh = await startTty(root, ["sh"]);
    await sh.stdin.send(message(Verbs.Log, ["stdin", "echo hi\r"]));
    await sleep(20);
    await sh.stdin.send(message(Verbs.Log, ["stdin", "\x03"]));
    const out = output(await drain(sh.a)).stdout;
    assert.equal(out, "/ # echo hi\r\nhi\r\n/ # ^C\r\n");
    assert.equal((await json(sh.c)).State.ExitCode, 130);
  }));

test("the detach keys end an attachment and leave the container running", () =>
  withSim([], async ({ root }) => {
    const { c, a, stdin } = await startTty(root, ["cat"]);
    await stdin.send(message(Verbs.Log, ["stdin", "hi\r"]));
    await sleep(20);
    await stdin.send(message(Verbs.Log, ["stdin", "\x10\x11"]));
    assert.equal(output(await drain(a)).stdout, "hi\r\nhi\r\n");
    stdin.close();
    await sleep(10);
    assert.equal((await json(c)).State.Status, "running");
    assert.ok((await events(root)).some((e) => e.Action === "detach"));
    await assert.rejects(c.call(Verbs.Attach, ["", JSON.stringify({ stdin: true, detachKeys: "ctrl-??" })]), {
      code: ErrorCodes.InvalidArgument,
    });
  }));

test("top and resize are recorded as events", () =>
  withSim(["box"], async ({ root }) => {
    const box = await root.open("box");
    await box.get("top");
    await box.call(DockerVerbs.Resize, ["30", "100"]);
    const evs = (await events(root)).filter((e) => e.Action === "top" || e.Action === "resize");
    assert.deepEqual(
      evs.map((e) => [e.Action, e.Actor.Attributes.height, e.Actor.Attributes.width]),
      [
        ["top", undefined, undefined],
        ["resize", "30", "100"],
      ],
    );
  }));

test("logs follow streams live lines and ends when the container stops", () =>
  withSim([], async ({ root }) => {
    const { c } = await create(root, {
      Cmd: ["sh", "-c", "echo a; sleep 0.1; echo b >&2; sleep 0.1; echo c"],
    });
    await c.start();
    await sleep(20);
    const follow = await c.request(DockerVerbs.Logs, [
      JSON.stringify({ follow: true, stdout: true, stderr: true }),
    ]);
    const t0 = Date.now();
    const msgs = await drain(follow);
    assert.ok(Date.now() - t0 >= 150);
    assert.deepEqual(
      msgs.slice(1).map((m) => m.args),
      [
        ["stdout", "a\n"],
        ["stderr", "b\n"],
        ["stdout", "c\n"],
      ],
    );
  }));

test("exec: create, start with output, inspect ExitCode; exec events; top lists it", () =>
  withSim(["t2"], async ({ root }) => {
    const t2 = await root.open("t2");
    const m = await t2.call(DockerVerbs.Exec, [
      JSON.stringify({
        Cmd: ["sh", "-c", "echo out; echo err >&2; exit 3"],
        AttachStdout: true,
        AttachStderr: true,
      }),
    ]);
    const execId = m.args[0]!;
    assert.match(execId, /^[0-9a-f]{64}$/);
    const exec = new Client(m.ret!);
    const before = await json(exec);
    assert.equal(before.Running, false);
    assert.equal(before.ExitCode, null);
    const start = await exec.request(Verbs.Start, [JSON.stringify({ Detach: false, Tty: false })]);
    const msgs = await drain(start);
    assert.equal(msgs[0]!.verb, Verbs.Ack);
    assert.deepEqual(output(msgs), { stdout: "out\n", stderr: "err\n" });
    const after = await json(exec);
    assert.equal(after.ExitCode, 3);
    assert.equal(after.Running, false);
    assert.equal(after.ProcessConfig.entrypoint, "sh");
    assert.deepEqual(after.ProcessConfig.arguments, ["-c", "echo out; echo err >&2; exit 3"]);
    assert.equal(after.ContainerID, (await json(t2)).Id);
    await assert.rejects(exec.call(Verbs.Start, ["{}"]), { code: ErrorCodes.Conflict });
    assert.deepEqual((await json(t2)).ExecIDs, [execId]);
    const actions = (await events(root)).map((e) => e.Action);
    assert.ok(actions.includes("exec_create: sh -c echo out; echo err >&2; exit 3"));
    assert.ok(actions.includes("exec_die"));
    // A long exec shows in top, with its child.
    const m2 = await t2.call(DockerVerbs.Exec, [JSON.stringify({ Cmd: ["sh", "-c", "sleep 100"] })]);
    const ex2 = new Client(m2.ret!);
    await drain(await ex2.request(Verbs.Start, [JSON.stringify({ Detach: true })]));
    await sleep(10);
    const top = await json(t2, "top");
    assert.deepEqual(top.Titles, ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
    assert.deepEqual(
      top.Processes.map((p: string[]) => p[7]),
      ["sleep infinity", "sh -c sleep 100", "sleep 100"],
    );
    assert.equal((await json(ex2)).Running, true);
    // Stopping the container ends its execs.
    await t2.call(DockerVerbs.Kill, []);
    assert.equal((await json(ex2)).ExitCode, 137);
  }));

test("a container keeps at most 64 execs", () =>
  withSim(["box"], async ({ root }) => {
    const box = await root.open("box");
    let last = "";
    for (let i = 0; i < 100; i++) {
      const m = await box.call(DockerVerbs.Exec, [JSON.stringify({ Cmd: ["true"] })]);
      last = m.args[0]!;
      if (i % 2 === 0) await drain(await new Client(m.ret!).request(Verbs.Start, ["{}"]));
    }
    const ids = (await json(box)).ExecIDs as string[];
    assert.equal(ids.length, 64);
    assert.equal(ids.at(-1), last);
  }));

test("exec with stdin: cat reads until the caller closes stdin", () =>
  withSim(["box"], async ({ root }) => {
    const box = await root.open("box");
    const m = await box.call(DockerVerbs.Exec, [
      JSON.stringify({ Cmd: ["cat"], AttachStdin: true, AttachStdout: true }),
    ]);
    const exec = new Client(m.ret!);
    const start = await exec.request(Verbs.Start, ["{}"]);
    const stdin = (await start.receive())!.ret!;
    await stdin.send(message(Verbs.Log, ["stdin", "ping\n"]));
    stdin.close();
    assert.equal(output(await drain(start)).stdout, "ping\n");
    assert.equal((await json(exec)).ExitCode, 0);
  }));

test("the containers fast path lists summaries with filters", () =>
  withSim(["web", "--containers", "50"], async ({ root }) => {
    const { c } = await create(root, { Cmd: ["false"], Labels: { app: "job" } }, "job");
    await c.start();
    await drain(await c.request(DockerVerbs.Wait, ["not-running"]));
    const list = async (opts: object) => json<Doc[]>(root, "containers", JSON.stringify(opts));
    assert.equal((await list({})).length, 51);
    assert.equal((await list({ all: true })).length, 52);
    const exited = await list({ filters: { status: ["exited"] } });
    assert.deepEqual(
      exited.map((s) => s.Names[0]),
      ["/job"],
    );
    assert.match(exited[0].Status, /^Exited \(1\) /);
    assert.equal(exited[0].Command, "false");
    assert.deepEqual(
      (await list({ all: true, filters: { label: ["app=job"] } })).map((s) => s.Names[0]),
      ["/job"],
    );
    assert.deepEqual((await list({ all: true, filters: { exited: ["1"] } })).length, 1);
    assert.deepEqual(
      (await list({ filters: { name: ["^/seed_1$"] } })).map((s) => s.Names[0]),
      ["/seed_1"],
    );
    assert.equal((await list({ all: true, filters: { ancestor: ["busybox"] } })).length, 52);
    assert.equal((await list({ limit: 3 })).length, 3);
    const sized = (await list({ size: true, limit: 1 }))[0];
    assert.equal(sized.SizeRw, 0);
    assert.equal(sized.SizeRootFs, 4_261_550);
    assert.equal((await list({ limit: 1 }))[0].SizeRootFs, undefined);
    await assert.rejects(list({ filters: { bogus: ["x"] } }), { code: ErrorCodes.InvalidArgument });
  }));

test("watch: live events, filters, until; ends when the caller closes", () =>
  withSim([], async ({ root }) => {
    const live = await root.watch(JSON.stringify({ filters: { event: ["start", "die"] } }));
    const { c } = await create(root, { Cmd: ["true"] }, "w1");
    await c.start();
    const got = [await live.receive(), await live.receive()].map((m) => JSON.parse(m!.args[0]!));
    assert.deepEqual(
      got.map((e) => e.Action),
      ["start", "die"],
    );
    assert.ok(typeof got[0].time === "number");
    assert.match(got[0].Actor.Attributes.name, /^w1$/);
    live.close();
    // timeNano is exact beyond 2^53.
    const raw = (
      await drain(
        await root.request(Verbs.Watch, [JSON.stringify({ since: 0, until: Date.now() / 1000 + 0.05 })]),
      )
    )
      .filter((m) => m.verb === Verbs.Set)
      .map((m) => m.args[0]!);
    const nano = /"timeNano":(\d+)/.exec(raw[0]!)![1]!;
    assert.equal(nano.length, 19);
    assert.equal(BigInt(nano) / 1_000_000_000n, BigInt(JSON.parse(raw[0]!).time));
    const byContainer = await drain(
      await root.request(Verbs.Watch, [
        JSON.stringify({
          since: 0,
          until: Date.now() / 1000 + 0.05,
          filters: { container: ["w1"], type: ["container"] },
        }),
      ]),
    );
    assert.deepEqual(
      byContainer.slice(1).map((m) => JSON.parse(m.args[0]!).Action),
      ["create", "start", "die"],
    );
  }));

test("1,000 create/start/stop/rm cycles leave a consistent state", () =>
  withSim([], async ({ root }) => {
    const t0 = Date.now();
    for (let i = 0; i < 1000; i++) {
      const { c } = await create(root, { Cmd: ["sleep", "1000"] }, `cycle-${i}`);
      await c.start();
      await c.stop();
      await c.call(DockerVerbs.Remove, ["{}"]);
    }
    const ms = Date.now() - t0;
    assert.deepEqual(await root.ls(), []);
    const info = await json(root, "info");
    assert.equal(info.Containers, 0);
    assert.equal(info.ContainersRunning, 0);
    const { c } = await create(root, { Cmd: ["true"] }, "cycle-0");
    assert.equal((await json(c)).Name, "/cycle-0");
    console.log(`# 1000 create/start/stop/rm cycles: ${ms} ms`);
  }));

test("rm -f kills a running container; the log is capped", () =>
  withSim(["--log-cap", "1000"], async ({ root }) => {
    const { c, id } = await create(root, {
      Cmd: ["sh", "-c", `while true; do ${"echo 0123456789012345678901234567890123456789; ".repeat(10)}done`],
    });
    await c.start();
    await sleep(200);
    const lines = (await drain(await c.request(DockerVerbs.Logs, [JSON.stringify({ stdout: true })]))).slice(
      1,
    );
    const bytes = lines.reduce((n, m) => n + m.args[1]!.length, 0);
    // 41-byte lines: a full cap keeps 24 of them.
    assert.ok(bytes <= 1000 && bytes >= 1000 - 41, `kept ${bytes} bytes`);
    await c.call(DockerVerbs.Remove, [JSON.stringify({ force: true })]);
    await assert.rejects(root.open(id), { code: ErrorCodes.NotFound });
    const actions = (await events(root)).filter((e) => e.Type === "container").map((e) => e.Action);
    assert.deepEqual(actions, ["create", "start", "kill", "die", "destroy"]);
  }));

test("stopping the simulator ends every stream and wait", async () => {
  const h = await startSimulator("aa");
  const a = await h.root.open("aa");
  const wait = await a.request(DockerVerbs.Wait, ["removed"]);
  await wait.receive();
  const follow = await a.request(DockerVerbs.Logs, [JSON.stringify({ follow: true, stdout: true })]);
  await follow.receive();
  const attach = await a.request(Verbs.Attach, ["", JSON.stringify({ stream: true, stdout: true })]);
  await attach.receive();
  const watch = await h.root.watch("{}");
  const { c: stubborn } = await create(h.root, { Cmd: ["sh", "-c", "trap '' TERM; sleep 100"] });
  await stubborn.start();
  const stopping = stubborn.stop("100").catch(() => "ended");
  await h.stop();
  await Promise.all([drain(wait), drain(follow), drain(attach), drain(watch), stopping]);
  await assert.rejects(h.root.ls());
});

test("thousands of open waits and streams are normal: no listener-leak warning", async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on("warning", onWarning);
  try {
    await withSim(["aa"], async ({ root }) => {
      const a = await root.open("aa");
      const open = [];
      for (let i = 0; i < 50; i++) {
        const r = await a.request(DockerVerbs.Wait, ["next-exit"]);
        await r.receive();
        open.push(r);
      }
      await a.call(DockerVerbs.Kill, []);
      const codes = await Promise.all(
        open.map(async (r) => JSON.parse((await drain(r))[0]!.args[0]!).StatusCode),
      );
      assert.ok(codes.every((c) => c === 137));
    });
    await sleep(10);
    assert.deepEqual(
      warnings.map((w) => w.name),
      [],
    );
  } finally {
    process.off("warning", onWarning);
  }
});

test("one-letter seed names work (simulator a b), although the engine wants two for created ones", () =>
  withSim(["a", "b"], async ({ root }) => {
    assert.equal((await json(await root.open("a"))).Name, "/a");
    await assert.rejects(create(root, { Cmd: ["true"] }, "c"), { code: ErrorCodes.InvalidArgument });
  }));

test("bad service arguments are refused before anything starts", async () => {
  const { simulator } = await import("./index.ts");
  const ctx = {
    log: (await import("../../core/logger.ts")).silentLogger,
    spawn: () => Promise.reject(new Error("no")),
  };
  for (const bad of [
    ["--containers", "x"],
    ["--image"],
    ["--bogus"],
    ["-a"],
    ["x/y"],
    ["dup", "dup"],
    ["--image", "UPPER"],
  ]) {
    assert.throws(() => simulator.create(bad, ctx), { code: ErrorCodes.InvalidArgument }, bad.join(" "));
  }
});
