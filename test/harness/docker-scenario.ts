/**
 * The docker CLI commands dockerserver must support (issue 3), as a backend-independent scenario:
 * every step is a real `docker` command line with its expected exit code and (normalised) output.
 * The same list runs against `dockerserver → simulator`, with `debug` in the middle, and later
 * against `dockerserver → dockerclient → real engine`, so outputs can be compared.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type CliResult, docker, normalise } from "./docker-cli.ts";

export interface ScenarioContext {
  /** Unix seconds when the scenario started (for `events --since`). */
  t0: number;
  /** Values captured from earlier steps' stdout (trimmed), by name. */
  captured: Map<string, string>;
}

export interface Step {
  title: string;
  args: string[] | ((ctx: ScenarioContext) => string[]);
  stdin?: string;
  env?: Record<string, string>;
  code: number;
  /** Exact normalised stdout, or a pattern it must match. */
  stdout?: string | RegExp;
  stderr?: string | RegExp;
  /** Store the trimmed stdout under this name. */
  capture?: string;
  timeoutMs?: number;
}

/**
 * The scenario. `p` prefixes every container name so runs do not collide; `image` is a busybox image
 * the backend has. Containers use `--network none` (real engines here have no bridge).
 */
export function dockerScenario(p: string, image = "busybox"): Step[] {
  const n = (s: string) => `${p}-${s}`;
  const run = ["run", "--network", "none"];
  const nosuch = n("nosuch");
  const noSuch = `Error response from daemon: No such container: ${nosuch}\n`;
  return [
    { title: "version", args: ["version"], code: 0, stdout: /API version:\s+1\.41/ },
    { title: "info", args: ["info", "--format", "{{.OSType}}"], code: 0, stdout: "linux\n" },
    {
      title: "images",
      args: ["images", "--format", "{{.Repository}}:{{.Tag}}"],
      code: 0,
      stdout: /busybox:latest/,
    },
    {
      title: "image inspect",
      args: ["image", "inspect", image, "--format", "{{.Id}}"],
      code: 0,
      stdout: /^sha256:/,
    },
    {
      title: "inspect of an image",
      args: ["inspect", "--format", "{{.Id}}", image],
      code: 0,
      stdout: /^sha256:/,
    },
    { title: "run --rm prints output", args: [...run, "--rm", image, "echo", "hi"], code: 0, stdout: "hi\n" },
    {
      title: "run: exit code and both streams",
      args: [...run, "--name", n("fg"), image, "sh", "-c", "echo a; echo b >&2; exit 3"],
      code: 3,
      stdout: "a\n",
      stderr: "b\n",
    },
    {
      title: "run -i with stdin",
      args: [...run, "-i", "--rm", image, "cat"],
      stdin: "line1\nline2\n",
      code: 0,
      stdout: "line1\nline2\n",
    },
    {
      title: "run -t: raw tty output",
      args: [...run, "-t", "--rm", image, "echo", "tty"],
      code: 0,
      stdout: "tty\r\n",
    },
    {
      title: "run -e",
      args: [...run, "--rm", "-e", "FOO=bar", image, "sh", "-c", "echo $FOO"],
      code: 0,
      stdout: "bar\n",
    },
    {
      title: "run -d --name -l",
      args: [
        ...run,
        "-d",
        "--name",
        n("d"),
        "-l",
        "team=red",
        image,
        "sh",
        "-c",
        "echo started; while true; do sleep 1; done",
      ],
      code: 0,
      stdout: "<id>\n",
      capture: "d",
    },
    {
      title: "create",
      args: [
        "create",
        "--network",
        "none",
        "--name",
        n("c"),
        "-l",
        "team=blue",
        image,
        "sh",
        "-c",
        "echo created-out; exit 4",
      ],
      code: 0,
      stdout: "<id>\n",
      capture: "c",
    },
    {
      title: "ps lists running containers only",
      args: ["ps", "--format", "{{.Names}}"],
      code: 0,
      stdout: new RegExp(`^(?![\\s\\S]*${n("c")}\\n)[\\s\\S]*${n("d")}\\n`),
    },
    {
      title: "ps -a --filter name=",
      args: ["ps", "-a", "--filter", `name=${n("c")}`, "--format", "{{.Names}} {{.Status}}"],
      code: 0,
      stdout: `${n("c")} Created\n`,
    },
    {
      title: "ps -a -q --filter label=",
      args: ["ps", "-a", "-q", "--filter", "label=team=blue"],
      code: 0,
      stdout: "<short-id>\n",
    },
    {
      title: "ps --filter status= --filter name=",
      args: [
        "ps",
        "-a",
        "--filter",
        "status=exited",
        "--filter",
        `name=^/${p}-`,
        "--format",
        "{{.Names}} {{.Status}}",
      ],
      code: 0,
      stdout: `${n("fg")} Exited (3) <duration> ago\n`,
    },
    {
      title: "ps --filter id=",
      args: (c) => ["ps", "--filter", `id=${c.captured.get("d")!.slice(0, 16)}`, "--format", "{{.Names}}"],
      code: 0,
      stdout: `${n("d")}\n`,
    },
    {
      title: "ps -n 1",
      args: ["ps", "-a", "-n", "1", "--format", "{{.Names}}"],
      code: 0,
      stdout: `${n("c")}\n`,
    },
    {
      title: "ps --format table",
      args: ["ps", "--filter", `name=${n("d")}`, "--format", "table {{.Names}}\t{{.Command}}\t{{.Status}}"],
      code: 0,
      stdout: /^NAMES\s+COMMAND\s+STATUS\n.*"sh -c 'echo started…"\s+Up <duration>\n$/,
    },
    { title: "start", args: ["start", n("c")], code: 0, stdout: `${n("c")}\n` },
    { title: "wait", args: ["wait", n("c")], code: 0, stdout: "4\n" },
    { title: "logs", args: ["logs", n("c")], code: 0, stdout: "created-out\n" },
    { title: "logs (both streams)", args: ["logs", n("fg")], code: 0, stdout: "a\n", stderr: "b\n" },
    { title: "logs -t", args: ["logs", "-t", n("c")], code: 0, stdout: "<time> created-out\n" },
    { title: "logs --since", args: ["logs", "--since", "1h", n("c")], code: 0, stdout: "created-out\n" },
    {
      title: "inspect a container",
      args: ["inspect", "--format", "{{.State.Status}} {{.Name}} {{.Config.Labels.team}}", n("d")],
      code: 0,
      stdout: `running /${n("d")} red\n`,
    },
    {
      title: "container inspect by ID",
      args: (c) => ["container", "inspect", "--format", "{{.Name}}", c.captured.get("d")!],
      code: 0,
      stdout: `/${n("d")}\n`,
    },
    { title: "top", args: ["top", n("d")], code: 0, stdout: /PID[\s\S]*sh -c/ },
    {
      title: "exec",
      args: ["exec", n("d"), "sh", "-c", "echo out; echo err >&2; exit 3"],
      code: 3,
      stdout: "out\n",
      stderr: "err\n",
    },
    { title: "exec -i", args: ["exec", "-i", n("d"), "cat"], stdin: "in\n", code: 0, stdout: "in\n" },
    { title: "exec -d", args: ["exec", "-d", n("d"), "sleep", "1"], code: 0, stdout: "" },
    { title: "pause", args: ["pause", n("d")], code: 0, stdout: `${n("d")}\n` },
    {
      title: "ps shows paused",
      args: ["ps", "--filter", `name=${n("d")}`, "--format", "{{.Status}}"],
      code: 0,
      stdout: "Up <duration> (Paused)\n",
    },
    { title: "unpause", args: ["unpause", n("d")], code: 0, stdout: `${n("d")}\n` },
    { title: "rename", args: ["rename", n("d"), n("r")], code: 0, stdout: "" },
    {
      title: "restart",
      args: ["restart", "-t", "1", n("r")],
      code: 0,
      stdout: `${n("r")}\n`,
      timeoutMs: 30_000,
    },
    { title: "kill -s", args: ["kill", "-s", "KILL", n("r")], code: 0, stdout: `${n("r")}\n` },
    { title: "wait after kill", args: ["wait", n("r")], code: 0, stdout: "137\n" },
    { title: "start again", args: ["start", n("r")], code: 0, stdout: `${n("r")}\n` },
    { title: "stop", args: ["stop", "-t", "1", n("r")], code: 0, stdout: `${n("r")}\n`, timeoutMs: 30_000 },
    { title: "stop a stopped container (304)", args: ["stop", n("r")], code: 0, stdout: `${n("r")}\n` },
    { title: "rm", args: ["rm", n("r")], code: 0, stdout: `${n("r")}\n` },
    {
      title: "run -d for rm -f",
      args: [...run, "-d", "--name", n("x"), image, "sleep", "100"],
      code: 0,
      stdout: "<id>\n",
    },
    { title: "start a running container (304)", args: ["start", n("x")], code: 0, stdout: `${n("x")}\n` },
    {
      title: "rm of a running container: 409",
      args: ["rm", n("x")],
      code: 1,
      stderr:
        /^Error response from daemon: You cannot remove a running container <id>\. Stop the container before attempting removal or force remove\n$/,
    },
    { title: "rm -f", args: ["rm", "-f", n("x")], code: 0, stdout: `${n("x")}\n` },
    {
      title: "logs -f ends with the container",
      args: [...run, "-d", "--name", n("lf"), image, "sh", "-c", "echo one; sleep 1; echo two"],
      code: 0,
      stdout: "<id>\n",
    },
    { title: "logs -f", args: ["logs", "-f", n("lf")], code: 0, stdout: "one\ntwo\n" },
    // stdout and stderr are separate pipes, so only a one-stream container has a deterministic last line.
    { title: "logs --tail", args: ["logs", "--tail", "1", n("lf")], code: 0, stdout: "two\n" },
    {
      title: "events --since --until --filter",
      args: (c) => [
        "events",
        "--since",
        String(c.t0 - 1),
        "--until",
        String(Math.floor(Date.now() / 1000) + 1),
        "--filter",
        `container=${n("fg")}`,
        "--format",
        "{{.Type}} {{.Action}}",
      ],
      code: 0,
      stdout: /^container create\n[\s\S]*container start\n[\s\S]*container die\n/,
      timeoutMs: 30_000,
    },
    {
      title: "run -d for attach",
      args: [...run, "-d", "--name", n("at"), image, "sh", "-c", "sleep 1; echo attached-out; exit 5"],
      code: 0,
      stdout: "<id>\n",
    },
    {
      title: "attach: output until exit, exit code",
      args: ["attach", n("at")],
      code: 5,
      stdout: "attached-out\n",
    },
    { title: "start -a", args: ["start", "-a", n("at")], code: 5, stdout: "attached-out\n" },
    { title: "system df", args: ["system", "df"], code: 0, stdout: /^TYPE\s+TOTAL/ },
    // Errors, worded as the engine words them.
    { title: "rm: no such container", args: ["rm", nosuch], code: 1, stderr: noSuch },
    { title: "start: no such container", args: ["start", nosuch], code: 1, stderr: /No such container: / },
    { title: "stop: no such container", args: ["stop", nosuch], code: 1, stderr: noSuch },
    {
      title: "kill: no such container",
      args: ["kill", nosuch],
      code: 1,
      stderr: `Error response from daemon: Cannot kill container: ${nosuch}: No such container: ${nosuch}\n`,
    },
    { title: "logs: no such container", args: ["logs", nosuch], code: 1, stderr: noSuch },
    { title: "top: no such container", args: ["top", nosuch], code: 1, stderr: noSuch },
    { title: "exec: no such container", args: ["exec", nosuch, "true"], code: 1, stderr: noSuch },
    { title: "wait: no such container", args: ["wait", nosuch], code: 1, stderr: noSuch },
    { title: "pause: no such container", args: ["pause", nosuch], code: 1, stderr: noSuch },
    {
      title: "rename: no such container",
      args: ["rename", nosuch, n("other")],
      code: 1,
      stderr: /No such container: /,
    },
    {
      title: "inspect: no such object",
      args: ["inspect", nosuch],
      code: 1,
      stdout: "[]\n",
      stderr: `Error: No such object: ${nosuch}\n`,
    },
    {
      title: "create: name conflict (409)",
      args: ["create", "--network", "none", "--name", n("c"), image, "true"],
      code: 1,
      stderr: new RegExp(
        `^Error response from daemon: Conflict\\. The container name "/${n("c")}" is already in use by container "<id>"\\. You have to remove \\(or rename\\) that container to be able to reuse that name\\.\\n$`,
      ),
    },
    {
      title: "rename: name conflict (409)",
      args: ["rename", n("c"), n("fg")],
      code: 1,
      stderr: /Error response from daemon: .*already in use/,
    },
    {
      title: "kill a stopped container (409)",
      args: ["kill", n("c")],
      code: 1,
      stderr: /^Error response from daemon: Cannot kill container: .*: Container <id> is not running\n$/,
    },
    {
      title: "pause a stopped container (409)",
      args: ["pause", n("c")],
      code: 1,
      stderr: /^Error response from daemon: Container <id> is not running\n$/,
    },
    {
      title: "top of a stopped container (409)",
      args: ["top", n("c")],
      code: 1,
      stderr: /^Error response from daemon: Container <id> is not running\n$/,
    },
    {
      title: "exec in a stopped container (409)",
      args: ["exec", n("c"), "true"],
      code: 1,
      stderr: /is not running/,
    },
    {
      title: "unknown image: run exits 125",
      args: [...run, "--rm", `${p}-missing/image`],
      code: 125,
      stderr: /Unable to find image '.*missing\/image:latest' locally/,
      timeoutMs: 30_000,
    },
    {
      title: "bad filter (400)",
      args: ["ps", "--filter", "foo=bar"],
      code: 1,
      stderr: "Error response from daemon: Invalid filter 'foo'\n",
    },
    {
      title: "bad name (400)",
      args: ["create", "--name", "bad name!", image],
      code: 1,
      stderr: /Invalid container name \(bad name!\)/,
    },
    {
      title: "API version too new (400)",
      args: ["version", "--format", "{{.Server.Version}}"],
      env: { DOCKER_API_VERSION: "1.50" },
      code: 1,
      stderr: /client version 1\.50 is too new\. Maximum supported API version is 1\.41/,
    },
    {
      title: "cleanup",
      args: ["rm", "-f", n("c"), n("fg"), n("lf"), n("at")],
      code: 0,
      stdout: `${n("c")}\n${n("fg")}\n${n("lf")}\n${n("at")}\n`,
    },
    {
      title: "nothing left",
      args: ["ps", "-a", "--format", "{{.Names}} {{.Status}}", "--filter", `name=^/${p}-`],
      code: 0,
      stdout: "",
    },
  ];
}

export interface StepResult {
  step: Step;
  args: string[];
  result: CliResult;
  /** Human-readable mismatches; empty when the step passed. */
  problems: string[];
}

function check(what: string, actual: string, want: string | RegExp | undefined): string[] {
  if (want === undefined) return [];
  const norm = normalise(actual);
  if (typeof want === "string")
    return norm === want ? [] : [`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(norm)}`];
  return want.test(norm) ? [] : [`${what}: expected to match ${want}, got ${JSON.stringify(norm)}`];
}

/** Run one step and compare it with its expectations. */
export async function runStep(host: string, step: Step, ctx: ScenarioContext): Promise<StepResult> {
  const args = typeof step.args === "function" ? step.args(ctx) : step.args;
  const result = await docker(host, args, {
    ...(step.stdin !== undefined && { input: step.stdin }),
    ...(step.env && { env: step.env }),
    timeoutMs: step.timeoutMs ?? 20_000,
  });
  const problems: string[] = [];
  if (result.timedOut) problems.push("timed out");
  if (result.code !== step.code) problems.push(`exit code: expected ${step.code}, got ${result.code}`);
  problems.push(
    ...check("stdout", result.stdout, step.stdout),
    ...check("stderr", result.stderr, step.stderr),
  );
  if (step.capture) ctx.captured.set(step.capture, result.stdout.trim());
  return { step, args, result, problems };
}

/**
 * One node:test test per step of `dockerScenario(prefix)`, in order, sharing one context; each
 * runs against `host()`, read when the step runs (so a host set up in `before` works).
 */
export function scenarioTests(prefix: string, host: () => string): void {
  const ctx: ScenarioContext = { t0: Math.floor(Date.now() / 1000), captured: new Map() };
  for (const step of dockerScenario(prefix)) {
    test(`docker ${step.title}`, async () => {
      const r = await runStep(host(), step, ctx);
      assert.deepEqual(
        r.problems,
        [],
        `docker ${r.args.join(" ")}\nstdout: ${r.result.stdout}\nstderr: ${r.result.stderr}`,
      );
    });
  }
}
