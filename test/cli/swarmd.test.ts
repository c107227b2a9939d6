import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { services } from "../../src/services/catalogue.ts";
import { runSwarmd, startSwarmd } from "../harness/swarmd.ts";

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
});
