/**
 * The real docker CLI through swarmd, `dockerserver → dockerclient → engine` and
 * `dockerserver → debug → dockerclient → engine`, against the same CLI talking to the engine
 * directly. Each scenario runs once per path with its own container names (same length, so
 * columns line up); the transcripts (stdout, stderr, exit code of every command), normalised for
 * IDs, times and those names, must be identical.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CliOptions, docker, normalise } from "../harness/docker-cli.ts";
import { type Engine, ensureEngineInstalled, startEngine } from "../harness/engine.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

const dir = mkdtempSync(join(tmpdir(), "dc-cli-"));
let engine: Engine;
const swarmds: SwarmdProcess[] = [];

/** The three ways to the engine; `tag` goes into container names. */
interface Path {
  name: string;
  host: string;
  tag: string;
}
const paths: Path[] = [];

before(async () => {
  await ensureEngineInstalled();
  engine = await startEngine(`t-dc-cli-${process.pid}`);
  const plain = join(dir, "plain.sock");
  const debugged = join(dir, "debug.sock");
  // The oldest README's form, and the pipeline form with debug in the middle.
  swarmds.push(startSwarmd(["--backend", `dockerclient ${engine.host}`, `unix://${plain}`]));
  swarmds.push(startSwarmd([`dockerserver unix://${debugged}`, "debug", `dockerclient ${engine.host}`]));
  await Promise.all(swarmds.map((s) => s.waitFor(/dockerserver listening/, 30_000)));
  paths.push(
    { name: "engine", host: engine.host, tag: "en" },
    { name: "dockerserver → dockerclient", host: `unix://${plain}`, tag: "dc" },
    { name: "dockerserver → debug → dockerclient", host: `unix://${debugged}`, tag: "db" },
  );
});

after(async () => {
  for (const s of swarmds) await s.stop();
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs docker commands on one path and records everything they print. */
class Transcript {
  text = "";
  constructor(
    readonly path: Path,
    private readonly extra: (s: string) => string = (s) => s,
  ) {}
  /** A container name unique to this path and scenario. */
  n(base: string): string {
    return `dcli-${base}-${this.path.tag}`;
  }
  async run(args: string[], opts: CliOptions = {}): Promise<{ code: number; stdout: string }> {
    const r = await docker(this.path.host, args, { timeoutMs: 30_000, ...opts });
    assert.ok(!r.timedOut, `${this.path.name}: docker ${args.join(" ")} timed out\n${r.stdout}${r.stderr}`);
    this.text += `$ docker ${args.join(" ")}\n[exit ${r.code}]\n${r.stdout}${r.stderr ? `[stderr]\n${r.stderr}` : ""}`;
    return r;
  }
  normalised(): string {
    const text = this.text.replaceAll(`-${this.path.tag}`, "-XX").replace(/--(since|until) \d+/g, "--$1 <t>");
    return this.extra(normalise(text));
  }
}

/** Run `scenario` on every path, then compare each swarmd transcript with the engine's. */
async function compare(
  scenario: (t: Transcript) => Promise<void>,
  extra?: (s: string) => string,
): Promise<void> {
  const transcripts: Transcript[] = [];
  for (const p of paths) {
    const t = new Transcript(p, extra);
    await scenario(t);
    transcripts.push(t);
  }
  const [direct, ...via] = transcripts;
  for (const t of via) {
    assert.equal(t.normalised(), direct!.normalised(), `${t.path.name} differs from the engine`);
  }
}

const none = ["--network", "none"];

describe("docker CLI through swarmd matches the engine (dockerclient)", () => {
  test("run: output on both streams, exit code, --rm", async () => {
    await compare(async (t) => {
      await t.run(["run", "--rm", ...none, "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"]);
      await t.run(["run", "--name", t.n("run"), ...none, "busybox", "sh", "-c", "printf 'x\\303\\251y\\n'"]);
      await t.run([
        "ps",
        "-a",
        "--filter",
        `name=${t.n("run")}`,
        "--format",
        "{{.Names}} {{.Status}} {{.Command}}",
      ]);
      await t.run([
        "ps",
        "-a",
        "-s",
        "--filter",
        `name=${t.n("run")}`,
        "--filter",
        "status=exited",
        "--format",
        "{{.Names}} {{.Size}} {{.Image}}",
      ]);
      await t.run(["ps", "-a", "-n", "1", "--format", "{{.Names}}"]);
      await t.run(["rm", t.n("run")]);
    });
  });

  test("run -i (stdin), run -t (tty), run -d then wait, logs --tail, -t, -f", async () => {
    await compare(async (t) => {
      await t.run(["run", "--rm", "-i", ...none, "busybox", "sh", "-c", "cat; echo done"], {
        input: "a\nb\n",
      });
      await t.run(["run", "--rm", "-t", ...none, "busybox", "sh", "-c", "echo tty; echo tty-err >&2"]);
      const name = t.n("logs");
      await t.run([
        "run",
        "-d",
        "--name",
        name,
        ...none,
        "busybox",
        "sh",
        "-c",
        "for i in 1 2 3; do echo l$i; done; sleep 0.2; echo e >&2",
      ]);
      await t.run(["wait", name]);
      await t.run(["logs", name]);
      await t.run(["logs", "--tail", "2", name]);
      await t.run(["logs", "-t", name]);
      await t.run(["logs", "--since", "2000-01-01T00:00:00Z", name]);
      await t.run(["logs", "--until", "2000-01-01T00:00:00Z", name]);
      await t.run(["rm", name]);
      const live = t.n("follow");
      await t.run(["run", "-d", "--name", live, ...none, "busybox", "sh", "-c", "echo a; sleep 1; echo b"]);
      await t.run(["logs", "-f", live]);
      await t.run(["rm", live]);
    });
  });

  test("attach (output, exit code), exec (exit code, -i, -t), top", async () => {
    await compare(
      async (t) => {
        // (stdin through attach is `run -i` above: a piped `docker attach` races the CLI's own exit.)
        const name = t.n("attach");
        await t.run([
          "run",
          "-d",
          "--name",
          name,
          ...none,
          "busybox",
          "sh",
          "-c",
          "sleep 1; echo late; echo late-err >&2; exit 5",
        ]);
        await t.run(["attach", name]);
        await t.run(["attach", "--no-stdin", name]);
        await t.run(["rm", name]);
        const box = t.n("exec");
        await t.run(["run", "-d", "--name", box, ...none, "busybox", "sleep", "60"]);
        await t.run(["exec", box, "sh", "-c", "echo in; echo err >&2; exit 4"]);
        await t.run(["exec", "-i", box, "cat"], { input: "piped\n" });
        await t.run(["exec", "-t", box, "echo", "tty"]);
        await t.run(["top", box]);
        await t.run(["rm", "-f", box]);
      },
      // top shows PIDs and start times, which differ per container.
      (s) => s.replace(/^root +\d+ +\d+ +\d+ +\S+ +\S+ +\S+ /gm, "root <ps> "),
    );
  });

  test("lifecycle: create, start, pause, unpause, rename, restart, stop, kill, inspect, rm", async () => {
    await compare(async (t) => {
      const name = t.n("life");
      const renamed = t.n("life2");
      const state = "{{.Name}} {{.State.Status}} {{.State.Running}} {{.State.Paused}} {{.RestartCount}}";
      await t.run(["create", "--name", name, ...none, "busybox", "sleep", "60"]);
      await t.run(["start", name]);
      await t.run(["pause", name]);
      await t.run(["inspect", "-f", state, name]);
      await t.run(["unpause", name]);
      await t.run(["rename", name, renamed]);
      await t.run(["restart", "-t", "1", renamed]);
      await t.run(["inspect", "-f", state, renamed]);
      await t.run(["stop", "-t", "1", renamed]);
      await t.run(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", renamed]);
      await t.run(["start", renamed]);
      await t.run(["kill", renamed]);
      await t.run(["wait", renamed]);
      await t.run([
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.ExitCode}} {{.Config.Image}} {{.Config.Cmd}}",
        renamed,
      ]);
      await t.run(["rm", renamed]);
    });
  });

  test("events in a time window, images, info, version", async () => {
    await compare(async (t) => {
      const since = String(Math.floor(Date.now() / 1000));
      await t.run(["run", "--rm", "--name", t.n("ev"), ...none, "busybox", "true"]);
      const until = String(Math.floor(Date.now() / 1000) + 1);
      await t.run(["events", "--since", since, "--until", until, "--filter", `container=${t.n("ev")}`]);
      await t.run(["images"]);
      await t.run(["info", "--format", "{{.ID}} {{.Driver}} {{.ServerVersion}} {{.Images}}"]);
      await t.run([
        "version",
        "--format",
        "{{.Server.Version}} {{.Server.APIVersion}} {{.Client.APIVersion}}",
      ]);
      await t.run(["images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}", "busybox"]);
    });
  });

  test("errors: the engine's messages and exit codes, unchanged", async () => {
    await compare(async (t) => {
      const box = t.n("err");
      await t.run(["start", t.n("nope")]);
      await t.run(["logs", t.n("nope")]);
      await t.run(["inspect", t.n("nope")]);
      await t.run(["run", ...none, "nope-missing:latest"]);
      await t.run(["create", "--name", box, ...none, "busybox", "sleep", "60"]);
      await t.run(["kill", box]);
      await t.run(["pause", box]);
      await t.run(["exec", box, "true"]);
      await t.run(["create", "--name", box, ...none, "busybox"]);
      await t.run(["start", box]);
      await t.run(["rm", box]);
      await t.run(["rename", box, box]);
      await t.run(["rm", "-f", box]);
    });
  });
});
