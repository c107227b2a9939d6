import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ErrorCodes, SwarmError } from "../../core/errors.ts";
import { parseEngineArgs } from "./options.ts";

const dir = mkdtempSync(join(tmpdir(), "dc-options-"));
for (const f of ["ca.pem", "cert.pem", "key.pem", "id", "known_hosts"]) writeFileSync(join(dir, f), `${f}\n`);
after(() => rmSync(dir, { recursive: true, force: true }));

function invalid(args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): void {
  assert.throws(
    () => parseEngineArgs(args, env, dir),
    (err: unknown) =>
      err instanceof SwarmError && err.code === ErrorCodes.InvalidArgument && pattern.test(err.message),
  );
}

describe("dockerclient arguments (DOCKER_HOST conventions)", () => {
  test("unix://, tcp://, host:port and the default host", () => {
    assert.deepEqual(parseEngineArgs(["unix:///tmp/a.sock"], {}, dir).target, {
      kind: "unix",
      socketPath: "/tmp/a.sock",
    });
    assert.deepEqual(parseEngineArgs(["tcp://127.0.0.1:2375"], {}, dir).target, {
      kind: "tcp",
      host: "127.0.0.1",
      port: 2375,
    });
    assert.equal(parseEngineArgs(["localhost:2375"], {}, dir).label, "tcp://localhost:2375");
    assert.deepEqual(parseEngineArgs(["tcp://[::1]:2375"], {}, dir).target, {
      kind: "tcp",
      host: "::1",
      port: 2375,
    });
    assert.deepEqual(parseEngineArgs([], { DOCKER_HOST: "unix:///x.sock" }, dir).target, {
      kind: "unix",
      socketPath: "/x.sock",
    });
    assert.deepEqual(parseEngineArgs([], {}, dir).target, {
      kind: "unix",
      socketPath: "/var/run/docker.sock",
    });
  });

  test("TLS flags by the engine's names; --tlsverify needs a CA; the default directory is ~/.docker", () => {
    const t = parseEngineArgs(
      [
        "--tlsverify",
        "--tlscacert",
        join(dir, "ca.pem"),
        `--tlscert=${join(dir, "cert.pem")}`,
        "--tlskey",
        join(dir, "key.pem"),
        "tcp://h:2376",
      ],
      {},
      dir,
    ).target;
    assert.equal(t.kind, "tcp");
    assert.ok(
      t.kind === "tcp" && t.tls?.verify && t.tls.ca?.toString() === "ca.pem\n" && t.tls.cert && t.tls.key,
    );
    const plain = parseEngineArgs(["--tls", "tcp://h:2376"], {}, dir).target;
    assert.ok(plain.kind === "tcp" && plain.tls && !plain.tls.verify);
    // DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, as the CLI reads them.
    const env = parseEngineArgs(
      ["tcp://h:2376"],
      { DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: dir },
      "/nonexistent",
    ).target;
    assert.ok(env.kind === "tcp" && env.tls?.verify && env.tls.cert);
    invalid(["--tlsverify", "tcp://h:2376"], /needed by --tlsverify/, {});
    invalid(["--tlsverify", "--tlscacert", "/nope/ca.pem", "tcp://h:1"], /cannot read \/nope\/ca.pem/);
    invalid(
      ["--tlscert", join(dir, "cert.pem"), "--tlscacert", join(dir, "ca.pem"), "--tls", "tcp://h:1"],
      /go together/,
    );
    invalid(["--tlsverify", "unix:///x"], /does not apply to a unix/);
  });

  test("ssh:// with a key and a known_hosts file; passwords never appear in the label", () => {
    const o = parseEngineArgs(
      [
        "--ssh-key",
        join(dir, "id"),
        "--ssh-known-hosts",
        join(dir, "known_hosts"),
        "ssh://me:secret@example.com:2222",
      ],
      {},
      dir,
    );
    assert.equal(o.target.kind, "ssh");
    assert.ok(o.target.kind === "ssh" && o.target.port === 2222 && o.target.username === "me");
    assert.doesNotMatch(o.label, /secret/);
    const d = parseEngineArgs(
      ["--ssh-key", join(dir, "id"), "--ssh-known-hosts", join(dir, "known_hosts"), "ssh://h"],
      { USER: "u" },
      dir,
    );
    assert.ok(d.target.kind === "ssh" && d.target.port === 22 && d.target.username === "u");
    invalid(
      [
        "--ssh-key",
        join(dir, "id"),
        "--ssh-known-hosts",
        join(dir, "known_hosts"),
        "ssh://h/var/run/docker.sock",
      ],
      /no path/,
    );
    invalid(["--ssh-key", join(dir, "id"), "ssh://h"], /cannot read .*known_hosts/, {});
  });

  test("bad input: unknown flags, two hosts, schemes, missing values and ports", () => {
    invalid(["--nope", "unix:///x"], /unknown option --nope/);
    invalid(["unix:///a", "unix:///b"], /one engine host/);
    invalid(["http://h:1"], /unsupported scheme http:/);
    invalid(["tcp://h"], /needs a port/);
    invalid(["--tlscacert"], /needs a value/);
    invalid(["--tls=maybe", "tcp://h:1"], /true or false/);
  });
});
