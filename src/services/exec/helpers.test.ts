import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { DetachScanner, parseDetachKeys } from "./detach.ts";
import { EventLog, eventJSON } from "./events.ts";
import { commandOf } from "./inspect.ts";
import { type LogEntry, LogFile, logRotationOf, logTime, selectEntries, splitLines } from "./logfile.ts";
import { lookPath, resolveUser } from "./lookup.ts";
import { checkRestartPolicy, nextDelay, shouldRestart, startsWithService } from "./restart-policy.ts";
import { exitCodeOf, parseSignal } from "./signals.ts";
import { parsePs } from "./top.ts";

describe("exec helpers", () => {
  const dir = mkdtempSync(join(tmpdir(), "swarm-exec-helpers-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("signals: names, SIG names, numbers; exit codes are 128+n for a signal", () => {
    assert.equal(parseSignal("HUP"), "SIGHUP");
    assert.equal(parseSignal("sigterm"), "SIGTERM");
    assert.equal(parseSignal("9"), "SIGKILL");
    assert.throws(() => parseSignal("NOPE"), /Invalid signal: NOPE/);
    assert.throws(() => parseSignal("999"), /Invalid signal: 999/);
    assert.equal(exitCodeOf(null, "SIGKILL"), 137);
    assert.equal(exitCodeOf(null, "SIGTERM"), 143);
    assert.equal(exitCodeOf(3, null), 3);
  });

  test("lookPath words its errors as runc does", () => {
    assert.match(lookPath("sh", "/usr/bin:/bin", "/"), /\/sh$/);
    assert.throws(() => lookPath("nope-x", "/usr/bin:/bin", "/"), {
      message: 'exec: "nope-x": executable file not found in $PATH',
    });
    assert.throws(() => lookPath("./missing", "/bin", dir), {
      message: 'exec: "./missing": stat ./missing: no such file or directory',
    });
    const plain = join(dir, "plain");
    writeFileSync(plain, "x");
    chmodSync(plain, 0o644);
    assert.throws(() => lookPath("./plain", "/bin", dir), { message: 'exec: "./plain": permission denied' });
    assert.throws(() => lookPath(dir, "/bin", "/"), /permission denied/, "a directory is not a program");
  });

  test("users: names, numbers, groups; unknown names in the engine's words", () => {
    assert.deepEqual(resolveUser("root"), { uid: 0, gid: 0, home: "/root", name: "root" });
    assert.equal(resolveUser("")?.uid, undefined);
    assert.equal(resolveUser("4242:4343")?.gid, 4343);
    assert.throws(
      () => resolveUser("no-such-user-x"),
      /unable to find user no-such-user-x: no matching entries/,
    );
    assert.throws(() => resolveUser("root:no-such-group-x"), /unable to find group no-such-group-x/);
  });

  test("ps output: titles from the header, rows of the given PIDs, the command keeps its spaces", () => {
    const out = [
      "UID          PID    PPID  C STIME TTY          TIME CMD",
      "root           1       0  0 06:00 ?        00:00:01 /sbin/init splash",
      "root         200       1  0 06:01 ?        00:00:00 sh -c while true; do sleep 1; done",
      "root         201     200  0 06:01 ?        00:00:00 sleep 1",
      "",
    ].join("\n");
    const r = parsePs(out, [200, 201]);
    assert.deepEqual(r.Titles, ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
    assert.deepEqual(r.Processes, [
      ["root", "200", "1", "0", "06:01", "?", "00:00:00", "sh -c while true; do sleep 1; done"],
      ["root", "201", "200", "0", "06:01", "?", "00:00:00", "sleep 1"],
    ]);
    assert.throws(() => parsePs("USER COMMAND\nroot x\n", [1]), /Couldn't find PID field/);
  });

  test("log entries: one per line, tail, time window, streams", () => {
    assert.deepEqual(splitLines(Buffer.from("a\nb\nc")), ["a\n", "b\n", "c"]);
    assert.match(logTime(1_795_397_900_000_000_000n), /^2026-11-23T\d\d:\d\d:\d\d\.000000000Z$/);
    const at = (s: number) => logTime(BigInt(s) * 1_000_000_000n);
    const entries: LogEntry[] = [
      { log: "1\n", stream: "stdout", time: at(100) },
      { log: "2\n", stream: "stderr", time: at(200) },
      { log: "3\n", stream: "stdout", time: at(300) },
    ];
    assert.deepEqual(
      selectEntries(entries, { tail: "2" }).map((e) => e.log),
      ["2\n", "3\n"],
    );
    assert.deepEqual(selectEntries(entries, { tail: "0" }), []);
    assert.deepEqual(
      selectEntries(entries, { stderr: false }).map((e) => e.log),
      ["1\n", "3\n"],
    );
    assert.deepEqual(
      selectEntries(entries, { since: 150, until: 250 }).map((e) => e.log),
      ["2\n"],
    );
  });

  test("the log file: append splits lines; the tail is read from the end, across blocks", () => {
    const file = new LogFile(join(dir, "tail-json.log"));
    for (let i = 0; i < 5000; i++) file.append(i % 2 ? "stderr" : "stdout", Buffer.from(`line ${i} é\n`));
    file.append("stdout", Buffer.from("a\nb"));
    file.close();
    const all = file.read();
    assert.equal(all.length, 5002);
    assert.deepEqual(
      file.readTail(3).map((e) => e.log),
      ["line 4999 \u00c3\u00a9\n", "a\n", "b"],
      "bytes come back as byte strings",
    );
    assert.equal(file.readTail(10_000).length, 5002);
    assert.deepEqual(file.readTail(0), []);
    assert.deepEqual(
      file.select({ tail: "2", stdout: true, stderr: true }).map((e) => e.log),
      ["a\n", "b"],
    );
    assert.equal(file.select({ tail: "2", stderr: false }).length, 2);
    assert.equal(file.select({}).length, 5002);
  });

  test("detach keys: parsing, and the sequence found across chunks with false starts given back", () => {
    assert.deepEqual(parseDetachKeys(""), [16, 17]);
    assert.deepEqual(parseDetachKeys("ctrl-a,x"), [1, 120]);
    assert.deepEqual(parseDetachKeys("ctrl-@,ctrl-["), [0, 27]);
    assert.throws(() => parseDetachKeys("ctrl-1"), /Invalid detach keys \(ctrl-1\) provided/);
    const s = new DetachScanner([16, 17]);
    assert.deepEqual(s.feed(Buffer.from("ab\x10")), { pass: Buffer.from("ab"), detached: false });
    assert.deepEqual(s.feed(Buffer.from("c")), { pass: Buffer.from("\x10c"), detached: false });
    assert.deepEqual(s.feed(Buffer.from("\x10\x10")), { pass: Buffer.from("\x10"), detached: false });
    assert.deepEqual(s.feed(Buffer.from("\x11rest")), { pass: Buffer.from(""), detached: true });
  });

  test("restart policies: who restarts, the back-off, what create refuses", () => {
    assert.equal(shouldRestart({ Name: "always" }, 0, 5, false), true);
    assert.equal(shouldRestart({ Name: "always" }, 1, 0, true), false, "never after a user's stop");
    assert.equal(shouldRestart({ Name: "on-failure" }, 0, 0, false), false);
    assert.equal(shouldRestart({ Name: "on-failure", MaximumRetryCount: 2 }, 1, 1, false), true);
    assert.equal(shouldRestart({ Name: "on-failure", MaximumRetryCount: 2 }, 1, 2, false), false);
    assert.equal(shouldRestart({ Name: "no" }, 1, 0, false), false);
    assert.equal(startsWithService({ Name: "unless-stopped" }, true), false);
    assert.equal(startsWithService({ Name: "unless-stopped" }, false), true);
    assert.equal(startsWithService({ Name: "on-failure" }, false), false);
    assert.deepEqual(
      [nextDelay(0, 0), nextDelay(100, 50), nextDelay(200, 50), nextDelay(40_000, 5), nextDelay(800, 10_000)],
      [100, 200, 400, 60_000, 100],
    );
    assert.throws(
      () => checkRestartPolicy({ Name: "sometimes" }, false),
      /invalid restart policy 'sometimes'/,
    );
    assert.throws(
      () => checkRestartPolicy({ Name: "always", MaximumRetryCount: 1 }, false),
      /maximum retry count/,
    );
    assert.throws(() => checkRestartPolicy({ Name: "always" }, true), /AutoRemove/);
    checkRestartPolicy({ Name: "no" }, true);
  });

  test("log rotation: max-size and max-file, read across the files, oldest first", () => {
    const file = new LogFile(join(dir, "rot-json.log"), { maxSize: 1000, maxFiles: 3 });
    for (let i = 0; i < 200; i++) file.append("stdout", Buffer.from(`line ${i}\n`));
    file.close();
    const path = join(dir, "rot-json.log");
    assert.deepEqual(
      [existsSync(path), existsSync(`${path}.1`), existsSync(`${path}.2`), existsSync(`${path}.3`)],
      [true, true, true, false],
    );
    for (const f of [path, `${path}.1`, `${path}.2`]) assert.ok(statSync(f).size <= 1000);
    const all = file.read().map((e) => Number(e.log.split(" ")[1]));
    assert.ok(all.length < 200 && all.length > 20, `${all.length} entries kept`);
    assert.deepEqual(
      all,
      [...all].sort((a, b) => a - b),
      "in order",
    );
    assert.equal(all.at(-1), 199);
    assert.deepEqual(file.readTail(5), file.read().slice(-5));
    assert.deepEqual(file.readTail(10_000), file.read(), "a tail longer than the current file");
    // One chunk larger than max-size rotates between its lines too.
    const big = new LogFile(join(dir, "big-json.log"), { maxSize: 500, maxFiles: 2 });
    big.append("stdout", Buffer.from(Array.from({ length: 100 }, (_, i) => `row ${i}\n`).join("")));
    big.close();
    for (const f of [join(dir, "big-json.log"), join(dir, "big-json.log.1")])
      assert.ok(statSync(f).size <= 500);
    assert.equal(big.read().at(-1)?.log, "row 99\n");
    assert.deepEqual(logRotationOf({ Type: "", Config: {} }), { maxSize: 0, maxFiles: 1 });
    assert.deepEqual(logRotationOf({ Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } }), {
      maxSize: 10 * 1024 * 1024,
      maxFiles: 3,
    });
    assert.throws(() => logRotationOf({ Type: "syslog" }), /logging driver "syslog" is not supported/);
    assert.throws(() => logRotationOf({ Config: { "max-size": "big" } }), /invalid size/);
    assert.throws(() => logRotationOf({ Config: { compress: "true" } }), /unknown log opt 'compress'/);
    assert.throws(
      () => logRotationOf({ Config: { "max-file": "2" } }),
      /max-file cannot be set without max-size/,
    );
  });

  test("Entrypoint and Cmd: lists, or a shell string", () => {
    assert.deepEqual(commandOf(["/entry"], ["a", "b"]), ["/entry", "a", "b"]);
    assert.deepEqual(commandOf(null, "echo hi"), ["/bin/sh", "-c", "echo hi"]);
    assert.deepEqual(commandOf(null, null), []);
  });

  test("events: engine JSON with an exact timeNano; since replays, filters apply", async () => {
    const log = new EventLog();
    log.emit("create", "a".repeat(64), { image: "busybox", name: "one" });
    log.emit("start", "b".repeat(64), { image: "busybox", name: "two" });
    const got: string[] = [];
    const ac = new AbortController();
    await log.watch(
      { since: 0, until: Date.now() / 1000 + 0.05, filters: { container: ["one"] } },
      async (json) => {
        got.push(json);
        return true;
      },
      ac.signal,
    );
    assert.equal(got.length, 1);
    const e = JSON.parse(got[0]!);
    assert.deepEqual(
      [e.status, e.Action, e.from, e.Actor.Attributes.name, e.scope],
      ["create", "create", "busybox", "one", "local"],
    );
    assert.match(got[0]!, /"timeNano":\d{19}\}$/);
    assert.match(
      eventJSON({
        type: "container",
        action: "die",
        id: "x",
        attributes: {},
        timeNano: 1795397912542806583n,
      }),
      /"time":1795397912,"timeNano":1795397912542806583\}$/,
    );
  });
});
