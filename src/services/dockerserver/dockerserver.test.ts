/** Unit tests of dockerserver's pure parts: negotiation, options, filters, summaries, framing. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkPsFilters, matchesPsFilters, normalizeFilters } from "../../docker/filters.ts";
import { containerSummary, statusText } from "../../docker/summary.ts";
import { asInspect, type SparseInspect } from "./inspect.ts";
import { isLoopback, parseAddress, parseOptions } from "./options.ts";
import { endpoints } from "./router.ts";
import { frame, parseFrames } from "./stdcopy.ts";
import { checkVersion, splitVersion } from "./version.ts";

describe("version", () => {
  test("splitVersion", () => {
    assert.deepEqual(splitVersion("/v1.41/containers/json?all=1"), {
      version: "1.41",
      path: "/containers/json?all=1",
    });
    assert.deepEqual(splitVersion("/version"), { version: "", path: "/version" });
    assert.deepEqual(splitVersion("/v1.4x/info"), { version: "", path: "/v1.4x/info" });
  });
  test("checkVersion", () => {
    assert.equal(checkVersion("1.41"), undefined);
    assert.equal(checkVersion("1.12"), undefined);
    assert.equal(checkVersion("1.24"), undefined);
    assert.equal(checkVersion("1.50")?.json, true);
    assert.equal(checkVersion("1.11")?.json, false);
    assert.match(checkVersion("2.0")!.message, /too new/);
  });
});

describe("options", () => {
  test("addresses", () => {
    assert.deepEqual(parseAddress("tcp://0.0.0.0:2375"), {
      kind: "tcp",
      host: "0.0.0.0",
      port: 2375,
      url: "tcp://0.0.0.0:2375",
    });
    assert.deepEqual(parseAddress("tcp://[::1]:1"), {
      kind: "tcp",
      host: "::1",
      port: 1,
      url: "tcp://[::1]:1",
    });
    assert.deepEqual(parseAddress("unix:///tmp/x.sock"), {
      kind: "unix",
      path: "/tmp/x.sock",
      url: "unix:///tmp/x.sock",
    });
    assert.throws(() => parseAddress("tcp://h:1/path"), { code: "SWARM_ERR_INVALID_ARGUMENT" });
    assert.throws(() => parseAddress("udp://h:1"), { code: "SWARM_ERR_INVALID_ARGUMENT" });
  });
  test("defaults and flags", () => {
    assert.deepEqual(
      parseOptions([]).addresses.map((a) => a.url),
      ["tcp://127.0.0.1:4243"],
    );
    const o = parseOptions([
      "--tlsverify",
      "--tlscacert=ca",
      "--tlscert",
      "c",
      "--tlskey",
      "k",
      "tcp://0.0.0.0:1",
    ]);
    assert.deepEqual(o.tls, { verify: true, ca: "ca", cert: "c", key: "k" });
    assert.equal(parseOptions(["--tlscert", "c", "--tlskey", "k"]).tls?.verify, false);
    assert.throws(() => parseOptions(["--tlsverify", "--tlscert", "c", "--tlskey", "k"]), /--tlscacert/);
  });
  test("loopback", () => {
    assert.ok(isLoopback("127.0.0.1"));
    assert.ok(isLoopback("localhost"));
    assert.ok(isLoopback("::1"));
    assert.ok(!isLoopback("0.0.0.0"));
  });
});

describe("filters (the shared src/docker/filters.ts, on what backends send)", () => {
  test("both wire forms become lists", () => {
    assert.deepEqual(normalizeFilters('{"name":{"t":true},"status":{"exited":true}}'), {
      name: ["t"],
      status: ["exited"],
    });
    assert.deepEqual(normalizeFilters('{"name":["t"]}'), { name: ["t"] });
    assert.deepEqual(normalizeFilters(undefined), {});
    assert.throws(() => normalizeFilters('{"name":1}'), /must be a map/);
    assert.throws(() => normalizeFilters("[]"), /expected a JSON object/);
  });
  test("validation", () => {
    assert.throws(() => checkPsFilters({ nope: ["x"] }), /Invalid filter 'nope'/);
    // Engine 20.10.24 accepts a name that is not a regexp (200, matching nothing); so do we.
    checkPsFilters({ name: ["("] });
    assert.ok(!matchesPsFilters(asInspect({ Id: "a", Name: "/web1" }), { name: ["("] }));
    checkPsFilters({ name: ["^/t"], status: ["paused"], label: ["a=b"] });
  });
  test("matching: name is a regexp on /name, label key or key=value, id prefix", () => {
    const c = asInspect({
      Id: "abcdef",
      Name: "/web1",
      State: { Status: "running" },
      Config: { Image: "", Labels: { tier: "front" } },
    });
    const m = (f: Record<string, string[]>) => matchesPsFilters(c, f);
    assert.ok(m({ name: ["web"] }));
    assert.ok(m({ name: ["^/web1$"] }));
    assert.ok(!m({ name: ["^web1$"] }));
    assert.ok(m({ label: ["tier"] }));
    assert.ok(m({ label: ["tier=front"] }));
    assert.ok(!m({ label: ["tier=back"] }));
    assert.ok(m({ id: ["abc"] }));
    assert.ok(!m({ id: ["bcd"] }));
    assert.ok(m({ status: ["exited", "running"] }));
    assert.ok(!m({ status: ["exited"] }));
  });
});

describe("summaries of sparse inspect documents", () => {
  test("status text and summary shape", () => {
    const now = Date.parse("2026-01-01T00:10:00Z");
    const exited = {
      Id: "x",
      Name: "/t",
      Created: "2026-01-01T00:00:00Z",
      Path: "sh",
      Args: ["-c", "exit 3"],
      State: {
        Status: "exited",
        ExitCode: 3,
        FinishedAt: "2026-01-01T00:07:00Z",
        StartedAt: "2026-01-01T00:06:00Z",
      },
      Config: { Image: "busybox", Labels: { a: "b" } },
    };
    const status = (doc: SparseInspect) => statusText(asInspect(doc).State, now);
    assert.equal(status(exited), "Exited (3) 3 minutes ago");
    const s = containerSummary(asInspect(exited), { now });
    assert.equal(s.Command, "sh -c 'exit 3'");
    assert.deepEqual(s.Names, ["/t"]);
    assert.equal(s.Created, Date.parse("2026-01-01T00:00:00Z") / 1000);
    const created = { ...exited, State: { Status: "created", FinishedAt: "0001-01-01T00:00:00Z" } };
    assert.equal(status(created), "Created");
    const paused = { ...exited, State: { Status: "paused", StartedAt: "2026-01-01T00:09:58Z" } };
    assert.equal(status(paused), "Up 2 seconds (Paused)");
  });
});

describe("stdcopy", () => {
  test("frames as the engine writes them", () => {
    assert.deepEqual([...frame("stdout", "hi\n")], [1, 0, 0, 0, 0, 0, 0, 3, 0x68, 0x69, 0x0a]);
    assert.equal(frame("stderr", "")[0], 2);
    const bytes = "\u00ff\u0000binary";
    const f = [...parseFrames(Buffer.concat([frame("stdout", bytes), frame("stderr", "e")]))];
    assert.deepEqual(
      f.map((x) => [x.stream, x.payload.toString("latin1")]),
      [
        [1, bytes],
        [2, "e"],
      ],
    );
  });
});

test("every endpoint of the coverage table is routed once", () => {
  const keys = endpoints.map((e) => `${e.method} ${e.path}`);
  assert.equal(new Set(keys).size, keys.length);
  assert.deepEqual(
    endpoints.filter((e) => e.hijack).map((e) => e.path),
    ["/containers/:id/attach", "/exec/:id/start"],
  );
});
