import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { services } from "../../src/services/catalogue.ts";
import { repoRoot, runSwarmd, startSwarmd, swarmdBin } from "../harness/swarmd.ts";

describe("swarmd CLI (the built binary)", () => {
  it("with no arguments lists every service of the catalogue with its summary and usage", async () => {
    const r = await runSwarmd([]);
    assert.equal(r.code, 0, r.stderr);
    for (const s of services) {
      assert.ok(r.stdout.includes(s.name), `listing lacks ${s.name}`);
      assert.ok(r.stdout.includes(s.summary), `listing lacks the summary of ${s.name}`);
      assert.ok(r.stdout.includes(`usage: ${s.usage}`), `listing lacks the usage of ${s.name}`);
    }
  });

  it("-h prints usage and --version the package version", async () => {
    const h = await runSwarmd(["-h"]);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Usage:/);
    const v = await runSwarmd(["--version"]);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^swarmd \d+\.\d+\.\d+\n$/);
  });

  it("an unknown service gives one clear line on stderr and exit 1", async () => {
    const r = await runSwarmd(["nosuchservice"]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.match(r.stderr, /^swarmd: unknown service: nosuchservice/);
  });

  it("an unclosed quote gives one clear line on stderr and exit 1", async () => {
    const r = await runSwarmd(['debug "unclosed']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.match(r.stderr, /^swarmd: cannot parse/);
  });

  it("a service that refuses its arguments fails to spawn with a clear line", async () => {
    const r = await runSwarmd(["fakeclient --interval nope"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^swarmd: --interval takes milliseconds/);
  });

  it("bad options are refused", async () => {
    const r = await runSwarmd(["--log-level", "loud", "fakeclient"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--log-level must be one of/);
    const b = await runSwarmd(["--backend", "simulator", "not-a-url"]);
    assert.equal(b.code, 1);
    assert.match(b.stderr, /is not one/);
  });

  it("prints a fakeclient heartbeat within 3 s, and exits 0 on SIGTERM", async () => {
    const d = startSwarmd(["fakeclient"]);
    // Node's start-up time is not swarmd's: the 3 s count from the "started" line.
    await d.waitFor(/"msg":"swarmd started"/, 15_000);
    const m = await d.waitFor(/"msg":"fakeclient heartbeat 1"/, 3000);
    assert.ok(m);
    assert.equal(await d.stop("SIGTERM"), 0);
    assert.match(d.output(), /"reason":"SIGTERM"/);
  });

  it("exits 0 on SIGINT too, with the chain stopped front to back", async () => {
    const d = startSwarmd(["fakeclient --interval 50", "debug"]);
    await d.waitFor(/fakeclient heartbeat 2/, 15_000);
    assert.equal(await d.stop("SIGINT"), 0);
  });

  describe("on a unix socket", () => {
    const dir = mkdtempSync(join(tmpdir(), "swarmd-cli-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const answers = (path: string) =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(path);
        s.once("connect", () => {
          s.destroy();
          resolve(true);
        });
        s.once("error", () => resolve(false));
      });

    it("a second SIGINT while stopping does not kill swarmd half-way: exit 0, socket removed", async () => {
      const sock = join(dir, "twice.sock");
      const d = startSwarmd([`dockerserver unix://${sock}`, "simulator web"]);
      await d.waitFor(/dockerserver listening/, 15_000);
      // A terminal's Ctrl-C reaches the whole process group, and `npm start` forwards it again.
      d.proc.kill("SIGINT");
      await d.waitFor(/"reason":"SIGINT"/, 5000);
      d.proc.kill("SIGINT");
      assert.equal(await d.stop("SIGINT"), 0, d.output());
      assert.equal(existsSync(sock), false, "the socket file is left behind");
    });

    it("npm start under Ctrl-C (SIGINT to the whole process group): exit 0, socket removed", async () => {
      const sock = join(dir, "start.sock");
      const proc = spawn(process.execPath, [join(repoRoot, "scripts/start.mjs")], {
        cwd: repoRoot,
        detached: true, // its own process group, as a terminal gives a foreground job
        env: { ...process.env, SWARMD_ADDR: `unix://${sock}` },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let err = "";
      proc.stderr!.on("data", (d) => (err += d));
      const exited = new Promise<number | string>((r) => proc.on("exit", (c, sig) => r(c ?? sig ?? -1)));
      try {
        const t0 = Date.now();
        while (!(await answers(sock))) {
          assert.ok(Date.now() - t0 < 15_000, `no socket; stderr:\n${err}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        process.kill(-proc.pid!, "SIGINT");
        assert.equal(await exited, 0, err);
        assert.equal(existsSync(sock), false, "the socket file is left behind");
      } finally {
        if (proc.exitCode === null && proc.signalCode === null) process.kill(-proc.pid!, "SIGKILL");
      }
    });

    it("an uncaught exception in a service stops the chain: exit 1, one fatal line, socket removed", async () => {
      const sock = join(dir, "bug.sock");
      // Stands in for a bug in a service: an exception thrown from a callback nobody catches.
      const bug = `process.on("SIGUSR2", () => setImmediate(() => { throw new Error("injected bug"); }));`;
      const d = startSwarmd([`dockerserver unix://${sock}`, "simulator web"], {
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=data:text/javascript,${encodeURIComponent(bug)}`,
      });
      await d.waitFor(/dockerserver listening/, 15_000);
      d.proc.kill("SIGUSR2");
      assert.equal(await d.exited, 1, d.output());
      assert.match(d.output(), /"msg":"fatal: injected bug"/);
      assert.equal(existsSync(sock), false, "the socket file is left behind");
    });

    it("a second swarmd on the same socket fails with one clear line and exit 1; the first keeps it", async () => {
      const sock = join(dir, "busy.sock");
      const first = startSwarmd([`dockerserver unix://${sock}`, "simulator web"]);
      try {
        await first.waitFor(/dockerserver listening/, 15_000);
        const second = await runSwarmd([`dockerserver unix://${sock}`, "simulator web"]);
        assert.equal(second.code, 1, second.stderr);
        // Info lines aside (started, stopping), the failure is one line.
        const errors = second.stderr.split("\n").filter((l) => l.trim() !== "" && !/\bINFO\b/.test(l));
        assert.equal(errors.length, 1, second.stderr);
        assert.match(errors[0]!, /address already in use/);
        assert.equal(await answers(sock), true, "the first swarmd's socket was taken away");
      } finally {
        assert.equal(await first.stop("SIGINT"), 0, first.output());
      }
      assert.equal(existsSync(sock), false);
    });
  });

  it("bin/swarmd.js runs the build, unless a source is newer than it (a stale dist/)", () => {
    const dir = mkdtempSync(join(tmpdir(), "swarmd-bin-"));
    try {
      for (const d of ["bin", "dist/cli", "src/cli"]) mkdirSync(join(dir, d), { recursive: true });
      copyFileSync(swarmdBin, join(dir, "bin/swarmd.js"));
      symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
      writeFileSync(join(dir, "package.json"), '{"type":"module"}');
      writeFileSync(join(dir, "src/cli/main.ts"), 'console.log("from src");');
      writeFileSync(join(dir, "dist/cli/main.js"), 'console.log("from dist");');
      const run = () =>
        execFileSync(process.execPath, [join(dir, "bin/swarmd.js")], { encoding: "utf8" }).trim();
      const t = Date.now() / 1000;
      utimesSync(join(dir, "src/cli/main.ts"), t - 60, t - 60);
      utimesSync(join(dir, "dist/cli/main.js"), t - 30, t - 30);
      assert.equal(run(), "from dist");
      utimesSync(join(dir, "src/cli/main.ts"), t, t); // edited after the build
      assert.equal(run(), "from src");
      rmSync(join(dir, "dist"), { recursive: true });
      assert.equal(run(), "from src");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
