import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Client } from "../../core/client.ts";
import { ErrorCodes } from "../../core/errors.ts";
import { Verbs } from "../../core/verbs.ts";
import type { WaitResult } from "../../docker/verbs.ts";
import { parseOptions } from "./options.ts";
import { childrenOf } from "./proctree.ts";
import {
  alive,
  collectLogs,
  createBody,
  type ExecUnderTest,
  pidsNamed,
  procState,
  removeDir,
  startExec,
  until,
} from "./testing.ts";

interface Inspect {
  Id: string;
  Name: string;
  Path: string;
  State: { Status: string; Running: boolean; Paused: boolean; Pid: number; ExitCode: number; Error: string };
  ExecIDs: string[] | null;
}

async function inspect(c: Client): Promise<Inspect> {
  return c.getJSON<Inspect>();
}

/** Start and wait for the exit code (Wait next-exit registered before Start, as `docker run` does). */
async function runToExit(c: Client): Promise<WaitResult> {
  const w = await c.request("Wait", ["next-exit"]);
  assert.equal((await w.receive())?.verb, Verbs.Ack);
  await c.start();
  const m = await w.receive();
  w.close();
  assert.equal(m?.verb, Verbs.Set);
  return JSON.parse(m!.args[0]!) as WaitResult;
}

async function logsOf(c: Client, opts: Record<string, unknown> = {}) {
  return collectLogs(await c.request("Logs", [JSON.stringify({ stdout: true, stderr: true, ...opts })]));
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code: string }).code;
  }
  return "none";
}

describe("exec service (docs/PROTOCOL.md §6)", () => {
  let t: ExecUnderTest;
  before(async () => {
    t = await startExec();
  });
  after(async () => {
    await t.stop();
    removeDir(t.dir);
  });

  test("runs a program; Wait gives its exit code; Logs keep stdout and stderr apart", async () => {
    const c = await t.root.spawn(createBody(["sh", "-c", "echo out1; echo err1 >&2; exit 7"]), "codes");
    assert.deepEqual(await runToExit(c), { StatusCode: 7, Error: null });
    const logs = await logsOf(c);
    assert.equal(logs.stdout, "out1\n");
    assert.equal(logs.stderr, "err1\n");
    assert.equal(logs.all[0]?.args[0], "false", "Ack [tty]");
    const onlyErr = await logsOf(c, { stdout: false });
    assert.equal(onlyErr.stdout, "");
    const i = await inspect(c);
    assert.equal(i.State.Status, "exited");
    assert.equal(i.State.ExitCode, 7);
    assert.equal(i.Path, "sh");
    assert.equal(i.Name, "/codes");
  });

  test("Logs: tail, timestamps, and follow until the process exits", async () => {
    const c = await t.root.spawn(createBody(["sh", "-c", "echo a; echo b; echo c; sleep 0.3; echo d"]), "");
    await c.start();
    await until(async () => (await logsOf(c)).stdout === "a\nb\nc\n", 3000, "first lines");
    const tail = await logsOf(c, { tail: "2", timestamps: true });
    assert.match(tail.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z b\n\S+ c\n$/);
    const followed = await logsOf(c, { follow: true });
    assert.equal(followed.stdout, "a\nb\nc\nd\n");
    assert.equal((await inspect(c)).State.Running, false);
  });

  test("a program that does not exist fails to start with the engine's words; exit code 127 is recorded", async () => {
    const c = await t.root.spawn(createBody(["no-such-program-here"]), "");
    await assert.rejects(c.start(), (err: Error & { code: string }) => {
      assert.equal(err.code, ErrorCodes.InvalidArgument);
      assert.equal(
        err.message,
        'failed to create task for container: exec: "no-such-program-here": executable file not found in $PATH: unknown',
      );
      return true;
    });
    const i = await inspect(c);
    assert.equal(i.State.ExitCode, 127);
    assert.equal(i.State.Status, "created");
    const plain = join(t.dir, "not-executable");
    writeFileSync(plain, "data\n", { mode: 0o644 });
    const notExec = await t.root.spawn(createBody([plain]), "");
    await assert.rejects(notExec.start(), /permission denied/);
    assert.equal((await inspect(notExec)).State.ExitCode, 126);
  });

  test("stdin written through Attach before Start reaches the program; closing it is EOF", async () => {
    const c = await t.root.spawn(
      createBody(["cat"], { OpenStdin: true, StdinOnce: true, AttachStdin: true }),
      "",
    );
    const { object: stdin, output } = await c.attach(
      "",
      JSON.stringify({ stream: true, stdin: true, stdout: true }),
    );
    await stdin.log("stdin", "line1\nline2\n");
    stdin.target.close();
    const w = await c.request("Wait", ["next-exit"]);
    await w.receive();
    await c.start();
    const got = await collectLogs(output);
    assert.equal(got.stdout, "line1\nline2\n");
    assert.equal(JSON.parse((await w.receive())!.args[0]!).StatusCode, 0);
  });

  test("Stop: SIGTERM gives 143; a program that ignores it is killed after the timeout (137)", async () => {
    const polite = await t.root.spawn(createBody(["sleep", "30"]), "");
    await polite.start();
    await polite.stop("5", "");
    assert.equal((await inspect(polite)).State.ExitCode, 143);
    assert.equal(await codeOf(polite.stop("1", "")), ErrorCodes.NotModified);

    const stubborn = await t.root.spawn(
      createBody(["sh", "-c", "trap '' TERM; echo ready; sleep 30 & wait"]),
      "",
    );
    await stubborn.start();
    await until(async () => (await logsOf(stubborn)).stdout === "ready\n", 3000, "trap set");
    const pid = (await inspect(stubborn)).State.Pid;
    const t0 = Date.now();
    await stubborn.stop("1", "");
    const took = Date.now() - t0;
    assert.ok(took >= 900 && took < 5000, `stop took ${took} ms`);
    assert.equal((await inspect(stubborn)).State.ExitCode, 137);
    assert.equal(alive(pid), false);
  });

  test("Kill with a signal, Pause/Unpause with SIGSTOP/SIGCONT, Restart", async () => {
    const c = await t.root.spawn(
      createBody(["sh", "-c", "trap 'echo got-hup' HUP; while true; do sleep 0.05; done"]),
      "sig",
    );
    await c.start();
    await new Promise((r) => setTimeout(r, 100));
    await c.call("Kill", ["HUP"]);
    await until(async () => (await logsOf(c)).stdout.includes("got-hup"), 3000, "HUP handled");
    await c.call("Pause");
    const i = await inspect(c);
    assert.equal(i.State.Status, "paused");
    assert.match(procState(i.State.Pid), /T/);
    assert.equal(await codeOf(c.call("Pause")), ErrorCodes.Conflict);
    await c.call("Unpause");
    assert.doesNotMatch(procState(i.State.Pid), /T/);
    assert.equal(await codeOf(c.call("Kill", ["NOSUCHSIG"])), ErrorCodes.InvalidArgument);
    await c.call("Restart", ["1", ""]);
    const after = await inspect(c);
    assert.equal(after.State.Running, true);
    assert.notEqual(after.State.Pid, i.State.Pid);
    assert.equal(alive(i.State.Pid), false);
    await c.call("Kill", ["KILL"]);
    assert.equal((await inspect(c)).State.ExitCode, 137);
    assert.equal(await codeOf(c.call("Kill", [""])), ErrorCodes.Conflict);
  });

  test("Restart keeps an AutoRemove container; its stop removes it", async () => {
    const c = await t.root.spawn(createBody(["sleep", "30"], { HostConfig: { AutoRemove: true } }), "autorm");
    await c.start();
    const first = (await inspect(c)).State.Pid;
    await c.call("Restart", ["1", ""]);
    const again = await inspect(c);
    assert.equal(again.State.Running, true);
    assert.notEqual(again.State.Pid, first);
    const gone = await c.request("Wait", ["removed"]);
    await gone.receive();
    await c.stop("1", "");
    assert.equal(JSON.parse((await gone.receive())!.args[0]!).StatusCode, 143);
    assert.equal(await codeOf(t.root.attach("autorm")), ErrorCodes.NotFound);
  });

  test("restart policies: on-failure:N retries with back-off; always comes back until a user stops it", async () => {
    const policy = (Name: string, MaximumRetryCount = 0) => ({
      HostConfig: { RestartPolicy: { Name, MaximumRetryCount } },
    });
    const flaky = await t.root.spawn(
      createBody(["sh", "-c", "echo run; exit 3"], policy("on-failure", 2)),
      "",
    );
    const firstExit = await flaky.request("Wait", ["next-exit"]);
    await firstExit.receive();
    await flaky.start();
    // Running, or waiting to be restarted (which counts as running): not-running waits for the end.
    const down = await flaky.request("Wait", ["not-running"]);
    await down.receive();
    assert.equal(
      JSON.parse((await firstExit.receive())!.args[0]!).StatusCode,
      3,
      "next-exit: the first exit",
    );
    assert.equal(
      JSON.parse((await down.receive())!.args[0]!).StatusCode,
      3,
      "not-running: after the retries",
    );
    const f = await flaky.getJSON<{ RestartCount: number; State: { Status: string } }>();
    assert.deepEqual([f.RestartCount, f.State.Status], [2, "exited"]);
    assert.equal((await logsOf(flaky)).stdout, "run\nrun\nrun\n");

    const always = await t.root.spawn(createBody(["sh", "-c", "exit 0"], policy("always")), "");
    await always.start();
    await until(
      async () => (await always.getJSON<{ RestartCount: number }>()).RestartCount >= 2,
      5000,
      "restarts",
    );
    await always.stop("1", "");
    const stopped = await inspect(always);
    assert.equal(stopped.State.Running, false);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await inspect(always)).State.Running, false, "a stopped container stays stopped");
    await always.call("Remove", ["{}"]);

    for (const bad of [policy("sometimes"), policy("always", 3)]) {
      assert.equal(await codeOf(t.root.spawn(createBody(["true"], bad), "")), ErrorCodes.InvalidArgument);
    }
    const rmAndAlways = { HostConfig: { AutoRemove: true, RestartPolicy: { Name: "always" } } };
    assert.equal(
      await codeOf(t.root.spawn(createBody(["true"], rmAndAlways), "")),
      ErrorCodes.InvalidArgument,
    );
  });

  test("Exec runs a second process with the container's env and working directory", async () => {
    const cwd = realpathSync(mkdtempSync(join(tmpdir(), "swarm-exec-wd-")));
    const c = await t.root.spawn(
      createBody(["sleep", "30"], { Env: ["GREETING=hello"], WorkingDir: cwd }),
      "",
    );
    await c.start();
    const ack = await c.call("Exec", [
      JSON.stringify({
        Cmd: ["sh", "-c", 'echo "$GREETING $(pwd) $EXTRA"; echo e >&2; exit 3'],
        Env: ["EXTRA=x"],
      }),
    ]);
    const e = new Client(ack.ret!);
    const out = await collectLogs(
      await e.request(Verbs.Start, [JSON.stringify({ Detach: false, Tty: false })]),
    );
    assert.equal(out.stdout, `hello ${cwd} x\n`);
    assert.equal(out.stderr, "e\n");
    const ei = await e.getJSON<{ ExitCode: number; Running: boolean; ContainerID: string }>();
    assert.equal(ei.ExitCode, 3);
    assert.equal(ei.Running, false);
    assert.equal(ei.ContainerID, (await inspect(c)).Id);
    assert.deepEqual((await inspect(c)).ExecIDs, [ack.args[0]]);
    // A missing program: reported in the stream, exit code 127, as the engine does.
    const bad = new Client((await c.call("Exec", [JSON.stringify({ Cmd: ["nope-not-here"] })])).ret!);
    const badOut = await collectLogs(await bad.request(Verbs.Start, ["{}"]));
    assert.match(badOut.stdout, /executable file not found in \$PATH/);
    assert.equal((await bad.getJSON<{ ExitCode: number }>()).ExitCode, 127);
    await c.call("Remove", [JSON.stringify({ force: true })]);
    removeDir(cwd);
  });

  test("Get top lists the real process tree", async () => {
    const c = await t.root.spawn(createBody(["sh", "-c", "sleep 30 & sleep 31; wait"]), "");
    await c.start();
    const pid = (await inspect(c)).State.Pid;
    let top: { Titles: string[]; Processes: string[][] } = { Titles: [], Processes: [] };
    await until(
      async () => {
        top = await c.getJSON("top", "");
        const cmds = top.Processes.map((p) => p.at(-1));
        return top.Processes.length === 3 && cmds.includes("sleep 30") && cmds.includes("sleep 31");
      },
      3000,
      "the shell and its two sleeps",
    );
    const pidCol = top.Titles.indexOf("PID");
    assert.ok(top.Processes.some((p) => p[pidCol] === String(pid)));
    await c.call("Remove", [JSON.stringify({ force: true })]);
    assert.equal(alive(pid), false);
  });

  test("Remove: refused while running, force kills the whole tree and forgets the container", async () => {
    const c = await t.root.spawn(createBody(["sh", "-c", "sleep 30 & sleep 30 & wait"]), "rmme");
    await c.start();
    const pid = (await inspect(c)).State.Pid;
    await until(() => childrenOf(pid).length === 2, 3000, "children");
    const kids = childrenOf(pid);
    assert.equal(await codeOf(c.call("Remove", ["{}"])), ErrorCodes.Conflict);
    await c.call("Remove", [JSON.stringify({ force: true })]);
    assert.equal(alive(pid), false);
    for (const k of kids) assert.equal(alive(k), false, `child ${k} was left behind`);
    assert.equal(await codeOf(t.root.attach("rmme")), ErrorCodes.NotFound);
  });

  test("a program that daemonizes out of its process group does not outlive the container", async () => {
    const c = await t.root.spawn(
      createBody(["sh", "-c", "setsid sleep 299 </dev/null >/dev/null 2>&1 & sleep 0.3; echo bye"]),
      "",
    );
    await c.start();
    let daemon = 0;
    await until(() => (daemon = pidsNamed("sleep 299")[0] ?? 0) > 0, 3000, "the daemon");
    const top = await c.getJSON<{ Processes: string[][] }>("top", "");
    assert.ok(
      top.Processes.some((p) => p.at(-1) === "sleep 299"),
      "top shows it (it is in the cgroup)",
    );
    await until(async () => !(await inspect(c)).State.Running, 3000, "the exit");
    await until(() => !alive(daemon), 3000, "the daemon killed with its container");
    await c.call("Remove", ["{}"]);
  });

  test("Attach resolves names and ID prefixes; names are unique; Rename", async () => {
    const a = await t.root.spawn(createBody(["true"]), "named");
    const id = (await inspect(a)).Id;
    assert.equal((await t.root.call(Verbs.Attach, [id.slice(0, 10)])).args[0], id);
    assert.equal((await t.root.call(Verbs.Attach, ["/named"])).args[0], id);
    assert.equal(await codeOf(t.root.spawn(createBody(["true"]), "named")), ErrorCodes.Conflict);
    await a.call("Rename", ["renamed"]);
    assert.equal((await t.root.call(Verbs.Attach, ["renamed"])).args[0], id);
    assert.equal(await codeOf(t.root.spawn(createBody([]), "")), ErrorCodes.InvalidArgument);
    assert.ok((await t.root.ls()).includes(id));
  });

  test("Watch delivers container events with the engine's shape", async () => {
    // A second of slack: event times come from a monotonic clock anchored to the wall clock at load.
    const since = Date.now() / 1000 - 1;
    const c = await t.root.spawn(createBody(["sh", "-c", "exit 2"]), "evented");
    await runToExit(c);
    const until = Date.now() / 1000 + 0.2;
    const events = await t.root.watch(JSON.stringify({ since, until, filters: { container: ["evented"] } }));
    const actions: string[] = [];
    for await (const m of events) {
      const e = JSON.parse(m.args[0]!);
      actions.push(e.Action);
      assert.equal(e.Type, "container");
      assert.match(m.args[0]!, /"timeNano":\d{19}/);
      if (e.Action === "die") assert.equal(e.Actor.Attributes.exitCode, "2");
    }
    assert.deepEqual(actions, ["create", "start", "die"]);
  });

  test("a TTY container gets a real pseudo-terminal", async () => {
    const c = await t.root.spawn(
      createBody(["sh", "-c", "tty; stty size; echo $TERM"], {
        Tty: true,
        HostConfig: { ConsoleSize: [30, 100] },
      }),
      "",
    );
    const { output } = await c.attach("", JSON.stringify({ stream: true, stdout: true, stderr: true }));
    const w = await c.request("Wait", ["next-exit"]);
    await w.receive();
    await c.start();
    const got = await collectLogs(output);
    assert.match(got.stdout, /^\/dev\/pts\/\d+\r\n30 100\r\nxterm\r\n$/);
    assert.equal(got.stderr, "");
    w.close();
  });

  test("no output is lost at exit, with a TTY or with a slow reader (back-pressure)", async () => {
    const size = 3_000_000;
    for (const tty of [true, false]) {
      const c = await t.root.spawn(createBody(["head", "-c", String(size), "/dev/zero"], { Tty: tty }), "");
      const { output } = await c.attach("", JSON.stringify({ stream: true, stdout: true, stderr: true }));
      await c.start();
      let got = 0;
      let n = 0;
      for await (const m of output) {
        if (m.verb !== Verbs.Log) continue;
        got += m.args[1]!.length;
        // Read slowly at first, so that the process is paused while it exits.
        if (++n < 50) await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(got, size, `attached reader, tty=${tty}`);
      const logs = await logsOf(c);
      assert.equal(logs.stdout.length, size, `log file, tty=${tty}`);
    }
  });

  test("a state directory that breaks under a running container does not take the service down", async () => {
    const c = await t.root.spawn(createBody(["sh", "-c", "while true; do echo x; sleep 0.05; done"]), "");
    await c.start();
    const id = (await inspect(c)).Id;
    const where = join(t.dir, "containers", id);
    rmSync(where, { recursive: true, force: true });
    writeFileSync(where, "not a directory\n");
    await c.stop("1", "");
    assert.equal((await inspect(c)).State.ExitCode, 143);
    assert.ok((await t.root.ls()).includes(id), "the service still answers");
    rmSync(where, { force: true });
    await c.call("Remove", ["{}"]);
  });

  test("nothing leaks: file descriptors are back to where they were after 40 runs", async () => {
    const fds = () => readdirSync("/proc/self/fd").length;
    const runs = async () => {
      for (let i = 0; i < 20; i++) {
        for (const tty of [false, true]) {
          const c = await t.root.spawn(createBody(["sh", "-c", "echo $0", String(i)], { Tty: tty }), "");
          const { output } = await c.attach("", JSON.stringify({ stream: true, stdout: true }));
          await c.start();
          await collectLogs(output);
          await logsOf(c);
          await c.call("Remove", ["{}"]);
        }
      }
    };
    await runs(); // warm-up: node-pty and the first log files open what they keep
    const before = fds();
    await runs();
    await until(() => fds() <= before + 2, 3000, `fds back to ${before} (now ${fds()})`);
  });

  test("Get info, version, containers (fast path) and images", async () => {
    const info = JSON.parse(await t.root.get("info"));
    assert.equal(info.Driver, "exec");
    const version = JSON.parse(await t.root.get("version"));
    assert.equal(version.ApiVersion, "1.41");
    const list = JSON.parse(await t.root.get("containers", JSON.stringify({ all: true })));
    assert.ok(Array.isArray(list) && list.length > 0);
    assert.deepEqual(JSON.parse(await t.root.get("images", "{}")), []);
    assert.equal(await codeOf(t.root.get("image", "busybox")), ErrorCodes.NotFound);
    assert.equal(await codeOf(t.root.call("Pull", ["busybox", "latest"])), ErrorCodes.NotImplemented);
  });

  test("a reader that stops reading releases the stream (§6.6.3)", async () => {
    const c = await t.root.spawn(createBody(["sh", "-c", "while true; do echo y; done"]), "");
    await c.start();
    const replies = await c.request("Logs", [JSON.stringify({ follow: true })]);
    await replies.receive();
    for (let i = 0; i < 10; i++) await replies.receive();
    replies.close();
    await c.call("Remove", [JSON.stringify({ force: true })]);
  });
});

describe("exec service: state on disk across restarts", () => {
  test("exited containers and their logs survive; running ones are stopped with a reason", async () => {
    const dir = mkdtempSync(join(tmpdir(), "swarm-exec-"));
    const first = await startExec([], dir);
    const done = await first.root.spawn(createBody(["sh", "-c", "echo kept; exit 4"]), "done");
    await runToExit(done);
    const live = await first.root.spawn(createBody(["sleep", "60"]), "live");
    await live.start();
    const pid = (await inspect(live)).State.Pid;
    await first.stop();
    assert.equal(alive(pid), false, "swarmd stopping leaves no process behind");

    const second = await startExec([], dir);
    try {
      const again = await second.root.open("done");
      assert.equal((await logsOf(again)).stdout, "kept\n");
      assert.equal((await inspect(again)).State.ExitCode, 4);
      const stopped = await inspect(await second.root.open("live"));
      assert.equal(stopped.State.Running, false);
      assert.equal(stopped.State.ExitCode, 143);
      assert.match(stopped.State.Error, /swarmd stopped/);
    } finally {
      await second.stop();
      removeDir(dir);
    }
  });

  test("with swarmd: always comes back; unless-stopped comes back unless a user stopped it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "swarm-exec-"));
    const policy = (Name: string) => ({ HostConfig: { RestartPolicy: { Name } } });
    const first = await startExec([], dir);
    await (await first.root.spawn(createBody(["sleep", "60"], policy("always")), "aa")).start();
    await (await first.root.spawn(createBody(["sleep", "60"], policy("unless-stopped")), "uu")).start();
    const userStopped = await first.root.spawn(createBody(["sleep", "60"], policy("unless-stopped")), "us");
    await userStopped.start();
    await userStopped.stop("1", "");
    await first.stop();
    const second = await startExec([], dir);
    try {
      const state = async (name: string) => (await inspect(await second.root.open(name))).State;
      await until(
        async () => (await state("aa")).Running && (await state("uu")).Running,
        3000,
        "started again",
      );
      assert.equal((await state("us")).Running, false);
    } finally {
      await second.stop();
      removeDir(dir);
    }
  });

  test("a second service on the same state directory is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "swarm-exec-"));
    const first = await startExec([], dir);
    try {
      // The lock names this process, so fake another owner: PID 1 is always alive.
      writeFileSync(join(dir, "swarmd.pid"), "1\n");
      await assert.rejects(startExec([], dir), (err: Error & { code: string }) => {
        assert.equal(err.code, ErrorCodes.Conflict);
        assert.match(err.message, /is in use by another swarmd \(pid 1\)/);
        return true;
      });
      writeFileSync(join(dir, "swarmd.pid"), `${process.pid}\n`);
    } finally {
      await first.stop();
      removeDir(dir);
    }
  });
});

describe("exec --isolate", () => {
  let t: ExecUnderTest;
  before(async () => {
    t = await startExec(["--isolate"]);
  });
  after(async () => {
    await t.stop();
    removeDir(t.dir);
  });

  test("the program is PID 1 of its own namespaces; exec joins them", async () => {
    const c = await t.root.spawn(
      createBody([
        "sh",
        "-c",
        "echo pid=$$ host=$(hostname); tail -n +3 /proc/net/dev | cut -d: -f1; sleep 30",
      ]),
      "iso",
    );
    await c.start();
    const id = (await inspect(c)).Id;
    await until(async () => (await logsOf(c)).stdout.includes("lo"), 3000, "output");
    const out = (await logsOf(c)).stdout;
    assert.match(
      out,
      new RegExp(`^pid=1 host=${id.slice(0, 12)}\n\\s*lo\n$`),
      "own PID, UTS and network namespaces",
    );
    const e = new Client(
      (await c.call("Exec", [JSON.stringify({ Cmd: ["sh", "-c", "echo $$; ps -e -o pid= | wc -l"] })])).ret!,
    );
    const got = await collectLogs(await e.request(Verbs.Start, ["{}"]));
    const [execPid, count] = got.stdout
      .trim()
      .split("\n")
      .map((s) => Number(s.trim()));
    assert.ok(execPid! > 1 && execPid! < 100, `exec pid ${execPid} is in the namespace`);
    assert.ok(count! <= 6, `only the namespace's processes are visible (${count})`);
    const hostPid = (await inspect(c)).State.Pid;
    await c.stop("1", "");
    const i = await inspect(c);
    assert.equal(i.State.ExitCode, 137, "PID 1 ignores SIGTERM, as in a container");
    assert.equal(alive(hostPid), false);
  });
});

describe("exec options", () => {
  test("arguments", () => {
    assert.equal(parseOptions([], { XDG_STATE_HOME: "/x" }).root, "/x/libswarm/exec");
    assert.deepEqual(parseOptions(["--isolate", "--root", "/tmp/r"]), { isolate: true, root: "/tmp/r" });
    assert.equal(parseOptions(["--root=/tmp/q"]).root, "/tmp/q");
    assert.throws(() => parseOptions(["--bogus"]), /unknown argument/);
    assert.throws(() => parseOptions(["--root"]), /needs a directory/);
  });
});
