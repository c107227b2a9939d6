import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { test } from "node:test";
import { parseSshArgs } from "./args.ts";
import { hostKeyOf, judgeHostKey, knownHostsLine } from "./hostkey.ts";

/** An ssh wire-format key blob: string type, then key bytes. */
function blob(type: string, body: Buffer): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  const blen = Buffer.alloc(4);
  blen.writeUInt32BE(body.length);
  return Buffer.concat([len, t, blen, body]);
}

const key = hostKeyOf(blob("ssh-ed25519", randomBytes(32)));
const other = hostKeyOf(blob("ssh-ed25519", randomBytes(32)));

test("hostKeyOf: type and OpenSSH-style fingerprint", () => {
  assert.equal(key.type, "ssh-ed25519");
  assert.match(key.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
});

test("judgeHostKey: known, unknown, changed; port 22 and bracketed forms; hashed names", () => {
  const line = knownHostsLine("10.0.0.1", 2222, key);
  assert.match(line, /^\[10\.0\.0\.1\]:2222 ssh-ed25519 /);
  assert.equal(judgeHostKey(`${line}\n`, "10.0.0.1", 2222, key), "known");
  assert.equal(judgeHostKey(`${line}\n`, "10.0.0.1", 2222, other), "changed");
  assert.equal(judgeHostKey(`${line}\n`, "10.0.0.1", 22, key), "unknown");
  assert.equal(judgeHostKey("", "h", 22, key), "unknown");
  assert.match(knownHostsLine("h", 22, key), /^h ssh-ed25519 /);
  const salt = randomBytes(20);
  const hash = createHmac("sha1", salt).update("[h]:2200").digest("base64");
  const hashed = `|1|${salt.toString("base64")}|${hash} ssh-ed25519 ${key.blob.toString("base64")}\n`;
  assert.equal(judgeHostKey(hashed, "h", 2200, key), "known");
  assert.equal(judgeHostKey(hashed, "h", 2200, other), "changed");
  assert.equal(
    judgeHostKey(`@revoked [h]:2200 ssh-ed25519 ${key.blob.toString("base64")}\n`, "h", 2200, key),
    "unknown",
  );
});

test("parseSshArgs: target forms and defaults", () => {
  const env = { USER: "me", SSH_AUTH_SOCK: "/agent.sock" };
  const o = parseSshArgs(["bob@[::1]:2200"], env, "/nonexistent-home");
  assert.deepEqual(
    [o.username, o.host, o.port, o.socket, o.agent, o.knownHosts],
    ["bob", "::1", 2200, "/var/run/docker.sock", "/agent.sock", ""],
  );
  assert.equal(o.label, "ssh://bob@[::1]:2200");
  const d = parseSshArgs(
    ["host", "--socket", "/run/d.sock", "--insecure-accept-host-key"],
    env,
    "/nonexistent-home",
  );
  assert.deepEqual([d.username, d.port, d.socket, d.insecureAcceptHostKey], ["me", 22, "/run/d.sock", true]);
  assert.throws(() => parseSshArgs([], env), /needs one user@host/);
  assert.throws(() => parseSshArgs(["a@b", "c@d"], env), /needs one user@host/);
  assert.throws(() => parseSshArgs(["--bogus", "a@b"], env), /unknown option --bogus/);
  assert.throws(() => parseSshArgs(["a@b:x"], env), /bad target/);
  assert.throws(() => parseSshArgs(["a@b"], {}, "/nonexistent-home"), /no --identity/);
});
