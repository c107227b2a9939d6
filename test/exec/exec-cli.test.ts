/**
 * End to end: the real docker CLI against `swarmd 'dockerserver unix://…' 'exec --root …'`. Every
 * container is a real process of this machine; the tests check it through /proc as well as through
 * the CLI.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { alive, pidsNamed, procState, until } from "../../src/services/exec/testing.ts";
import { docker, dockerUntil, spawnDocker } from "../harness/docker-cli.ts";
import { dockerScenario, runStep, type ScenarioContext } from "../harness/docker-scenario.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

interface Daemon {
  swarmd: SwarmdProcess;
  host: string;
}

async function startDaemon(dir: string, root: string, execArgs = ""): Promise<Daemon> {
  const sock = join(dir, `docker-${Date.now()}.sock`);
  const swarmd = startSwarmd([`dockerserver unix://${sock}`, `exec --root ${root} ${execArgs}`.trim()]);
  await swarmd.waitFor(/dockerserver listening/, 15_000);
  return { swarmd, host: `unix://${sock}` };
}

/**
 * A swarmd with exec (and `execArgs`) for the tests of one describe: started before them on a new
 * temp dir, stopped and the dir removed after. `host` reads the running daemon's.
 */
function daemonForSuite(execArgs = ""): { readonly host: string } {
  let dir: string;
  let d: Daemon;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "swarm-exec-e2e-"));
    d = await startDaemon(dir, join(dir, "root"), execArgs);
  });
  after(async () => {
    await d.swarmd.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get host() {
      return d.host;
    },
  };
}

/** Something typed into a terminal once `after` shows up in what is on it (or after that many ms). */
interface Typed {
  after: RegExp | number;
  text: string;
}

/**
 * Run the docker CLI inside a pseudo-terminal (script(1)) and type into it like a person: each piece
 * once the screen shows what it waits for (a shell prompt means the CLI has its terminal in raw mode).
 */
function dockerInPty(
  host: string,
  args: string,
  typed: Typed[],
): Promise<{ code: number | null; output: string }> {
  const config = mkdtempSync(join(tmpdir(), "swarm-docker-config-"));
  return new Promise((resolve) => {
    const child = spawn(
      "script",
      ["-eqfc", `stty rows 33 cols 101; docker -H ${host} ${args}`, "/dev/null"],
      {
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...process.env, DOCKER_CONFIG: config },
      },
    );
    let output = "";
    let seen = 0;
    const next = () => {
      const piece = typed[0];
      if (!piece || typeof piece.after === "number") return;
      if (piece.after.test(output.slice(seen))) type();
    };
    const type = () => {
      const piece = typed.shift()!;
      seen = output.length;
      child.stdin.write(piece.text);
      const following = typed[0];
      if (following && typeof following.after === "number") setTimeout(type, following.after);
      else next();
    };
    const onData = (d: Buffer) => {
      output += d.toString("latin1");
      next();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    if (typed[0] && typeof typed[0].after === "number") setTimeout(type, typed[0].after);
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      rmSync(config, { recursive: true, force: true });
      resolve({ code, output });
    });
  });
}

describe("exec service through the docker CLI", () => {
  const d = daemonForSuite();
  const cli = (...args: string[]) => docker(d.host, args);
  const pidOf = async (name: string) =>
    Number((await cli("inspect", "-f", "{{.State.Pid}}", name)).stdout.trim());

  test("docker run gives the program's exit code, stdout and stderr apart", async () => {
    const ok = await cli("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2");
    assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, "out\n", "err\n"]);
    const one = await cli("run", "--rm", "busybox", "false");
    assert.equal(one.code, 1);
    const three = await cli("run", "--name", "three", "busybox", "sh", "-c", "exit 3");
    assert.equal(three.code, 3);
    assert.equal((await cli("wait", "three")).stdout, "3\n");
    assert.equal((await cli("rm", "three")).code, 0);
  });

  test("a missing program: the engine's error and exit code 127, and nothing crashes", async () => {
    const r = await cli("run", "--rm", "busybox", "no-such-program");
    assert.equal(r.code, 127);
    assert.match(
      r.stderr,
      /docker: Error response from daemon: failed to create task for container: .*exec: "no-such-program": executable file not found in \$PATH: unknown/,
    );
    // The --rm container is gone, and the service still answers.
    assert.equal((await cli("ps", "-aq")).code, 0);
  });

  test("User is honoured; what a host process cannot have is refused or warned about", async () => {
    const u = await cli("run", "--rm", "-u", "nobody", "busybox", "sh", "-c", "id -u; id -g");
    assert.deepEqual([u.code, u.stdout], [0, "65534\n65534\n"]);
    const nouser = await cli("run", "--rm", "-u", "no-such-user", "busybox", "true");
    assert.equal(nouser.code, 125);
    assert.match(nouser.stderr, /unable to find user no-such-user: no matching entries in passwd file/);
    const restart = await cli("run", "-d", "--restart", "sometimes", "busybox", "true");
    assert.equal(restart.code, 125);
    const warned = await cli("run", "--rm", "-p", "8080:80", "-v", "/tmp:/x", "busybox", "true");
    assert.equal(warned.code, 0);
    assert.match(warned.stderr, /WARNING: exec: published ports are ignored/);
    assert.match(warned.stderr, /WARNING: exec: volumes and mounts are ignored/);
  });

  test("--restart on-failure:2 runs a failing program three times; stop ends an always", async () => {
    await cli(
      "run",
      "-d",
      "--restart",
      "on-failure:2",
      "--name",
      "flaky",
      "busybox",
      "sh",
      "-c",
      "echo run; exit 3",
    );
    await until(
      async () =>
        (await cli("inspect", "-f", "{{.RestartCount}} {{.State.Status}}", "flaky")).stdout === "2 exited\n",
      10_000,
      "two restarts",
    );
    assert.equal((await cli("logs", "flaky")).stdout, "run\nrun\nrun\n");
    assert.match(
      (await cli("ps", "-a", "--format", "{{.Status}}", "-f", "name=flaky")).stdout,
      /^Exited \(3\)/,
    );
    await cli("run", "-d", "--restart", "always", "--name", "phoenix", "busybox", "sh", "-c", "sleep 0.2");
    await until(
      async () => Number((await cli("inspect", "-f", "{{.RestartCount}}", "phoenix")).stdout) >= 2,
      10_000,
      "always restarts",
    );
    assert.equal((await cli("stop", "phoenix")).code, 0);
    await new Promise((r) => setTimeout(r, 600));
    assert.match((await cli("inspect", "-f", "{{.State.Status}}", "phoenix")).stdout, /^exited/);
    assert.equal((await cli("rm", "flaky", "phoenix")).code, 0);
  });

  test("stdin piped through run -i", async () => {
    const r = await docker(d.host, ["run", "-i", "--rm", "busybox", "sh", "-c", "tr a-z A-Z; exit 9"], {
      input: "line1\nline2\n",
    });
    assert.equal(r.stdout, "LINE1\nLINE2\n");
    assert.equal(r.code, 9);
  });

  test("run -it: a real pseudo-terminal, driven through one", async () => {
    const r = await dockerInPty(d.host, "run -it --rm busybox sh", [
      { after: /# $/, text: "tty; stty size; echo sum=$((6*7))\nexit 4\n" },
    ]);
    assert.equal(r.code, 4);
    assert.match(r.output, /\/dev\/pts\/\d+\r\n/);
    assert.match(r.output, /33 101\r\n/, "the terminal size reaches the container");
    assert.match(r.output, /sum=42\r\n/);
  });

  test("run -it: ctrl-p ctrl-q detaches and leaves it running; attach takes it back", async () => {
    const r = await dockerInPty(d.host, "run -it --name detachable busybox sh", [
      { after: /# $/, text: "echo before\n" },
      { after: /before\r\n# $/, text: "\x10\x11" },
    ]);
    assert.equal(r.code, 0);
    assert.match(r.output, /before\r\n/);
    assert.match((await cli("ps", "--format", "{{.Names}} {{.Status}}")).stdout, /^detachable Up /m);
    const again = await dockerInPty(d.host, "attach detachable", [
      { after: 1000, text: "echo again\nexit 7\n" },
    ]);
    assert.equal(again.code, 7);
    assert.match(again.output, /again\r\n/);
    assert.equal((await cli("rm", "detachable")).code, 0);
  });

  test("ps, ps -a, stop (TERM: 143), kill (137), kill -s, wait", async () => {
    assert.equal((await cli("run", "-d", "--name", "sleeper", "busybox", "sleep", "60")).code, 0);
    assert.equal((await cli("run", "-d", "--name", "victim", "busybox", "sleep", "60")).code, 0);
    const ps = await cli("ps", "--format", "{{.Names}} {{.Status}}");
    assert.match(ps.stdout, /^sleeper Up /m);
    const stop = await cli("stop", "sleeper");
    assert.deepEqual([stop.code, stop.stdout], [0, "sleeper\n"]);
    assert.equal((await cli("stop", "sleeper")).code, 0, "stopping a stopped container is not an error");
    const pid = await pidOf("victim");
    assert.equal((await cli("kill", "victim")).code, 0);
    assert.equal(alive(pid), false);
    const all = await cli("ps", "-a", "--format", "{{.Names}} {{.Status}}");
    assert.match(all.stdout, /^sleeper Exited \(143\) /m);
    assert.match(all.stdout, /^victim Exited \(137\) /m);
    assert.doesNotMatch((await cli("ps", "--format", "{{.Names}}")).stdout, /sleeper|victim/);
    const k = await cli("kill", "victim");
    assert.equal(k.code, 1);
    assert.match(k.stderr, /is not running/);

    assert.equal(
      (
        await cli(
          "run",
          "-d",
          "--name",
          "hup",
          "busybox",
          "sh",
          "-c",
          "trap 'exit 42' HUP; while :; do sleep 0.1; done",
        )
      ).code,
      0,
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await cli("kill", "-s", "HUP", "hup")).code, 0);
    const w = await cli("wait", "hup");
    assert.equal(w.stdout, "42\n");
    assert.equal((await cli("rm", "sleeper", "victim", "hup")).code, 0);
  });

  test("stop with a timeout kills a program that ignores SIGTERM", async () => {
    await cli(
      "run",
      "-d",
      "--name",
      "stubborn",
      "busybox",
      "sh",
      "-c",
      "trap '' TERM; while :; do sleep 0.1; done",
    );
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    assert.equal((await cli("stop", "-t", "1", "stubborn")).code, 0);
    const took = Date.now() - t0;
    assert.ok(took >= 900, `stop returned after ${took} ms, before the timeout`);
    assert.equal((await cli("inspect", "-f", "{{.State.ExitCode}}", "stubborn")).stdout, "137\n");
    await cli("rm", "stubborn");
  });

  test("logs: after exit, --tail, -t, stdout and stderr apart, -f until the exit", async () => {
    await cli(
      "run",
      "--name",
      "talker",
      "busybox",
      "sh",
      "-c",
      "echo a; sleep 0.1; echo b >&2; sleep 0.1; echo c",
    );
    const logs = await cli("logs", "talker");
    assert.deepEqual([logs.stdout, logs.stderr], ["a\nc\n", "b\n"]);
    const tail = await cli("logs", "--tail", "1", "-t", "talker");
    assert.match(tail.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z c\n$/);
    assert.equal(tail.stderr, "");
    await cli(
      "run",
      "-d",
      "--name",
      "ticker",
      "busybox",
      "sh",
      "-c",
      "for i in 1 2 3; do echo tick$i; sleep 0.2; done",
    );
    const f = await cli("logs", "-f", "ticker");
    assert.equal(f.code, 0);
    assert.equal(f.stdout, "tick1\ntick2\ntick3\n");
    await cli("rm", "talker", "ticker");
  });

  test("logs rotate with --log-opt max-size/max-file; other log drivers are refused", async () => {
    const r = await cli(
      "run",
      "--name",
      "rotated",
      "--log-opt",
      "max-size=2k",
      "--log-opt",
      "max-file=2",
      "busybox",
      "seq",
      "1",
      "3000",
    );
    assert.equal(r.stdout.split("\n").length - 1, 3000, "the attached stream has everything");
    const kept = (await cli("logs", "rotated")).stdout.trim().split("\n");
    // Two files of 2 KiB hold some 30 to 60 lines of about 70 bytes each.
    assert.ok(kept.length < 100 && kept.length > 20, `${kept.length} lines kept`);
    assert.equal(kept.at(-1), "3000");
    assert.equal((await cli("logs", "--tail", "2", "rotated")).stdout, "2999\n3000\n");
    assert.match(
      (await cli("inspect", "-f", "{{json .HostConfig.LogConfig}}", "rotated")).stdout,
      /"max-size":"2k"/,
    );
    const syslog = await cli("run", "--rm", "--log-driver", "syslog", "busybox", "true");
    assert.equal(syslog.code, 125);
    assert.match(syslog.stderr, /logging driver "syslog" is not supported/);
    await cli("rm", "rotated");
  });

  test("attach follows a running container and returns its exit code", async () => {
    await cli("run", "-d", "--name", "late", "busybox", "sh", "-c", "sleep 1; echo late; exit 6");
    const a = await cli("attach", "late");
    assert.deepEqual([a.code, a.stdout], [6, "late\n"]);
    await cli("rm", "late");
  });

  test("restart, pause/unpause (SIGSTOP/SIGCONT), top, exec, inspect", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "swarm-exec-wd-"));
    await cli(
      "run",
      "-d",
      "--name",
      "svc",
      "-w",
      cwd,
      "-e",
      "COLOR=blue",
      "busybox",
      "sh",
      "-c",
      "sleep 60 & wait",
    );
    const pid = await pidOf("svc");
    assert.ok(alive(pid));
    assert.equal((await cli("pause", "svc")).code, 0);
    assert.equal(procState(pid), "T");
    assert.match((await cli("ps", "--format", "{{.Status}}", "-f", "name=svc")).stdout, /\(Paused\)/);
    assert.equal((await cli("unpause", "svc")).code, 0);
    assert.notEqual(procState(pid), "T");

    const top = await cli("top", "svc");
    assert.equal(top.code, 0);
    assert.match(top.stdout, /^UID\s+PID\s+PPID/);
    assert.match(top.stdout, new RegExp(`\\s${pid}\\s`));
    assert.match(top.stdout, /sleep 60/);

    const ex = await cli("exec", "svc", "sh", "-c", 'echo "$COLOR $(pwd)"; echo e >&2; exit 5');
    assert.deepEqual([ex.code, ex.stdout, ex.stderr], [5, `blue ${cwd}\n`, "e\n"]);
    const exi = await docker(d.host, ["exec", "-i", "svc", "cat"], { input: "piped\n" });
    assert.equal(exi.stdout, "piped\n");

    const restart = await cli("restart", "-t", "1", "svc");
    assert.equal(restart.code, 0);
    const newPid = await pidOf("svc");
    assert.notEqual(newPid, pid);
    assert.equal(alive(pid), false);
    const info = JSON.parse((await cli("inspect", "svc")).stdout)[0];
    assert.equal(info.State.Running, true);
    assert.equal(info.State.Pid, newPid);
    assert.equal(info.Config.WorkingDir, cwd);
    await cli("rm", "-f", "svc");
    rmSync(cwd, { recursive: true, force: true });
  });

  test("rm -f leaves no process behind", async () => {
    await cli("run", "-d", "--name", "tree", "busybox", "sh", "-c", "sleep 60 & sleep 60 & sleep 60");
    const pid = await pidOf("tree");
    await until(
      () => readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1").trim().split(/\s+/).length >= 3,
      3000,
      "children",
    );
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1").trim().split(/\s+/).map(Number);
    const rm = await cli("rm", "-f", "tree");
    assert.equal(rm.code, 0);
    for (const p of [pid, ...kids]) assert.equal(alive(p), false, `process ${p} outlived rm -f`);
    assert.equal((await cli("inspect", "tree")).code, 1);
  });

  test("events: the lifecycle of a container", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await cli("run", "--rm", "--name", "evented", "busybox", "sh", "-c", "exit 2");
    const ev = await cli(
      "events",
      "--since",
      String(since),
      "--until",
      String(Math.floor(Date.now() / 1000) + 1),
      "--filter",
      "container=evented",
      "--format",
      "{{.Action}} {{.Actor.Attributes.exitCode}}",
    );
    assert.equal(ev.code, 0);
    assert.deepEqual(ev.stdout.trim().split("\n"), [
      "create <no value>",
      "attach <no value>",
      "start <no value>",
      "die 2",
      "destroy <no value>",
    ]);
    // Live: a watcher sees what happens after it starts.
    const live = dockerUntil(d.host, ["events", "--format", "{{.Action}}"], /destroy/, {
      onStart: async () => {
        await new Promise((r) => setTimeout(r, 500));
        await cli("run", "--rm", "busybox", "true");
      },
    });
    assert.match((await live).stdout, /create\n(attach\n)?start\ndie\ndestroy\n/);
  });
});

describe("the shared docker CLI scenario (test/harness/docker-scenario.ts) against exec", () => {
  // Images are only names with exec (see its README): the steps about images do not apply.
  const imageSteps = new Set([
    "images",
    "image inspect",
    "inspect of an image",
    "unknown image: run exits 125",
  ]);
  const d = daemonForSuite();

  test("every step but the image ones gives the expected exit code and output", async () => {
    const ctx: ScenarioContext = { t0: Math.floor(Date.now() / 1000), captured: new Map() };
    const failures: string[] = [];
    let ran = 0;
    for (const step of dockerScenario("exsc")) {
      if (imageSteps.has(step.title)) continue;
      ran++;
      const r = await runStep(d.host, step, ctx);
      if (r.problems.length)
        failures.push(`${step.title} (docker ${r.args.join(" ")}): ${r.problems.join("; ")}`);
    }
    assert.ok(ran > 60, `only ${ran} steps ran`);
    assert.deepEqual(failures, []);
  });
});

describe("exec service across a swarmd restart", () => {
  test("logs and exited containers survive; a running one is stopped, never orphaned", async () => {
    const dir = mkdtempSync(join(tmpdir(), "swarm-exec-e2e-"));
    const root = join(dir, "root");
    let d = await startDaemon(dir, root);
    try {
      assert.equal(
        (
          await docker(d.host, [
            "run",
            "--name",
            "done",
            "busybox",
            "sh",
            "-c",
            "echo kept; echo kept-err >&2; exit 5",
          ])
        ).code,
        5,
      );
      await docker(d.host, ["run", "-d", "--name", "live", "busybox", "sh", "-c", "echo started; sleep 60"]);
      const pid = Number((await docker(d.host, ["inspect", "-f", "{{.State.Pid}}", "live"])).stdout.trim());
      assert.ok(alive(pid));
      // A TTY container and a detached exec must not outlive swarmd either.
      await docker(d.host, ["run", "-d", "-t", "--name", "tty", "busybox", "sleep", "61"]);
      const ttyPid = Number((await docker(d.host, ["inspect", "-f", "{{.State.Pid}}", "tty"])).stdout.trim());
      assert.equal((await docker(d.host, ["exec", "-d", "live", "sleep", "62"])).code, 0);
      let execPid = 0;
      await until(
        () => {
          execPid = pidsNamed("sleep 62")[0] ?? 0;
          return execPid > 0;
        },
        3000,
        "the exec",
      );
      assert.equal(await d.swarmd.stop("SIGTERM"), 0);
      for (const p of [pid, ttyPid, execPid]) assert.equal(alive(p), false, `process ${p} outlived swarmd`);

      d = await startDaemon(dir, root);
      const ps = await docker(d.host, ["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
      assert.match(ps.stdout, /^done Exited \(5\) /m);
      assert.match(ps.stdout, /^live Exited \(143\) /m);
      const logs = await docker(d.host, ["logs", "done"]);
      assert.deepEqual([logs.stdout, logs.stderr], ["kept\n", "kept-err\n"]);
      assert.equal((await docker(d.host, ["logs", "live"])).stdout, "started\n");
      const why = await docker(d.host, ["inspect", "-f", "{{.State.Error}}", "live"]);
      assert.match(why.stdout, /swarmd stopped/);
      // And it can run again.
      assert.equal((await docker(d.host, ["start", "-a", "done"])).stdout, "kept\n");
    } finally {
      await d.swarmd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("exec service after swarmd is killed", () => {
  test("a container still running is found again: listed as up, stoppable, and not orphaned", async () => {
    const dir = mkdtempSync(join(tmpdir(), "swarm-exec-e2e-"));
    const root = join(dir, "root");
    let d = await startDaemon(dir, root);
    let pid = 0;
    try {
      await docker(d.host, [
        "run",
        "-d",
        "--name",
        "survivor",
        "busybox",
        "sh",
        "-c",
        "echo before; sleep 60",
      ]);
      pid = Number((await docker(d.host, ["inspect", "-f", "{{.State.Pid}}", "survivor"])).stdout.trim());
      await until(
        async () => (await docker(d.host, ["logs", "survivor"])).stdout === "before\n",
        3000,
        "output",
      );
      assert.equal(await d.swarmd.stop("SIGKILL"), "SIGKILL");
      assert.ok(alive(pid), "the process does not depend on swarmd");

      d = await startDaemon(dir, root);
      const ps = await docker(d.host, ["ps", "--format", "{{.Names}} {{.Status}}"]);
      assert.match(ps.stdout, /^survivor Up /m);
      assert.equal(
        Number((await docker(d.host, ["inspect", "-f", "{{.State.Pid}}", "survivor"])).stdout.trim()),
        pid,
      );
      assert.equal((await docker(d.host, ["logs", "survivor"])).stdout, "before\n");
      assert.equal((await docker(d.host, ["stop", "-t", "2", "survivor"])).code, 0);
      assert.equal(alive(pid), false);
      assert.match(
        (await docker(d.host, ["ps", "-a", "--format", "{{.Names}} {{.Status}}"])).stdout,
        /^survivor Exited \(143\)/m,
      );
    } finally {
      if (pid && alive(pid)) process.kill(pid, "SIGKILL");
      await d.swarmd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("exec --isolate through the docker CLI", () => {
  const d = daemonForSuite("--isolate");

  test("the process sees itself as PID 1, in its own UTS and network namespaces", async () => {
    const r = await docker(d.host, [
      "run",
      "--rm",
      "--network",
      "none",
      "busybox",
      "sh",
      "-c",
      "echo $$; hostname; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; ip -o link show lo",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [pid, host, net, lo] = r.stdout.trim().split("\n");
    assert.equal(pid, "1");
    assert.match(host!, /^[0-9a-f]{12}$/);
    assert.equal(net, "lo", "the only network device is the namespace's loopback");
    assert.match(lo!, /<LOOPBACK,UP/, "which is up, as with --network none");
  });

  test("exec joins the namespaces; stop and rm -f leave nothing behind", async () => {
    await docker(d.host, ["run", "-d", "--name", "iso", "busybox", "sleep", "60"]);
    const hostPid = Number((await docker(d.host, ["inspect", "-f", "{{.State.Pid}}", "iso"])).stdout.trim());
    assert.ok(hostPid > 1 && alive(hostPid));
    const ps = await docker(d.host, ["exec", "iso", "ps", "-e", "-o", "pid=,comm="]);
    assert.deepEqual(
      ps.stdout
        .trim()
        .split("\n")
        .map((l) => l.trim().split(/\s+/)[1]),
      ["sleep", "ps"],
    );
    assert.equal((await docker(d.host, ["rm", "-f", "iso"])).code, 0);
    assert.equal(alive(hostPid), false);
  });

  test("memory and CPU limits are applied with cgroups, and the OOM killer gives 137", async () => {
    const r = await docker(d.host, [
      "run",
      "--rm",
      "-m",
      "32m",
      "--cpus",
      "0.5",
      "busybox",
      "cat",
      "/proc/self/cgroup",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /memory:\/libswarm-exec\/[0-9a-f]{64}|0::\/libswarm-exec\/[0-9a-f]{64}/);
    const oom = await docker(d.host, [
      "run",
      "--rm",
      "-m",
      "16m",
      "busybox",
      "sh",
      "-c",
      "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived",
    ]);
    assert.equal(oom.code, 137);
    assert.doesNotMatch(oom.stdout, /survived/);
    assert.equal(oom.stderr, "", "no noise from the helpers");
  });

  test("spawnDocker is usable for long-running commands (logs -f ends when the container stops)", async () => {
    await docker(d.host, ["run", "-d", "--name", "follow", "busybox", "sh", "-c", "echo one; sleep 60"]);
    const child = spawnDocker(d.host, ["logs", "-f", "follow"]);
    let out = "";
    child.stdout!.on("data", (b: Buffer) => (out += b));
    const closed = new Promise<number | null>((r) => child.on("close", r));
    await until(() => out === "one\n", 5000, "first line");
    await docker(d.host, ["stop", "-t", "0", "follow"]);
    assert.equal(await closed, 0);
    await docker(d.host, ["rm", "follow"]);
  });
});
