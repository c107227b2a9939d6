/**
 * dockerclient's ways to reach an engine, each against a real one: tcp:// with TLS (client
 * certificates checked by the engine), ssh:// through a real sshd (as the docker CLI does it:
 * `docker system dial-stdio` on the remote; or a direct-streamlocal channel to the socket), and
 * an engine that is missing or goes away and comes back.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { request } from "../../src/core/client.ts";
import { ErrorCodes } from "../../src/core/errors.ts";
import { Verbs } from "../../src/core/verbs.ts";
import { DockerVerbs } from "../../src/docker/verbs.ts";
import { dockerclient } from "../../src/services/dockerclient/index.ts";
import {
  busybox,
  type Client,
  collect,
  failure,
  rawExchange,
  spawnBackend,
  startAttached,
} from "../../src/services/dockerclient/testing.ts";
import { forward } from "../../src/services/forward/index.ts";
import type { SpawnedService } from "../../src/services/service.ts";
import { docker } from "../harness/docker-cli.ts";
import { type Engine, ensureEngineInstalled, makeTestCerts, startEngine } from "../harness/engine.ts";
import { type Sshd, startSshd } from "../harness/sshd.ts";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

const spawned: SpawnedService[] = [];
async function backend(commandLine: string): Promise<Client> {
  const s = await spawnBackend([dockerclient], commandLine);
  spawned.push(s);
  return s.input;
}

/** Run a container to completion through `root` and return its stdout. */
async function run(root: Client, cmd: string[]): Promise<string> {
  const c = await root.spawn(busybox(cmd), "");
  const out = await startAttached(c);
  await c.call(DockerVerbs.Remove, [JSON.stringify({ force: true })]);
  return out.stdout;
}

/** `docker run` through a swarmd whose backend is `backendLine`; returns what the CLI printed. */
async function cliThroughSwarmd(backendLine: string): Promise<string> {
  const sock = join(tmp, `s${swarmds.length}.sock`);
  const s = startSwarmd(["--backend", backendLine, `unix://${sock}`]);
  swarmds.push(s);
  await s.waitFor(/dockerserver listening/, 30_000);
  const r = await docker(`unix://${sock}`, [
    "run",
    "--rm",
    "--network",
    "none",
    "busybox",
    "echo",
    "through swarmd",
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** SIGKILL every process sshd forked (one tree per client connection): the TCP links die. */
function killSshdSessions(sshd: Sshd): number {
  const children = (pid: number): number[] => {
    const r = spawnSync("pgrep", ["-P", String(pid)], { encoding: "utf8" });
    return r.stdout.split("\n").filter(Boolean).map(Number);
  };
  const daemon = Number(readFileSync(join(sshd.dir, "sshd.pid"), "utf8"));
  const tree: number[] = [];
  for (let todo = children(daemon); todo.length > 0; ) {
    const pid = todo.pop()!;
    tree.push(pid);
    todo.push(...children(pid));
  }
  for (const pid of tree) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  return tree.length;
}

/** `p`, or a failure saying that `what` hung past `ms`. */
async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} hung for more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, hung]);
  } finally {
    clearTimeout(timer);
  }
}

const ping = "GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";
const tmp = mkdtempSync(join(tmpdir(), "dc-hosts-"));
const swarmds: SwarmdProcess[] = [];
after(async () => {
  for (const s of swarmds) await s.stop();
  for (const s of spawned) await s.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("tcp:// with TLS (--tlsverify, the engine's flag names)", () => {
  let engine: Engine;
  let certs: Awaited<ReturnType<typeof makeTestCerts>>;
  before(async () => {
    await ensureEngineInstalled();
    certs = await makeTestCerts(join(tmp, "certs"));
    engine = await startEngine(`t-dc-tls-${process.pid}`, { tls: certs.dir });
  });
  after(async () => engine?.stop());

  test("with the CA's client certificate: documents and container output", async () => {
    const root = await backend(
      `dockerclient --tlsverify --tlscacert ${certs.ca} --tlscert ${certs.cert} --tlskey ${certs.key} ${engine.tcp}`,
    );
    const version = await root.getJSON<{ ApiVersion: string }>("version");
    assert.equal(version.ApiVersion, "1.41");
    assert.equal(await run(root, ["echo", "over tls"]), "over tls\n");
  });

  test("forward's raw pass-through (Connect) over TLS", async () => {
    const s = await spawnBackend(
      [forward],
      `forward --tlsverify --tlscacert ${certs.ca} --tlscert ${certs.cert} --tlskey ${certs.key} ${engine.tcp}`,
    );
    spawned.push(s);
    const r = await rawExchange(await s.input.connect("docker-api"), ping);
    assert.deepEqual([r.status, r.body], [200, "OK"]);
  });

  test("the docker CLI through swarmd to the TLS engine", async () => {
    const out = await cliThroughSwarmd(
      `dockerclient --tlsverify --tlscacert ${certs.ca} --tlscert ${certs.cert} --tlskey ${certs.key} ${engine.tcp}`,
    );
    assert.equal(out, "through swarmd\n");
  });

  test("--tls without --tlsverify encrypts without checking the engine's certificate", async () => {
    const root = await backend(
      `dockerclient --tls --tlscert ${certs.cert} --tlskey ${certs.key} ${engine.tcp}`,
    );
    assert.equal(await run(root, ["echo", "tls, unverified"]), "tls, unverified\n");
  });

  test("a client certificate from another CA, or none, is refused, naming the engine", async () => {
    const other = await backend(
      `dockerclient --tlsverify --tlscacert ${certs.ca} --tlscert ${certs.otherCert} --tlskey ${certs.otherKey} ${engine.tcp}`,
    );
    const refused = await failure(other.get("version"));
    assert.equal(refused.code, ErrorCodes.Unavailable);
    assert.match(refused.message, new RegExp(`^cannot reach Docker engine at ${engine.tcp}: `));
    const none = await backend(`dockerclient --tlsverify --tlscacert ${certs.ca} ${engine.tcp}`);
    assert.equal((await failure(none.get("version"))).code, ErrorCodes.Unavailable);
  });

  test("a server certificate the CA did not sign is refused by --tlsverify", async () => {
    const wrongCa = await backend(
      `dockerclient --tlsverify --tlscacert ${certs.otherCa} --tlscert ${certs.cert} --tlskey ${certs.key} ${engine.tcp}`,
    );
    const err = await failure(wrongCa.get("version"));
    assert.equal(err.code, ErrorCodes.Unavailable);
    assert.match(err.message, /certificate/);
  });
});

describe("tcp:// without TLS", () => {
  let engine: Engine;
  let relay: Server;
  const relayed = new Set<Socket>();
  before(async () => {
    await ensureEngineInstalled();
    engine = await startEngine(`t-dc-tcp-${process.pid}`);
    // The engine's socket behind a plain TCP port of 127.0.0.1 (a byte relay, as `socat` would be).
    relay = createServer((c) => {
      const u = connect(engine.socket);
      relayed.add(c).add(u);
      c.pipe(u).pipe(c);
      c.on("error", () => u.destroy());
      u.on("error", () => c.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
  });
  after(async () => {
    // Kept-alive connections from the backends would hold close() open.
    for (const s of relayed) s.destroy();
    await new Promise((r) => relay?.close(r));
    await engine?.stop();
  });

  test("tcp://127.0.0.1:PORT and the bare 127.0.0.1:PORT form", async () => {
    const port = (relay.address() as AddressInfo).port;
    for (const host of [`tcp://127.0.0.1:${port}`, `127.0.0.1:${port}`]) {
      const root = await backend(`dockerclient ${host}`);
      assert.equal(await run(root, ["echo", "over tcp"]), "over tcp\n");
    }
  });
});

describe("ssh:// through a real sshd", () => {
  let engine: Engine;
  let sshd: Sshd;
  before(async () => {
    await ensureEngineInstalled();
    engine = await startEngine(`t-dc-ssh-${process.pid}`);
    sshd = await startSshd({ dockerHost: engine.host });
  });
  after(async () => {
    await sshd?.stop();
    await engine?.stop();
  });

  const url = () => `ssh://${sshd.user}@127.0.0.1:${sshd.port}`;

  test("docker system dial-stdio on the remote, as the docker CLI does: run, logs, exec", async () => {
    const root = await backend(
      `dockerclient --ssh-key ${sshd.keyPath} --ssh-known-hosts ${sshd.knownHostsPath} ${url()}`,
    );
    const info = await root.getJSON<{ ID: string }>();
    assert.ok(info.ID);
    assert.equal(await run(root, ["sh", "-c", "echo via ssh; echo again"]), "via ssh\nagain\n");
    // Several requests at once share the one SSH session.
    const results = await Promise.all(Array.from({ length: 5 }, () => root.get("version")));
    assert.equal(results.length, 5);
  });

  test("forward's raw pass-through (Connect) over ssh", async () => {
    const s = await spawnBackend(
      [forward],
      `forward --ssh-key ${sshd.keyPath} --ssh-known-hosts ${sshd.knownHostsPath} ${url()}`,
    );
    spawned.push(s);
    const r = await rawExchange(await s.input.connect("docker-api"), ping);
    assert.deepEqual([r.status, r.body], [200, "OK"]);
  });

  test("the docker CLI through swarmd to the engine over ssh", async () => {
    const out = await cliThroughSwarmd(
      `dockerclient --ssh-key ${sshd.keyPath} --ssh-known-hosts ${sshd.knownHostsPath} ${url()}`,
    );
    assert.equal(out, "through swarmd\n");
  });

  test("more held streams than sshd's MaxSessions (10) per connection: requests still go through", async () => {
    const root = await backend(
      `dockerclient --ssh-key ${sshd.keyPath} --ssh-known-hosts ${sshd.knownHostsPath} ${url()}`,
    );
    // Each followed event stream holds one HTTP connection, so one ssh channel, open.
    const watches = await Promise.all(Array.from({ length: 14 }, () => root.watch("{}")));
    try {
      const info = await root.getJSON<{ ID: string }>();
      assert.ok(info.ID);
    } finally {
      for (const w of watches) w.close();
    }
  });

  test("--ssh-socket: a direct-streamlocal channel to the engine's socket", async () => {
    const root = await backend(
      `dockerclient --ssh-key ${sshd.keyPath} --ssh-known-hosts ${sshd.knownHostsPath} --ssh-socket ${engine.socket} ${url()}`,
    );
    assert.equal(await run(root, ["echo", "streamlocal"]), "streamlocal\n");
  });

  test("the ssh connection drops (sshd's per-connection processes killed): the next request reconnects, no hang", async () => {
    const root = await backend(
      `dockerclient --ssh-key ${sshd.keyPath} --ssh-known-hosts ${sshd.knownHostsPath} ${url()}`,
    );
    // Several kept-alive HTTP connections, so several channels of the session wait in the pool.
    await Promise.all(Array.from({ length: 3 }, () => root.get("version")));
    assert.ok(killSshdSessions(sshd) > 0, "sshd had a process for the client's connection");
    const info = await within(15_000, root.getJSON<{ ID: string }>(), "the request after the drop");
    assert.ok(info.ID);
    assert.equal(await within(30_000, run(root, ["echo", "reconnected"]), "a run"), "reconnected\n");
  });

  test("the docker CLI through swarmd, after its ssh connection is killed, still answers", async () => {
    const sock = join(tmp, "ssh-restart.sock");
    const s = startSwarmd([
      "--backend",
      `dockerclient --ssh-key ${sshd.keyPath} --ssh-known-hosts ${sshd.knownHostsPath} ${url()}`,
      `unix://${sock}`,
    ]);
    swarmds.push(s);
    await s.waitFor(/dockerserver listening/, 30_000);
    const before = await docker(`unix://${sock}`, ["info", "--format", "{{.ID}}"]);
    assert.equal(before.code, 0, before.stderr);
    assert.ok(killSshdSessions(sshd) > 0, "sshd had a process for swarmd's connection");
    const r = await within(20_000, docker(`unix://${sock}`, ["info", "--format", "{{.ID}}"]), "docker info");
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.trim());
  });

  test("an unknown host key is refused (known_hosts), naming the engine", async () => {
    const wrong = join(tmp, "known_hosts_wrong");
    writeFileSync(
      wrong,
      `[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMUhUncVVXgtqYaLwSS7FbuWUC+9i6ob+fVI9913+tMT\n`,
    );
    const root = await backend(`dockerclient --ssh-key ${sshd.keyPath} --ssh-known-hosts ${wrong} ${url()}`);
    const err = await failure(root.get("version"));
    assert.equal(err.code, ErrorCodes.Unavailable);
    assert.match(err.message, new RegExp(`^cannot reach Docker engine at ${url()}: `));
  });
});

describe("an engine that is missing, goes away, and comes back", () => {
  test("no engine at the socket: UnavailableError naming the engine", async () => {
    const sock = join(tmp, "missing.sock");
    const root = await backend(`dockerclient unix://${sock}`);
    const err = await failure(root.get("info"));
    assert.equal(err.code, ErrorCodes.Unavailable);
    assert.equal(err.message, `cannot reach Docker engine at unix://${sock}: connect ENOENT ${sock}`);
  });

  test("followed streams end with an Error naming the engine when it dies; the service recovers", async () => {
    const name = `t-dc-gone-${process.pid}`;
    let engine = await startEngine(name);
    try {
      const root = await backend(`dockerclient ${engine.host}`);
      const c = await root.spawn(busybox(["sh", "-c", "while true; do echo tick; sleep 0.1; done"]), "");
      await c.start();
      const logs = await request(c.target, DockerVerbs.Logs, [
        JSON.stringify({ follow: true, stdout: true }),
      ]);
      assert.equal((await logs.receive())?.verb, Verbs.Ack);
      assert.equal((await logs.receive())?.verb, Verbs.Log);
      const events = await root.watch(JSON.stringify({}));
      // A crash, not a shutdown: dockerd gets no chance to end its streams.
      const pid = Number(readFileSync(join(engine.dir, "docker.pid"), "utf8"));
      process.kill(pid, "SIGKILL");
      for (const stream of [await collect(logs), await collect(events)]) {
        assert.equal(stream.error?.code, ErrorCodes.Unavailable);
        assert.match(stream.error.message, new RegExp(`^Docker engine at ${engine.host} went away: `));
      }
      const down = await failure(root.get("info"));
      assert.equal(down.code, ErrorCodes.Unavailable);
      assert.match(
        down.message,
        new RegExp(
          `^cannot reach Docker engine at ${engine.host}: (connect ENOENT|connect ECONNREFUSED|read ECONNRESET)`,
        ),
      );

      engine = await startEngine(name);
      const info = await root.getJSON<{ ID: string }>();
      assert.ok(info.ID, "the same instance answers once the engine is back");
      assert.equal(await run(root, ["echo", "back"]), "back\n");
    } finally {
      await engine.stop();
    }
  });
});
