/**
 * dockerserver's listeners: several URLs, address in use, stale unix sockets, socket files removed on
 * stop, TLS with client certificates and the identity they carry (PROTOCOL §6.7).
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { NotImplementedError } from "../../src/core/errors.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { ack, Server } from "../../src/core/server.ts";
import { DockerVerbs } from "../../src/docker/verbs.ts";
import { dockerserver } from "../../src/services/dockerserver/index.ts";
import { makeTestCerts } from "../harness/engine.ts";
import { freePort } from "../harness/net.ts";
import { FakeBackend } from "./fake-backend.ts";
import { startInProcess } from "./inprocess.ts";
import { httpRequest } from "./raw-http.ts";

const dir = mkdtempSync(join(tmpdir(), "ds-listen-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function tcpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (globalThis as unknown as { fetch: typeof fetch }).fetch(`http://127.0.0.1:${port}${path}`);
    req.then(async (r) => resolve({ status: r.status, body: await r.text() }), reject);
  });
}

describe("addresses", () => {
  test("several URLs serve the same backend; unix socket files are removed on stop", async () => {
    const a = join(dir, "a.sock");
    const b = join(dir, "b.sock");
    const port = await freePort();
    const backend = new FakeBackend();
    const r = await startInProcess([`unix://${a}`, `unix://${b}`, `tcp://127.0.0.1:${port}`], backend, a);
    assert.equal((await httpRequest(b, "GET", "/_ping")).status, 200);
    const v = await tcpGet(port, "/v1.41/info");
    assert.equal(v.status, 200);
    assert.equal(JSON.parse(v.body).ID, "FAKE");
    await r.stop();
    assert.equal(existsSync(a), false);
    assert.equal(existsSync(b), false);
  });

  test("an address in use is refused with a clear error, and the other listeners are closed", async () => {
    const a = join(dir, "inuse.sock");
    const other = join(dir, "other.sock");
    const first = await startInProcess([`unix://${a}`], new FakeBackend(), a);
    await assert.rejects(
      (await startInProcess([`unix://${other}`, `unix://${a}`], new FakeBackend())).done,
      (err: Error & { code?: string }) => {
        assert.equal(err.code, "SWARM_ERR_CONFLICT");
        assert.equal(err.message, `cannot listen on unix://${a}: address already in use`);
        return true;
      },
    );
    assert.equal(existsSync(other), false, "the listener that did start was closed again");
    assert.equal((await httpRequest(a, "GET", "/_ping")).status, 200, "the first server is untouched");
    await first.stop();

    const port = await freePort();
    const blocker = createServer().listen(port, "127.0.0.1");
    await new Promise((r) => blocker.once("listening", r));
    await assert.rejects(
      (await startInProcess([`tcp://127.0.0.1:${port}`], new FakeBackend())).done,
      /cannot listen on tcp:\/\/127\.0\.0\.1:\d+: address already in use/,
    );
    blocker.close();
  });

  test("a stale socket file left by a dead process is replaced", async () => {
    const p = join(dir, "stale.sock");
    const { spawnSync } = await import("node:child_process");
    // A socket file with no listener: bind in a child that exits without cleaning up.
    spawnSync(process.execPath, [
      "-e",
      `require("net").createServer().listen(${JSON.stringify(p)}, () => process.exit(0))`,
    ]);
    assert.equal(existsSync(p), true);
    const r = await startInProcess([`unix://${p}`], new FakeBackend(), p);
    assert.equal((await httpRequest(p, "GET", "/_ping")).status, 200);
    await r.stop();
  });

  test("bad arguments are refused before anything starts", async () => {
    const ctx = { log: silentLogger, spawn: async () => assert.fail() };
    for (const args of [
      ["http://x"],
      ["unix://relative"],
      ["--bogus"],
      ["--tlsverify", "tcp://127.0.0.1:1"],
      ["--tlscert"],
    ]) {
      await assert.rejects(
        async () => dockerserver.create(args, ctx),
        { code: "SWARM_ERR_INVALID_ARGUMENT" },
        args.join(" "),
      );
    }
  });
});

describe("TLS", () => {
  test("--tlsverify: client certificates are required, and the CN becomes an As [user] scoped root", async () => {
    const certs = await makeTestCerts(join(dir, "certs"));
    const port = await freePort();
    const backend = new FakeBackend();
    const seen: string[] = [];
    const scoped = new Map<string, number>();
    // A guard-like root: answers As [user] with a scoped root that records who asked.
    const root = new Server()
      .on(DockerVerbs.As, async (msg) => {
        const user = msg.args[0]!;
        seen.push(user);
        const s = new Server().catchAll(async (m) => {
          scoped.set(user, (scoped.get(user) ?? 0) + 1);
          await backend.send(m);
        });
        await ack(msg, [], s);
      })
      .catchAll((m) => backend.send(m));
    const args = [
      "--tlsverify",
      "--tlscacert",
      certs.ca,
      `--tlscert=${join(certs.dir, "server-cert.pem")}`,
      "--tlskey",
      join(certs.dir, "server-key.pem"),
      `tcp://127.0.0.1:${port}`,
    ];
    const r = await startInProcess(args, root);
    await new Promise((res) => setTimeout(res, 200));
    const get = (cert: string, key: string, ca = certs.ca) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = https.request(
          {
            host: "127.0.0.1",
            port,
            path: "/v1.41/info",
            ca: readFileSync(ca),
            cert: readFileSync(cert),
            key: readFileSync(key),
            servername: "localhost",
            agent: false,
          },
          (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on("error", reject);
        req.end();
      });
    const ok = await get(certs.cert, certs.key);
    assert.equal(ok.status, 200);
    assert.deepEqual(seen, ["client"]);
    assert.equal(scoped.get("client"), 1);
    await get(certs.cert, certs.key);
    assert.deepEqual(seen, ["client"], "As is asked once per user");
    assert.equal(scoped.get("client"), 2);
    await assert.rejects(get(certs.otherCert, certs.otherKey), "a certificate from another CA is refused");
    await r.stop();

    // A chain that does not care about identity answers NOT_IMPLEMENTED: the unscoped root is used.
    const port2 = await freePort();
    const plain = new Server().on(DockerVerbs.As, () => {
      throw new NotImplementedError();
    });
    plain.catchAll((m) => backend.send(m));
    const args2 = args.slice(0, -1).concat(`tcp://127.0.0.1:${port2}`);
    const r2 = await startInProcess(args2, plain);
    await new Promise((res) => setTimeout(res, 200));
    const res2 = await new Promise<number>((resolve, reject) => {
      https
        .get(
          {
            host: "127.0.0.1",
            port: port2,
            path: "/info",
            ca: readFileSync(certs.ca),
            cert: readFileSync(certs.cert),
            key: readFileSync(certs.key),
            servername: "localhost",
            agent: false,
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
        .on("error", reject);
    });
    assert.equal(res2, 200);
    await r2.stop();
  });
});
