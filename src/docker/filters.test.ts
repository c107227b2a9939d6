import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCodes } from "../core/errors.ts";
import {
  checkPsFilters,
  labelMatches,
  listContainers,
  matchesPsFilters,
  normalizeFilters,
} from "./filters.ts";
import { inspectDoc } from "./fixtures.ts";
import { ZERO_TIME } from "./time.ts";

const hex = (c: string) => c.repeat(64);
const running = { Status: "running", Running: true, ExitCode: 0, FinishedAt: ZERO_TIME };
const docs = [
  inspectDoc({
    Id: hex("a"),
    Name: "/web",
    Created: "2026-11-23T01:00:00Z",
    state: running,
    Config: { Image: "nginx:1.25", Labels: { app: "web", tier: "front" } },
  }),
  inspectDoc({
    Id: hex("b"),
    Name: "/db",
    Created: "2026-11-23T01:01:00Z",
    state: { ExitCode: 0 },
    Config: { Image: "busybox", Labels: { app: "db" } },
  }),
  inspectDoc({ Id: hex("c"), Name: "/t1", Created: "2026-11-23T01:02:00Z", state: { ExitCode: 3 } }),
  inspectDoc({
    Id: hex("d"),
    Name: "/t2",
    Created: "2026-11-23T01:03:00Z",
    state: { Status: "paused", Running: true, Paused: true, FinishedAt: ZERO_TIME },
  }),
  inspectDoc({
    Id: hex("e"),
    Name: "/fresh",
    Created: "2026-11-23T01:04:00Z",
    state: { Status: "created", StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME, ExitCode: 0 },
  }),
];
const names = (opts: Parameters<typeof listContainers>[1]) =>
  listContainers(docs, opts).map((s) => s.Names[0]);

test("both wire forms of filters normalise to key → values", () => {
  assert.deepEqual(normalizeFilters('{"name":{"t":true},"status":{"exited":true}}'), {
    name: ["t"],
    status: ["exited"],
  });
  assert.deepEqual(normalizeFilters({ container: ["x"], type: ["container"] }), {
    container: ["x"],
    type: ["container"],
  });
  assert.deepEqual(normalizeFilters(undefined), {});
  assert.throws(() => normalizeFilters("{"), { code: ErrorCodes.InvalidArgument });
  assert.throws(() => normalizeFilters('{"name":"x"}'), { code: ErrorCodes.InvalidArgument });
  assert.throws(() => normalizeFilters('{"name":1}'), /must be a map/);
  assert.throws(() => normalizeFilters("[]"), /expected a JSON object/);
});

test("the engine takes a map's keys whatever their value (engine 20.10: status=created:false filters)", () => {
  assert.deepEqual(normalizeFilters('{"status":{"created":false},"label":{"a":true}}'), {
    status: ["created"],
    label: ["a"],
  });
});

test("id is a prefix match, as the engine's, not a regexp", () => {
  const doc = inspectDoc(); // Id 751e37cb…
  assert.ok(matchesPsFilters(doc, { id: ["751e37"] }));
  assert.ok(matchesPsFilters(doc, { id: [doc.Id] }));
  assert.ok(!matchesPsFilters(doc, { id: ["e37cb"] }));
  assert.ok(!matchesPsFilters(doc, { id: ["^751"] }));
  assert.ok(!matchesPsFilters(doc, { id: ["751.37"] }));
});

test("invalid filters are refused with the engine's wording", () => {
  assert.throws(() => checkPsFilters({ colour: ["red"] }), { message: "Invalid filter 'colour'" });
  assert.throws(() => checkPsFilters({ status: ["sleeping"] }), {
    message: "Invalid filter 'status=sleeping'",
  });
  assert.throws(() => checkPsFilters({ exited: ["x"] }), { message: "Invalid filter 'exited=x'" });
  checkPsFilters({ status: ["running", "exited"], exited: ["0"], label: ["a=b"] });
});

test("ps lists running (and paused) containers newest first; all adds the others", () => {
  assert.deepEqual(names({}), ["/t2", "/web"]);
  assert.deepEqual(names({ all: true }), ["/fresh", "/t2", "/t1", "/db", "/web"]);
  assert.deepEqual(names({ limit: 2 }), ["/fresh", "/t2"]);
});

test("name, id, status, label, ancestor, exited filters", () => {
  assert.deepEqual(names({ filters: { name: ["t"] } }), ["/t2"]);
  assert.deepEqual(names({ all: true, filters: { name: ["^/t"] } }), ["/t2", "/t1"]);
  assert.deepEqual(names({ all: true, filters: { id: ["bbb"] } }), ["/db"]);
  // A status filter lists stopped containers without -a, as the engine does.
  assert.deepEqual(names({ filters: { status: ["exited"] } }), ["/t1", "/db"]);
  assert.deepEqual(names({ filters: { status: ["exited", "created"] } }), ["/fresh", "/t1", "/db"]);
  assert.deepEqual(names({ all: true, filters: { label: ["app"] } }), ["/db", "/web"]);
  assert.deepEqual(names({ all: true, filters: { label: ["app=web"] } }), ["/web"]);
  assert.deepEqual(names({ all: true, filters: { label: ["app=web", "tier=back"] } }), []);
  assert.deepEqual(names({ all: true, filters: { ancestor: ["busybox"] } }), ["/db"]);
  assert.deepEqual(names({ all: true, filters: { ancestor: ["busybox:latest"] } }), ["/db"]);
  assert.deepEqual(names({ all: true, filters: { ancestor: ["88962ef7"] } }), [
    "/fresh",
    "/t2",
    "/t1",
    "/db",
    "/web",
  ]);
  assert.deepEqual(names({ all: true, filters: { ancestor: ["nginx"] } }), []);
  assert.deepEqual(names({ all: true, filters: { ancestor: ["nginx:1.25"] } }), ["/web"]);
  assert.deepEqual(names({ all: true, filters: { exited: ["3"] } }), ["/t1"]);
  // exited never matches a container that never ran, or one still running.
  assert.deepEqual(names({ all: true, filters: { exited: ["0"] } }), ["/db"]);
});

test("before and since compare creation order; an unknown reference is a 404", () => {
  assert.deepEqual(names({ all: true, filters: { before: ["t1"] } }), ["/db", "/web"]);
  assert.deepEqual(names({ all: true, filters: { since: ["t1"] } }), ["/fresh", "/t2"]);
  assert.deepEqual(names({ all: true, filters: { since: [hex("a").slice(0, 6)] } }), [
    "/fresh",
    "/t2",
    "/t1",
    "/db",
  ]);
  assert.throws(() => names({ all: true, filters: { before: ["ghost"] } }), {
    code: ErrorCodes.NotFound,
    message: "No such container: ghost",
  });
});

test("single-container matching and labels", () => {
  assert.ok(matchesPsFilters(docs[0]!, { name: ["web"], status: ["running"] }));
  assert.ok(!matchesPsFilters(docs[0]!, { name: ["web"], status: ["exited"] }));
  assert.ok(labelMatches({ a: "" }, "a="));
  assert.ok(!labelMatches(null, "a"));
});
