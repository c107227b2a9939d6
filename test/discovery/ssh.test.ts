/**
 * The `ssh` service through a real OpenSSH server (test/harness/sshd.ts) to a real engine: the
 * docker CLI → dockerserver → ssh → sshd → the engine's socket. Host keys are checked.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { docker } from "../harness/docker-cli.ts";
import { type Engine, ensureEngineInstalled, startEngine } from "../harness/engine.ts";
import { type Sshd, startSshd } from "../harness/sshd.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

let engine: Engine;
let sshd: Sshd;
let dir: string;
const procs: SwarmdProcess[] = [];

before(async () => {
  await ensureEngineInstalled();
  [engine, sshd] = await Promise.all([startEngine("t-disc-ssh"), startSshd()]);
  dir = mkdtempSync(join(tmpdir(), "swarm-ssh-svc-"));
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await Promise.all([engine?.stop(), sshd?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** swarmd 'dockerserver unix://…' 'ssh …': resolves with the Docker host and the process. */
async function front(sshArgs: string): Promise<{ host: string; proc: SwarmdProcess }> {
  const sock = join(dir, `d${++n}.sock`);
  const proc = startSwarmd([
    `dockerserver unix://${sock}`,
    `ssh --identity ${sshd.keyPath} ${sshArgs} --socket ${engine.socket} ${sshd.user}@127.0.0.1:${sshd.port}`,
  ]);
  procs.push(proc);
  await proc.waitFor(/dockerserver listening/, 15_000);
  return { host: `unix://${sock}`, proc };
}

function knownHosts(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test("docker ps and run through ssh reach the real engine; no key material is logged", async () => {
  const { host, proc } = await front(`--known-hosts ${sshd.knownHostsPath}`);
  const ps = await docker(host, ["ps", "-a", "--format", "{{.ID}}"]);
  assert.equal(ps.code, 0, ps.stderr);
  const run = await docker(host, [
    "run",
    "--rm",
    "--network",
    "none",
    "busybox:latest",
    "echo",
    "through ssh",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "through ssh\n");
  const info = await docker(host, ["info", "--format", "{{.Name}}"]);
  assert.equal(info.code, 0, info.stderr);
  const keyBody = readFileSync(sshd.keyPath, "utf8")
    .split("\n")
    .filter((l) => l && !l.startsWith("-----"));
  for (const line of keyBody)
    assert.ok(!proc.output().includes(line), "a line of the private key was logged");
  assert.ok(!proc.output().includes(sshd.hostKey.split(" ")[1]!), "the host key blob was logged");
});

test("a dropped ssh link is re-established by the next request", async () => {
  const { host, proc } = await front(`--known-hosts ${sshd.knownHostsPath}`);
  const first = await docker(host, ["ps"]);
  assert.equal(first.code, 0, `${first.stderr}\n${proc.output()}\n${sshd.log()}`);
  // Kill the per-connection sshd processes: the listener stays, the session (and link) dies.
  const pid = readFileSync(join(sshd.dir, "sshd.pid"), "utf8").trim();
  const children = execFileSync("pgrep", ["-P", pid], { encoding: "utf8" })
    .trim()
    .split("\n")
    .filter(Boolean);
  assert.ok(children.length > 0, "an ssh session was open");
  for (const c of children) process.kill(Number(c), "SIGKILL");
  await new Promise((r) => setTimeout(r, 200));
  const again = await docker(host, ["run", "--rm", "--network", "none", "busybox:latest", "echo", "again"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, "again\n");
  await proc.waitFor(/ssh: link dropped/, 2000);
  await proc.waitFor(/ssh: reconnected/, 2000);
});

test("a wrong host key is refused, with a clear error and log line", async () => {
  // A valid ed25519 key that is not the server's.
  const other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMUhUncVVXgtqYaLwSS7FbuWUC+9i6ob+fVI9913+tMT";
  const kh = knownHosts("wrong", `[127.0.0.1]:${sshd.port} ${other}\n`);
  const { host, proc } = await front(`--known-hosts ${kh} --insecure-accept-host-key`);
  const ps = await docker(host, ["ps"]);
  assert.notEqual(ps.code, 0);
  assert.match(ps.stderr, /host key of ssh:\/\/.* does not match .*refusing/);
  await proc.waitFor(/does not match/, 2000);
});

test("an unknown host is refused unless --insecure-accept-host-key", async () => {
  const empty = knownHosts("empty", "# nothing here\n");
  const refused = await front(`--known-hosts ${empty}`);
  const ps = await docker(refused.host, ["ps"]);
  assert.notEqual(ps.code, 0);
  assert.match(ps.stderr, /is unknown: not in .*--insecure-accept-host-key/);

  const accepted = await front(`--known-hosts ${join(dir, "missing-file")} --insecure-accept-host-key`);
  const ok = await docker(accepted.host, ["ps"]);
  assert.equal(ok.code, 0, ok.stderr);
  await accepted.proc.waitFor(/accepting an unknown host key/, 2000);
});

test("ssh: bad arguments fail at spawn", async () => {
  const { runSwarmd } = await import("../harness/swarmd.ts");
  const r1 = await runSwarmd(["ssh --identity /nonexistent/key u@h"]);
  assert.notEqual(r1.code, 0);
  assert.match(r1.stderr, /--identity: cannot read \/nonexistent\/key: ENOENT/);
  const r2 = await runSwarmd([`ssh --identity ${sshd.keyPath} u@h:99999`]);
  assert.match(r2.stderr, /bad port/);
  const r3 = await runSwarmd([`ssh --identity ${sshd.keyPath} --socket relative u@h`]);
  assert.match(r3.stderr, /absolute path/);
});
