import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCodes } from "../../core/errors.ts";
import { buildConfig } from "./config.ts";
import { EventBus, eventJSON, eventMatches } from "./events.ts";
import { ImageStore } from "./images.ts";
import { LogBuffer } from "./logbuffer.ts";
import { parseArgs } from "./options.ts";
import { resolveRef } from "./resolve.ts";
import { DetachScanner, LineDiscipline, parseDetachKeys } from "./tty.ts";

test("the log keeps one entry per line, in order, within its cap", () => {
  const log = new LogBuffer(20);
  log.append("stdout", "a\nbb\npartial");
  assert.deepEqual(
    log.from(0).map((e) => e.data),
    ["a\n", "bb\n", "partial"],
  );
  assert.deepEqual(
    log.from(2).map((e) => [e.seq, e.data]),
    [
      [2, "bb\n"],
      [3, "partial"],
    ],
  );
  log.append("stderr", "0123456789\n");
  assert.ok(log.size <= 20);
  assert.deepEqual(
    log.from(0).map((e) => e.data),
    ["partial", "0123456789\n"],
  );
  assert.equal(log.from(log.end).length, 0);
  for (let i = 0; i < 5000; i++) log.append("stdout", "x\n");
  assert.ok(log.size <= 20);
  assert.equal(log.from(0).length, 10);
});

test("events serialise in Docker's shape with an exact timeNano, and filter like the engine", () => {
  const bus = new EventBus();
  const e = bus.emit({
    type: "container",
    action: "exec_create: sh -c true",
    actorId: "a".repeat(64),
    from: "busybox",
    attributes: { name: "t1", image: "busybox", execID: "e" },
  });
  const text = eventJSON(e);
  assert.match(
    text,
    /^\{"status":"exec_create: sh -c true","id":"a{64}","from":"busybox","Type":"container","Action":"exec_create: sh -c true","Actor":\{"ID":"a{64}","Attributes":\{"execID":"e","image":"busybox","name":"t1"\}\},"scope":"local","time":\d{10},"timeNano":\d{19}\}$/,
  );
  assert.equal(/"timeNano":(\d+)/.exec(text)![1], String(e.ns));
  assert.ok(eventMatches(e, { event: ["exec_create"], container: ["t1"], type: ["container"] }));
  assert.ok(eventMatches(e, { container: ["aaaa"] }));
  assert.ok(!eventMatches(e, { event: ["start"] }));
  assert.ok(!eventMatches(e, { type: ["network"] }));
  const net = bus.emit({
    type: "network",
    action: "connect",
    actorId: "n",
    attributes: { name: "none", container: "x" },
  });
  assert.ok(!eventJSON(net).includes('"status"'));
  assert.deepEqual(
    bus.from(e.seq + 1).map((x) => x.action),
    ["connect"],
  );
  for (let i = 0; i < 5000; i++)
    bus.emit({ type: "network", action: "connect", actorId: "n", attributes: {} });
  assert.ok(bus.all().length <= 2048);
  assert.equal(bus.from(bus.end - 3).length, 3);
});

test("lookup: full ID, then name, then unique prefix", () => {
  const byId = new Map([
    ["abc1", "A"],
    ["abd2", "B"],
  ]);
  const byName = new Map([["abd2x", "A"]]);
  assert.equal(resolveRef("abc1", byId, byName), "A");
  assert.equal(resolveRef("/abd2x", byId, byName), "A");
  assert.equal(resolveRef("abc", byId, byName), "A");
  assert.throws(() => resolveRef("ab", byId, byName), { code: ErrorCodes.InvalidArgument });
  assert.throws(() => resolveRef("zz", byId, byName), {
    code: ErrorCodes.NotFound,
    message: "No such container: zz",
  });
  assert.throws(() => resolveRef("", byId, byName), { code: ErrorCodes.NotFound });
});

test("the line discipline echoes, edits, interrupts and ends input", async () => {
  const seen: string[] = [];
  let echo = "";
  let eof = 0;
  let interrupts = 0;
  const tty = new LineDiscipline({
    echo: async (d) => void (echo += d),
    deliver: async (d) => void seen.push(d),
    eof: () => void eof++,
    interrupt: () => void interrupts++,
  });
  await tty.input("helo\x7flo\r");
  await tty.input("ab\x15cd\n\tx\x03");
  await tty.input("\x04");
  assert.deepEqual(seen, ["hello\n", "cd\n"]);
  assert.equal(echo, "helo\b \blo\r\nab\b \b\b \bcd\r\n\tx^C\r\n");
  assert.equal(interrupts, 1);
  assert.equal(eof, 1);
  await tty.input("partial");
  await tty.close();
  assert.deepEqual(seen.at(-1), "partial");
  assert.equal(eof, 2);
});

test("images: built-ins, extras, references and IDs", () => {
  const store = new ImageStore(["nginx:1.25", "127.0.0.1:5000/team/app"]);
  assert.equal(store.count, 4);
  const bb = store.get("docker.io/library/busybox");
  assert.deepEqual(bb.repoTags, ["busybox:latest"]);
  assert.equal(store.find(bb.id), bb);
  assert.equal(store.find(bb.id.slice(7, 19)), bb);
  assert.equal(store.find("127.0.0.1:5000/team/app:latest")?.repoTags[0], "127.0.0.1:5000/team/app:latest");
  assert.equal(new ImageStore().get("alpine").id, store.get("alpine").id, "IDs are stable");
  assert.throws(() => store.get("nginx"), {
    code: ErrorCodes.NotFound,
    message: "No such image: nginx:latest",
  });
  assert.deepEqual(store.get("nginx:1.25").cmd, ["nginx"]);
  assert.deepEqual(store.get("127.0.0.1:5000/team/app").cmd, ["app"]);
  const inspect = store.inspect(bb);
  assert.deepEqual((inspect.Config as { Cmd: string[] }).Cmd, ["sh"]);
  assert.equal(store.summary(bb).Containers, -1);
});

test("create bodies become the engine's Config and HostConfig", () => {
  const image = new ImageStore().get("busybox");
  const id = "f".repeat(64);
  const plain = buildConfig(
    { Image: "busybox", Env: ["A=1", "PATH=/x"], HostConfig: { NetworkMode: "none", MemorySwappiness: -1 } },
    image,
    id,
  );
  assert.deepEqual(plain.argv, ["sh"]);
  assert.equal(plain.config.Hostname, "ffffffffffff");
  assert.deepEqual(plain.config.Env, ["PATH=/x", "A=1"]);
  assert.equal((plain.hostConfig.LogConfig as { Type: string }).Type, "json-file");
  assert.equal(plain.hostConfig.MemorySwappiness, null);
  assert.equal(plain.hostConfig.NetworkMode, "none");
  const ep = buildConfig({ Image: "busybox", Entrypoint: ["echo"], Cmd: null }, image, id);
  assert.deepEqual(ep.argv, ["echo"], "an explicit entrypoint drops the image's Cmd");
  const both = buildConfig({ Image: "busybox", Entrypoint: "echo", Cmd: ["a", "b"] }, image, id);
  assert.deepEqual(both.argv, ["echo", "a", "b"]);
  assert.throws(() => buildConfig({ Image: "busybox", Entrypoint: [], Cmd: [] }, image, id), {
    code: ErrorCodes.InvalidArgument,
    message: "No command specified",
  });
});

test("command-line options", () => {
  assert.deepEqual(parseArgs(["web", "--image", "nginx", "--containers=3", "/db"]), {
    names: ["web", "db"],
    images: ["nginx"],
    containers: 3,
    logCap: 1024 * 1024,
  });
  assert.equal(parseArgs(["--log-cap", "10"]).logCap, 10);
  assert.throws(() => parseArgs(["--containers", "100001"]), { code: ErrorCodes.InvalidArgument });
});

test("detach keys: parsed like the engine's, matched across chunks, partial matches let through", () => {
  assert.equal(parseDetachKeys(undefined), "\x10\x11");
  assert.equal(parseDetachKeys("ctrl-a,x"), "\x01x");
  assert.throws(() => parseDetachKeys("ctrl-aa"), { message: "Invalid escape keys (ctrl-aa) provided" });
  const s = new DetachScanner("\x10\x11");
  assert.deepEqual(s.feed("ab\x10"), { data: "ab", detached: false });
  assert.deepEqual(s.feed("c"), { data: "\x10c", detached: false });
  assert.deepEqual(s.feed("\x10"), { data: "", detached: false });
  assert.deepEqual(s.feed("\x11rest"), { data: "", detached: true });
});

test("the shell parser never throws: any text is a script or unsupported (property)", async () => {
  const fc = (await import("fast-check")).default;
  const { parseScript } = await import("./shell.ts");
  const alphabet = fc.constantFrom(
    ..."ab $?{}'\"\\;&|<>()`\n\t=#-12".split(""),
    "while ",
    "do ",
    "done",
    "if ",
    "then ",
    "fi",
    "for ",
    "in ",
    ">&2",
    "2>/dev/null",
  );
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 40 }), (parts) => {
      const r = parseScript(parts.join(""));
      return r === undefined || Array.isArray(r);
    }),
    { numRuns: 2000 },
  );
});
