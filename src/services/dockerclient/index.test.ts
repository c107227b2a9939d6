/**
 * dockerclient in-process against a real engine (test/harness/engine.ts): a Client sends the
 * §6 messages of docs/PROTOCOL.md to the service, and each answer is checked against the engine.
 */
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, test } from "node:test";
import {
  ensureEngineInstalled,
  startEngine,
  type Engine as TestEngine,
} from "../../../test/harness/engine.ts";
import { request } from "../../core/client.ts";
import { ErrorCodes } from "../../core/errors.ts";
import { message } from "../../core/message.ts";
import { pipe } from "../../core/pipe.ts";
import { Verbs } from "../../core/verbs.ts";
import { DockerVerbs } from "../../docker/verbs.ts";
import type { SpawnedService } from "../service.ts";
import { dockerclient } from "./index.ts";
import { busybox, Client, collect, failure, spawnBackend } from "./testing.ts";

/** GET on the engine directly, body as text (the reference the service is compared with). */
function direct(socketPath: string, path: string, method = "GET"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath, path, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("dockerclient against a real engine (PROTOCOL.md §6)", () => {
  let engine: TestEngine;
  let svc: SpawnedService;
  let root: Client;

  before(async () => {
    await ensureEngineInstalled();
    engine = await startEngine(`t-dc-unit-${process.pid}`);
    svc = await spawnBackend([dockerclient], `dockerclient ${engine.host}`);
    root = svc.input;
  });
  after(async () => {
    await svc?.stop();
    await engine?.stop();
  });

  /** Spawn a container; returns its object and ID. */
  async function create(config: string, name = ""): Promise<{ c: Client; id: string }> {
    const replies = await request(root.target, Verbs.Spawn, [config, name]);
    const ack = await replies.receive();
    replies.close();
    assert.equal(ack?.verb, Verbs.Ack, `Spawn answered ${ack?.verb} ${ack?.args.join(" ")}`);
    assert.match(ack.args[0] ?? "", /^[0-9a-f]{64}$/);
    return { c: new Client(ack.ret!), id: ack.args[0]! };
  }

  test("6.1 Get info and version pass the engine's documents through", async () => {
    const info = await root.getJSON<{ ID: string; Name: string }>();
    const want = JSON.parse((await direct(engine.socket, "/v1.41/info")).body) as { ID: string };
    assert.equal(info.ID, want.ID);
    const version = await root.getJSON<{ ApiVersion: string }>("version");
    assert.equal(version.ApiVersion, "1.41");
  });

  test("6.1/6.2 Spawn, Attach, Start, Wait: output arrives as Log [stream, chunk] byte strings", async () => {
    const { c, id } = await create(
      busybox(["sh", "-c", "printf 'h\\303\\251llo\\n'; echo oops >&2; exit 3"]),
    );
    const attached = await request(c.target, Verbs.Attach, [
      "",
      JSON.stringify({ stream: true, stdout: true, stderr: true }),
    ]);
    const ack = await attached.receive();
    assert.equal(ack?.verb, Verbs.Ack);
    assert.deepEqual(ack.args, ["false"]);
    const wait = await request(c.target, DockerVerbs.Wait, ["next-exit"]);
    assert.equal((await wait.receive())?.verb, Verbs.Ack);
    await c.start();
    const out = await collect(attached);
    assert.equal(
      out.stdout,
      Buffer.from("héllo\n").toString("latin1"),
      "UTF-8 bytes arrive as latin1 byte strings",
    );
    assert.equal(out.stderr, "oops\n");
    const waited = await collect(wait);
    assert.deepEqual(JSON.parse(waited.sets[0]!).StatusCode, 3);
    // Attach by name prefix of the ID resolves to the same container.
    const again = await root.attach(id.slice(0, 12));
    again.output.close();
    const inspect = await again.object.getJSON<{ Id: string; State: { ExitCode: number } }>();
    assert.equal(inspect.Id, id);
    assert.equal(inspect.State.ExitCode, 3);
    assert.ok((await root.ls()).includes(id));
  });

  test("6.2 Logs: tail, timestamps, stderr only, follow ends when the container stops", async () => {
    const { c } = await create(
      busybox(["sh", "-c", "for i in 1 2 3; do echo line$i; done; sleep 0.2; echo e >&2"]),
    );
    await c.start();
    await collect(await c.request(DockerVerbs.Wait, [""]));
    const tail = await collect(
      await c.request(DockerVerbs.Logs, [JSON.stringify({ stdout: true, tail: "2" })]),
    );
    assert.equal(tail.stdout, "line3\n");
    assert.equal(tail.stderr, "", "stderr was not asked for");
    const all = await collect(
      await c.request(DockerVerbs.Logs, [JSON.stringify({ stdout: true, stderr: true })]),
    );
    assert.equal(all.stdout, "line1\nline2\nline3\n");
    assert.equal(all.stderr, "e\n");
    const ts = await collect(
      await c.request(DockerVerbs.Logs, [JSON.stringify({ stdout: true, timestamps: true })]),
    );
    for (const line of ts.stdout.trim().split("\n")) assert.match(line, /^\d{4}-\d\d-\d\dT[\d:.]+Z line\d$/);

    const { c: live } = await create(busybox(["sh", "-c", "echo a; sleep 0.5; echo b"]));
    await live.start();
    const followed = await collect(
      await live.request(DockerVerbs.Logs, [JSON.stringify({ follow: true, stdout: true })]),
    );
    assert.equal(followed.stdout, "a\nb\n");
  });

  test("6.2 Logs of a TTY container are raw stdout; Attach with stdin echoes through cat", async () => {
    const { c } = await create(busybox(["sh", "-c", "echo tty-out; echo tty-err >&2"], { Tty: true }));
    await c.start();
    await collect(await c.request(DockerVerbs.Wait, [""]));
    const logs = await c.request(DockerVerbs.Logs, [JSON.stringify({ stdout: true, stderr: true })]);
    const ack = await logs.receive();
    assert.deepEqual(ack?.args, ["true"]);
    const out = await collect(logs);
    assert.equal(out.stdout, "tty-out\r\ntty-err\r\n");

    const { c: tty } = await create(busybox(["sleep", "30"], { Tty: true }));
    await tty.start();
    await tty.call(DockerVerbs.Resize, ["30", "100"]);
    const bad = await failure(tty.call(DockerVerbs.Resize, ["x", "y"]));
    assert.equal(bad.code, ErrorCodes.InvalidArgument, "the engine's 400 for a bad size");
    await tty.call(DockerVerbs.Kill, ["KILL"]);

    const { c: cat } = await create(
      busybox(["cat"], { OpenStdin: true, StdinOnce: true, AttachStdin: true }),
    );
    const attached = await request(cat.target, Verbs.Attach, [
      "",
      JSON.stringify({ stream: true, stdin: true, stdout: true, stderr: true }),
    ]);
    const a = await attached.receive();
    assert.equal(a?.verb, Verbs.Ack);
    await cat.start();
    const stdin = a.ret!;
    const bytes = Buffer.from([0, 1, 2, 200, 255, 10]).toString("latin1");
    await stdin.send(message(Verbs.Log, ["stdin", "ping\n"]));
    await stdin.send(message(Verbs.Log, ["stdin", bytes]));
    stdin.close();
    const echoed = await collect(attached);
    assert.equal(echoed.stdout, `ping\n${bytes}`, "stdin bytes come back unchanged");
  });

  test("6.2/6.3 Exec: stream output, stdin, exit code in the exec's Get", async () => {
    const { c, id } = await create(busybox(["sleep", "30"]));
    await c.start();
    const ex = await c.call(DockerVerbs.Exec, [
      JSON.stringify({
        Cmd: ["sh", "-c", "cat; echo done >&2; exit 7"],
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
      }),
    ]);
    assert.match(ex.args[0] ?? "", /^[0-9a-f]{64}$/);
    const exec = new Client(ex.ret!);
    const started = await exec.request(Verbs.Start, [JSON.stringify({ Detach: false, Tty: false })]);
    const ack = await started.receive();
    assert.deepEqual(ack?.args, ["false"]);
    await ack!.ret!.send(message(Verbs.Log, ["stdin", "from stdin\n"]));
    ack!.ret!.close();
    const out = await collect(started);
    assert.equal(out.stdout, "from stdin\n");
    assert.equal(out.stderr, "done\n");
    const inspect = await exec.getJSON<{ ExitCode: number; Running: boolean; ContainerID: string }>();
    assert.equal(inspect.ExitCode, 7);
    assert.equal(inspect.ContainerID, id);
    const top = await c.getJSON<{ Titles: string[]; Processes: string[][] }>("top", "");
    assert.ok(top.Processes.some((p) => p.join(" ").includes("sleep 30")));
    await c.call(DockerVerbs.Kill, ["KILL"]);
  });

  test("6.2 state verbs: Pause, Unpause, Rename, Restart, Stop, Remove, with the engine's errors", async () => {
    const name = `dc-state-${process.pid}`;
    const { c, id } = await create(busybox(["sleep", "30"]), name);
    const conflict = await failure(root.spawn(busybox(["true"]), name));
    assert.equal(conflict.code, ErrorCodes.Conflict);
    assert.match(conflict.message, /is already in use by container/);

    const notRunning = await failure(c.call(DockerVerbs.Kill, [""]));
    assert.equal(notRunning.code, ErrorCodes.Conflict);
    assert.match(notRunning.message, /is not running/);
    await c.start();
    assert.equal((await failure(c.start())).code, ErrorCodes.NotModified);
    await c.call(DockerVerbs.Pause);
    assert.equal((await c.getJSON<{ State: { Status: string } }>()).State.Status, "paused");
    const paused = await failure(c.call(DockerVerbs.Pause));
    assert.equal(paused.code, ErrorCodes.Conflict);
    await c.call(DockerVerbs.Unpause);
    await c.call(DockerVerbs.Rename, [`${name}-2`]);
    assert.equal((await c.getJSON<{ Name: string }>()).Name, `/${name}-2`);
    const byNewName = await root.open(`/${name}-2`);
    assert.equal((await byNewName.getJSON<{ Id: string }>()).Id, id);
    await c.call(DockerVerbs.Restart, ["1", ""]);
    const running = await failure(c.call(DockerVerbs.Remove, [JSON.stringify({})]));
    assert.equal(running.code, ErrorCodes.Conflict);
    await c.stop("0", "");
    assert.equal((await failure(c.stop("0", ""))).code, ErrorCodes.NotModified);
    await c.call(DockerVerbs.Remove, [JSON.stringify({ force: true })]);
    const gone = await failure(root.open(id));
    assert.equal(gone.code, ErrorCodes.NotFound);
    assert.equal(gone.message, `No such container: ${id}`);
  });

  test("6.1 errors keep the engine's wording; bad JSON is INVALID_ARGUMENT", async () => {
    const missing = await failure(root.open("no-such-thing"));
    assert.equal(missing.code, ErrorCodes.NotFound);
    assert.equal(missing.message, "No such container: no-such-thing");
    const image = await failure(root.get("image", "nope:1"));
    assert.equal(image.code, ErrorCodes.NotFound);
    assert.equal(
      image.message,
      JSON.parse((await direct(engine.socket, "/v1.41/images/nope:1/json")).body).message,
    );
    assert.equal((await failure(root.spawn("{not json", ""))).code, ErrorCodes.InvalidArgument);
    assert.equal((await failure(root.get("nonsense"))).code, ErrorCodes.InvalidArgument);
    assert.equal((await failure(root.call("As", ["alice"]))).code, ErrorCodes.NotImplemented);
  });

  test("Spawn of a missing image pulls, and a failed pull shows the engine's message (NOT_FOUND)", async () => {
    const pulled = await direct(
      engine.socket,
      "/v1.41/images/create?fromImage=nope-missing&tag=latest",
      "POST",
    );
    const engineSays = JSON.parse(pulled.body.trim().split("\n").pop()!) as {
      message?: string;
      error?: string;
    };
    const err = await failure(
      root.spawn(JSON.stringify({ Image: "nope-missing", HostConfig: { NetworkMode: "none" } }), ""),
    );
    assert.equal(err.code, ErrorCodes.NotFound);
    assert.equal(err.message, engineSays.message ?? engineSays.error);
    // Pull as a verb: the same engine error, unchanged.
    const pullErr = await failure(root.call(DockerVerbs.Pull, ["nope-missing", "latest"]));
    assert.equal(pullErr.message, engineSays.message ?? engineSays.error);
  });

  test("6.1 Get containers and images (fast paths) equal the engine's own lists", async () => {
    const list = JSON.parse(await root.get("containers", JSON.stringify({ all: true }))) as { Id: string }[];
    const want = JSON.parse((await direct(engine.socket, "/v1.41/containers/json?all=1")).body) as {
      Id: string;
    }[];
    assert.deepEqual(list.map((c) => c.Id).sort(), want.map((c) => c.Id).sort());
    const filtered = JSON.parse(
      await root.get("containers", JSON.stringify({ all: true, filters: { status: ["exited"] } })),
    ) as { State: string }[];
    assert.ok(filtered.length > 0 && filtered.every((c) => c.State === "exited"));
    const images = JSON.parse(await root.get("images", "{}")) as { RepoTags: string[] }[];
    assert.ok(images.some((i) => i.RepoTags.includes("busybox:latest")));
    const img = await root.getJSON<{ RepoTags: string[] }>("image", "busybox:latest");
    assert.ok(img.RepoTags.includes("busybox:latest"));
    const df = await root.getJSON<{ Images: unknown[] }>("df");
    assert.ok(Array.isArray(df.Images));
  });

  test("6.1 Watch: events pass through as sent, timeNano exact (no float rounding)", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const { c } = await create(busybox(["true"]), `dc-events-${process.pid}`);
    await c.start();
    await collect(await c.request(DockerVerbs.Wait, [""]));
    const until = Math.floor(Date.now() / 1000) + 1;
    const watched = await collect(
      await root.request(Verbs.Watch, [JSON.stringify({ since, until, filters: { type: ["container"] } })]),
    );
    const raw = await direct(
      engine.socket,
      `/v1.41/events?since=${since}&until=${until}&filters=${encodeURIComponent('{"type":["container"]}')}`,
    );
    const want = raw.body.trim().split("\n");
    assert.ok(want.length >= 3, "create, start, die at least");
    assert.deepEqual(watched.sets, want, "each Set is the engine's line, byte for byte");
    assert.ok(watched.sets.every((e) => /"timeNano":\d{19}/.test(e)));
  });

  test("large output arrives whole, in order, through back-pressure (attach and logs)", async () => {
    const { c } = await create(busybox(["sh", "-c", "seq 1 150000; echo end >&2"]));
    const attached = await request(
      c.target,
      Verbs.Attach,
      ["", JSON.stringify({ stream: true, stdout: true, stderr: true })],
      {
        pipe: { highWaterMark: 1 },
      },
    );
    assert.equal((await attached.receive())?.verb, Verbs.Ack);
    await c.start();
    const want = `${Array.from({ length: 150000 }, (_, i) => i + 1).join("\n")}\n`;
    // A slow reader: the engine has to wait for it, and nothing is lost or reordered.
    let stdout = "";
    let stderr = "";
    for await (const m of attached) {
      if (m.args[0] === "stdout") stdout += m.args[1];
      else if (m.args[0] === "stderr") stderr += m.args[1];
      if (stdout.length % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.equal(stdout.length, want.length);
    assert.ok(stdout === want, "stdout is the engine's bytes, in order");
    assert.equal(stderr, "end\n");
    const logs = await collect(await c.request(DockerVerbs.Logs, [JSON.stringify({ stdout: true })]));
    assert.ok(logs.stdout === want, "logs give the same bytes");
  });

  test("a caller that stops reading a followed log stream releases it (6.6.3)", async () => {
    const { c } = await create(busybox(["sh", "-c", "while true; do echo tick; sleep 0.05; done"]));
    await c.start();
    const [replies, ret] = pipe({ highWaterMark: 2 });
    await c.target.send(message(DockerVerbs.Logs, [JSON.stringify({ follow: true, stdout: true })], { ret }));
    assert.equal((await replies.receive())?.verb, Verbs.Ack);
    assert.equal((await replies.receive())?.verb, Verbs.Log);
    replies.close();
    // The service is still healthy and answers.
    await c.call(DockerVerbs.Kill, ["KILL"]);
    assert.equal((await c.getJSON<{ State: { Running: boolean } }>()).State.Running, false);
  });
});
