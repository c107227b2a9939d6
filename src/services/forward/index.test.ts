/**
 * forward against a real engine: the §6 path it shares with dockerclient, and its raw
 * pass-through (`Connect ["docker-api"]` → a byte stream to the engine). A minimal frontend that
 * copies each client connection into a `Connect` stream lets the real docker CLI run through it,
 * hijacked attach and exec included.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { docker } from "../../../test/harness/docker-cli.ts";
import { type Engine, ensureEngineInstalled, startEngine } from "../../../test/harness/engine.ts";
import { ErrorCodes, ForbiddenError, type SwarmError } from "../../core/errors.ts";
import { Server as ProtocolServer } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { copyThrough } from "../../docker/passthrough.ts";
import { busybox, type Client, failure, rawExchange, spawnBackend } from "../dockerclient/testing.ts";
import type { SpawnedService } from "../service.ts";
import { forward } from "./index.ts";

/** Two connected sockets (a loopback TCP pair). */
async function socketPair(): Promise<[Socket, Socket]> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  const accepted = new Promise<Socket>((r) => srv.once("connection", r));
  const a = connect(port, "127.0.0.1");
  const b = await accepted;
  srv.close();
  return [a, b];
}

const dir = mkdtempSync(join(tmpdir(), "fwd-raw-"));
let engine: Engine;
const spawned: SpawnedService[] = [];
async function backend(commandLine: string): Promise<Client> {
  const s = await spawnBackend([forward], commandLine);
  spawned.push(s);
  return s.input;
}

before(async () => {
  await ensureEngineInstalled();
  engine = await startEngine(`t-dc-fwdraw-${process.pid}`);
});
after(async () => {
  for (const s of spawned) await s.stop();
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("forward: the protocol path and the raw pass-through", () => {
  test("§6 requests are served as dockerclient serves them", async () => {
    const root = await backend(`forward ${engine.host}`);
    const c = await root.spawn(busybox(["true"]), "");
    await c.start();
    const missing = await failure(root.open("no-such"));
    assert.equal(missing.code, ErrorCodes.NotFound);
    assert.equal(missing.message, "No such container: no-such");
  });

  test("Connect gives a byte stream to the engine: its own HTTP answer, unchanged", async () => {
    const root = await backend(`forward ${engine.host}`);
    const stream = await root.connect("docker-api");
    const r = await rawExchange(stream, "GET /version HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
    assert.equal(r.status, 200);
    assert.match(r.body, /"ApiVersion":"1\.41"/);
    assert.equal((await failure(root.connect("ssh"))).code, ErrorCodes.InvalidArgument);
    const off = await backend(`forward --no-raw ${engine.host}`);
    assert.equal((await failure(off.connect("docker-api"))).code, ErrorCodes.NotImplemented);
    const down = await backend(`forward unix://${join(dir, "none.sock")}`);
    const err = await failure(down.connect("docker-api"));
    assert.equal(err.code, ErrorCodes.Unavailable);
    assert.match(err.message, /^cannot reach Docker engine at unix:\/\/.*none\.sock: connect ENOENT/);
  });

  test("copyThrough says false when the chain offers no pass-through, and throws when the engine is down", async () => {
    const off = await backend(`forward --no-raw ${engine.host}`);
    const [a, b] = await socketPair();
    try {
      assert.equal(await copyThrough(a, off.target), false);
      // A policy refusing raw access (guard answers FORBIDDEN) falls back to the protocol path too.
      const refusing = new ProtocolServer().on(Verbs.Connect, () => {
        throw new ForbiddenError("raw access denied");
      });
      assert.equal(await copyThrough(a, refusing), false);
      const down = await backend(`forward unix://${join(dir, "none2.sock")}`);
      await assert.rejects(copyThrough(a, down.target), (e: SwarmError) => e.code === ErrorCodes.Unavailable);
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  test("the docker CLI through a Connect-copying frontend: run -i, -t, logs, exec, errors", async () => {
    const root = await backend(`forward ${engine.host}`);
    const sock = join(dir, "raw.sock");
    const clients = new Set<Socket>();
    // The frontend side of the pass-through: one Connect per client connection, bytes both ways.
    // allowHalfOpen: the CLI's FIN is stdin's EOF; the output still has to come back.
    const server: Server = createServer({ allowHalfOpen: true }, (client) => {
      clients.add(client);
      client.once("close", () => clients.delete(client));
      copyThrough(client, root.target).then(
        (copied) => copied || client.destroy(),
        () => client.destroy(),
      );
    });
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      const host = `unix://${sock}`;
      const none = ["--network", "none"];
      const run = await docker(
        host,
        ["run", "--rm", "-i", ...none, "busybox", "sh", "-c", "cat; echo e >&2; exit 3"],
        {
          input: "through bytes\n",
        },
      );
      assert.deepEqual([run.code, run.stdout, run.stderr], [3, "through bytes\n", "e\n"]);
      const tty = await docker(host, ["run", "--rm", "-t", ...none, "busybox", "echo", "tty"]);
      assert.equal(tty.stdout, "tty\r\n");
      const d = await docker(host, ["run", "-d", "--name", "raw-box", ...none, "busybox", "sleep", "30"]);
      assert.equal(d.code, 0, d.stderr);
      const ex = await docker(host, ["exec", "-i", "raw-box", "sh", "-c", "cat; exit 5"], { input: "x\n" });
      assert.deepEqual([ex.code, ex.stdout], [5, "x\n"]);
      const kill = await docker(host, ["rm", "raw-box"]);
      const directKill = await docker(engine.host, ["rm", "raw-box"]);
      assert.equal(kill.stderr, directKill.stderr, "the engine's own error, byte for byte");
      assert.equal((await docker(host, ["rm", "-f", "raw-box"])).code, 0);
    } finally {
      for (const c of clients) c.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
