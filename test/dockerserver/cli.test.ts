/**
 * End to end: the real docker CLI against `swarmd 'dockerserver unix://…' 'simulator c1 c2 c3'`, and the
 * same with `debug` in the middle. Every command of issue 3, every error case, streaming commands
 * (`logs -f`, live `events`), and a clean shutdown that removes the socket file.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { docker, dockerInPty, dockerUntil, spawnDocker } from "../harness/docker-cli.ts";
import { scenarioTests } from "../harness/docker-scenario.ts";
import { makeTestCerts } from "../harness/engine.ts";
import { canConnect, freePort } from "../harness/net.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

/** `docker run -d` a container that prints `word` every 0.2 s until it is removed. */
function runTicker(host: string, name: string, word: string) {
  return docker(host, [
    "run",
    "-d",
    "--network",
    "none",
    "--name",
    name,
    "busybox",
    "sh",
    "-c",
    `while true; do echo ${word}; sleep 0.2; done`,
  ]);
}

const dir = mkdtempSync(join(tmpdir(), "ds-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

for (const middle of [[], ["debug"]]) {
  const label = middle.length ? "dockerserver → debug → simulator" : "dockerserver → simulator";
  describe(label, () => {
    const sock = join(dir, `${middle.length ? "debug" : "direct"}.sock`);
    const host = `unix://${sock}`;
    let swarmd: SwarmdProcess;

    before(async () => {
      swarmd = startSwarmd([`dockerserver ${host}`, ...middle, "simulator c1 c2 c3"]);
      await swarmd.waitFor(/dockerserver listening/, 20_000);
      assert.ok(await canConnect(sock));
    });
    after(async () => {
      if (swarmd.proc.exitCode === null) await swarmd.stop("SIGKILL");
    });

    test("the simulator's containers are listed", async () => {
      const r = await docker(host, ["ps", "--format", "{{.Names}}"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split("\n").sort(), ["c1", "c2", "c3"]);
    });

    scenarioTests(middle.length ? "dbg" : "dir", () => host);

    test("live events: a run shows up as it happens, with --filter", async () => {
      const name = `live-${middle.length}`;
      const r = await dockerUntil(
        host,
        [
          "events",
          "--filter",
          `container=${name}`,
          "--filter",
          "event=die",
          "--format",
          "{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}",
        ],
        /die/,
        {
          onStart: async () => {
            await new Promise((res) => setTimeout(res, 500));
            const run = await docker(host, [
              "run",
              "--rm",
              "--network",
              "none",
              "--name",
              name,
              "busybox",
              "sh",
              "-c",
              "exit 2",
            ]);
            assert.equal(run.code, 2, run.stderr);
          },
        },
      );
      assert.equal(r.timedOut, false);
      assert.equal(r.stdout, `die ${name} 2\n`);
    });

    test("run -it at a terminal: typed input is echoed and read, ^D ends it", async () => {
      const r = await dockerInPty(
        host,
        ["run", "-it", "--rm", "--network", "none", "busybox", "cat"],
        ["hello\r", "\u0004"],
      );
      assert.equal(r.timedOut, false);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "hello\r\nhello\r\n", "the tty echo, then cat's output");
    });

    test("logs -f follows a running container until interrupted", async () => {
      const name = `follow-${middle.length}`;
      const d = await runTicker(host, name, "tick");
      assert.equal(d.code, 0, d.stderr);
      const r = await dockerUntil(host, ["logs", "-f", name], /(tick\n){3}/);
      assert.equal(r.timedOut, false);
      assert.match(r.stdout, /^(tick\n){3,}$/);
      assert.equal((await docker(host, ["rm", "-f", name])).code, 0);
    });

    test("many concurrent commands keep working", async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          docker(host, ["run", "--rm", "--network", "none", "busybox", "echo", `n${i}`]),
        ),
      );
      assert.deepEqual(
        results.map((r) => r.stdout),
        Array.from({ length: 8 }, (_, i) => `n${i}\n`),
      );
    });

    if (middle.length) {
      test("debug saw every kind of request the CLI made (and could act on it)", () => {
        const verbs = new Set([...swarmd.output().matchAll(/"verb":"(\w+)"/g)].map((m) => m[1]));
        for (const v of [
          "Get",
          "Attach",
          "Spawn",
          "Start",
          "Stop",
          "Kill",
          "Restart",
          "Pause",
          "Unpause",
          "Rename",
          "Remove",
          "Wait",
          "Logs",
          "Exec",
          "Watch",
          "Log",
          "Pull",
        ]) {
          assert.ok(verbs.has(v), `debug logged no ${v}; saw ${[...verbs].join(" ")}`);
        }
      });
    }

    test("SIGTERM stops swarmd promptly, open streams included, and removes the socket file", async () => {
      const name = `term-${middle.length}`;
      await runTicker(host, name, "t");
      const clients = [["events"], ["logs", "-f", name], ["attach", name]].map((args) => {
        const child = spawnDocker(host, args);
        child.stdout!.resume();
        child.stderr!.resume();
        return new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
      });
      await new Promise((r) => setTimeout(r, 800));
      const t0 = Date.now();
      const code = await swarmd.stop("SIGTERM");
      assert.ok(Date.now() - t0 < 5000, "swarmd did not wait for the open streams");
      const codes = await Promise.all(clients);
      assert.equal(codes.length, 3, "every streaming client ended");
      assert.equal(code, 0, swarmd.output());
      assert.equal(existsSync(sock), false);
    });
  });
}

describe("TLS", () => {
  test("--tlsverify: the docker CLI needs a client certificate from the CA", async () => {
    const certs = await makeTestCerts(join(dir, "certs"));
    const port = await freePort();
    const host = `tcp://127.0.0.1:${port}`;
    const swarmd = startSwarmd([
      `dockerserver --tlsverify --tlscacert ${certs.ca} --tlscert ${join(certs.dir, "server-cert.pem")} --tlskey ${join(certs.dir, "server-key.pem")} ${host}`,
      "simulator t1",
    ]);
    try {
      await swarmd.waitFor(/dockerserver listening/, 20_000);
      const tls = (cert: string, key: string) => [
        "--tlsverify",
        "--tlscacert",
        certs.ca,
        "--tlscert",
        cert,
        "--tlskey",
        key,
      ];
      const ok = await docker(host, [...tls(certs.cert, certs.key), "ps", "--format", "{{.Names}}"]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, "t1\n");
      const run = await docker(host, [
        ...tls(certs.cert, certs.key),
        "run",
        "--rm",
        "--network",
        "none",
        "busybox",
        "echo",
        "over tls",
      ]);
      assert.equal(run.stdout, "over tls\n", run.stderr);
      const other = await docker(host, [...tls(certs.otherCert, certs.otherKey), "ps"]);
      assert.notEqual(other.code, 0, "a certificate from another CA is refused");
      const plain = await docker(host, ["ps"]);
      assert.notEqual(plain.code, 0, "plain HTTP is refused");
    } finally {
      await swarmd.stop();
    }
  });
});

describe("legacy and argument errors", () => {
  test("swarmd --backend 'simulator a b c' tcp://… unix://…: one Docker API on each address", async () => {
    const sock = join(dir, "legacy.sock");
    const port = await freePort();
    const swarmd = startSwarmd(["--backend", "simulator a b c", `tcp://127.0.0.1:${port}`, `unix://${sock}`]);
    try {
      await swarmd.waitFor(/dockerserver listening/, 20_000);
      for (const host of [`tcp://127.0.0.1:${port}`, `unix://${sock}`]) {
        const r = await docker(host, ["ps", "--format", "{{.Names}}"]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n").sort(), ["a", "b", "c"], host);
      }
      const created = await docker(`tcp://127.0.0.1:${port}`, [
        "create",
        "--network",
        "none",
        "--name",
        "shared",
        "busybox",
        "true",
      ]);
      assert.equal(created.code, 0, created.stderr);
      const seen = await docker(`unix://${sock}`, [
        "ps",
        "-a",
        "--filter",
        "name=shared",
        "--format",
        "{{.Names}}",
      ]);
      assert.equal(seen.stdout, "shared\n", "both addresses reach the same backend");
    } finally {
      assert.equal(await swarmd.stop(), 0);
    }
    assert.equal(existsSync(sock), false);
  });

  test("a non-loopback tcp address without TLS is served, with a warning", async () => {
    const swarmd = startSwarmd(["dockerserver tcp://0.0.0.0:0", "simulator"]);
    try {
      await swarmd.waitFor(/dockerserver listening/, 20_000);
      assert.match(swarmd.output(), /"level":40[^\n]*non-loopback address without TLS/);
    } finally {
      await swarmd.stop();
    }
  });

  test("two addresses in use: the second swarmd refuses to start with a clear error", async () => {
    const sock = join(dir, "busy.sock");
    const first = startSwarmd([`dockerserver unix://${sock}`, "simulator"]);
    try {
      await first.waitFor(/dockerserver listening/, 20_000);
      const second = startSwarmd([`dockerserver unix://${sock}`, "simulator"]);
      const code = await second.exited;
      assert.notEqual(code, 0);
      assert.match(second.output(), /address already in use/);
      assert.ok(await canConnect(sock), "the first server still serves");
    } finally {
      await first.stop();
    }
  });
});
