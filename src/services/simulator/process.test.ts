import assert from "node:assert/strict";
import { test } from "node:test";
import { type OutStream, SimProcess } from "./process.ts";
import { parseScript } from "./shell.ts";
import { StdinQueue } from "./stdin.ts";

let pids = 100;
function run(argv: string[], opts: { stdin?: StdinQueue; env?: string[]; cwd?: string; user?: string } = {}) {
  const out: { stream: OutStream; data: string }[] = [];
  const p = new SimProcess(
    pids++,
    argv,
    {
      write: async (stream, data) => void out.push({ stream, data }),
      stdin: opts.stdin,
      env: opts.env ?? [],
      hostname: "abc123",
      tty: false,
      ...(opts.cwd !== undefined && { cwd: opts.cwd }),
      ...(opts.user !== undefined && { user: opts.user }),
    },
    () => pids++,
  );
  p.start();
  const text = (s: OutStream) =>
    out
      .filter((o) => o.stream === s)
      .map((o) => o.data)
      .join("");
  return { p, out, stdout: () => text("stdout"), stderr: () => text("stderr") };
}

test("the shell parser models lists, loops, conditionals and simple redirections only", () => {
  assert.ok(parseScript("echo a; echo b >&2; exit 3"));
  assert.ok(parseScript("true && echo yes || echo no"));
  assert.ok(parseScript("while true; do echo tick; sleep 1; done"));
  assert.ok(parseScript("if false; then echo a; else echo b; fi"));
  assert.ok(parseScript("for i in 1 2; do echo $i; done; x=1; FOO=bar env"));
  assert.ok(parseScript("echo \"$HOME\" 'x y' a\\ b 2>/dev/null"));
  for (const unsupported of [
    "ls | wc -l",
    "sleep 1 &",
    "echo $(date)",
    "case x in a) ;; esac",
    "for i; do :; done",
    "echo 'open",
  ]) {
    assert.equal(parseScript(unsupported), undefined, unsupported);
  }
});

test("echo, true, false and sh -c scripts give output and exit codes", async () => {
  const a = run(["echo", "hi", "there"]);
  assert.equal(await a.p.exited, 0);
  assert.equal(a.stdout(), "hi there\n");
  assert.equal(await run(["true"]).p.exited, 0);
  assert.equal(await run(["false"]).p.exited, 1);
  const s = run(["sh", "-c", "echo a; echo b >&2; exit 3"]);
  assert.equal(await s.p.exited, 3);
  assert.equal(s.stdout(), "a\n");
  assert.equal(s.stderr(), "b\n");
  const c = run([
    "sh",
    "-c",
    "false && echo no; true || echo no2; echo $?; if true; then echo yes; fi; echo -n end",
  ]);
  assert.equal(await c.p.exited, 0);
  assert.equal(c.stdout(), "0\nyes\nend");
  const e = run(["sh", "-c", 'echo "$GREETING, $HOSTNAME"'], { env: ["GREETING=hello"] });
  await e.p.exited;
  assert.equal(e.stdout(), "hello, abc123\n");
  assert.equal(await run(["sh", "-c", "exit 300"]).p.exited, 44);
  const n = run(["sh", "-c", "sh -c 'exit 4'; echo inner=$?"]);
  assert.equal(await n.p.exited, 0);
  assert.equal(n.stdout(), "inner=4\n");
});

test("sleep N sleeps; a while loop runs until killed, dying of TERM with 143", async () => {
  const t0 = Date.now();
  assert.equal(await run(["sleep", "0.05"]).p.exited, 0);
  assert.ok(Date.now() - t0 >= 45);
  const loop = run(["sh", "-c", "while true; do echo tick; sleep 0.01; done"]);
  await new Promise((r) => setTimeout(r, 60));
  assert.ok(loop.p.signal(15));
  assert.equal(await loop.p.exited, 143);
  assert.ok(loop.stdout().startsWith("tick\ntick\n"));
});

test("unknown commands run until stopped; KILL gives 137", async () => {
  const p = run(["nginx", "-g", "daemon off;"]).p;
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(p.running);
  assert.ok(p.signal(9));
  assert.equal(await p.exited, 137);
});

test("trap '' TERM ignores TERM, trap 'exit N' TERM exits N, harmless signals do nothing", async () => {
  const ignoring = run(["sh", "-c", "trap '' TERM; sleep 10"]).p;
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(ignoring.signal(15), false);
  assert.equal(ignoring.signal(28), false);
  assert.ok(ignoring.running);
  assert.ok(ignoring.signal(9));
  assert.equal(await ignoring.exited, 137);
  const graceful = run(["sh", "-c", "trap 'exit 0' TERM; sleep 10"]).p;
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(graceful.signal(15));
  assert.equal(await graceful.exited, 0);
});

test("pause freezes a sleep: paused time does not count", async () => {
  const p = run(["sleep", "0.1"]).p;
  await new Promise((r) => setTimeout(r, 30));
  p.pause();
  await new Promise((r) => setTimeout(r, 150));
  assert.ok(p.running, "a paused sleep does not finish");
  // TERM waits for the thaw.
  assert.equal(p.signal(15), false);
  assert.ok(p.running);
  p.resume();
  assert.equal(await p.exited, 143);
});

test("cat echoes stdin until EOF; sh reads commands from stdin", async () => {
  const stdin = new StdinQueue();
  const c = run(["cat"], { stdin });
  await stdin.write("line1\n");
  await stdin.write("line2\n");
  stdin.end();
  assert.equal(await c.p.exited, 0);
  assert.equal(c.stdout(), "line1\nline2\n");
  assert.equal(await run(["cat"]).p.exited, 0, "cat without stdin reads /dev/null");
  const shIn = new StdinQueue();
  const sh = run(["sh"], { stdin: shIn });
  await shIn.write("echo one\necho two >&2\nexit 5\n");
  assert.equal(await sh.p.exited, 5);
  assert.equal(sh.stdout(), "one\n");
  assert.equal(sh.stderr(), "two\n");
});

test("top sees the children a script is running", async () => {
  const p = run(["sh", "-c", "sleep 10"]).p;
  await new Promise((r) => setTimeout(r, 10));
  const kids = [...p.children.values()];
  assert.equal(kids.length, 1);
  assert.equal(kids[0]!.cmd, "sleep 10");
  assert.equal(kids[0]!.ppid, p.pid);
  p.signal(9);
  await p.exited;
  assert.equal(p.children.size, 0);
});

test("a long-lived chatty loop keeps no pile of pending waits", async () => {
  const loop = run(["sh", "-c", "while true; do echo x; sleep 0.001; done"]);
  await new Promise((r) => setTimeout(r, 200));
  const killers = (loop.p as unknown as { killers: Set<unknown> }).killers;
  assert.ok(killers.size <= 1, `${killers.size} pending waits`);
  assert.ok(loop.out.length > 20);
  loop.p.signal(9);
  await loop.p.exited;
  assert.equal(killers.size, 0);
});

test("small builtins: echo -e/-n, seq, pwd, whoami, date, printf", async () => {
  const e = run(
    [
      "sh",
      "-c",
      "echo -e 'a\\tb\\nc'; echo -ne 'x\\cy'; echo; seq 3; seq 5 -2 1; pwd; whoami; printf '%s=%d\\n' n 4",
    ],
    {
      cwd: "/srv",
      user: "app:app",
    },
  );
  assert.equal(await e.p.exited, 0);
  assert.equal(e.stdout(), "a\tb\nc\nx\n1\n2\n3\n5\n3\n1\n/srv\napp\nn=4\n");
  const d = run(["date"]);
  await d.p.exited;
  assert.match(d.stdout(), /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}\n$/);
  assert.equal(await run(["seq", "x"]).p.exited, 1);
});

test("for loops, variables and read", async () => {
  const f = run(["sh", "-c", "for i in 1 2 3; do echo tick $i; done; x=done; echo $x"]);
  assert.equal(await f.p.exited, 0);
  assert.equal(f.stdout(), "tick 1\ntick 2\ntick 3\ndone\n");
  const stdin = new StdinQueue();
  const r = run(["sh", "-c", 'while read a b; do echo "[$b/$a]"; done; echo end'], { stdin });
  await stdin.write("1 2 3\nx");
  await stdin.write("y z\n");
  stdin.end();
  assert.equal(await r.p.exited, 0);
  assert.equal(r.stdout(), "[2 3/1]\n[z/xy]\nend\n");
});
