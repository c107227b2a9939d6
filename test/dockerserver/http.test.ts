/**
 * dockerserver over raw HTTP, in-process in front of the test backend: negotiation, header shapes,
 * malformed requests, disconnects. Every failure must be a Docker-style error and the server must keep
 * serving (issue 3; docs/PROTOCOL.md §6.5).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseFrames } from "../../src/services/dockerserver/stdcopy.ts";
import { FakeBackend } from "./fake-backend.ts";
import { type Running, startInProcess } from "./inprocess.ts";
import { header, httpRequest, rawExchange } from "./raw-http.ts";

const dir = mkdtempSync(join(tmpdir(), "ds-http-"));
const sock = join(dir, "d.sock");
const backend = new FakeBackend();
let server: Running;

before(async () => {
  server = await startInProcess([`unix://${sock}`], backend, sock);
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => httpRequest(sock, "GET", path);
const post = (path: string, body?: string, headers: Record<string, string> = {}) =>
  httpRequest(
    sock,
    "POST",
    path,
    body === undefined ? { headers } : { body, headers: { "Content-Type": "application/json", ...headers } },
  );
const json = (b: Buffer) => JSON.parse(b.toString()) as Record<string, unknown>;

async function createContainer(
  name: string,
  cmd: string[],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const r = await post(
    `/v1.41/containers/create?name=${name}`,
    JSON.stringify({ Image: "busybox", Cmd: cmd, ...extra }),
  );
  assert.equal(r.status, 201, r.body.toString());
  return json(r.body).Id as string;
}

describe("negotiation", () => {
  test("HEAD /_ping: engine headers in the engine's order, no body", async () => {
    const r = await httpRequest(sock, "HEAD", "/_ping");
    assert.equal(r.status, 200);
    const names = r.headers.filter((_, i) => i % 2 === 0);
    assert.deepEqual(names.slice(0, 8), [
      "Api-Version",
      "Cache-Control",
      "Content-Type",
      "Docker-Experimental",
      "Ostype",
      "Pragma",
      "Server",
      "Content-Length",
    ]);
    assert.equal(header(r, "Api-Version"), "1.41");
    assert.equal(header(r, "Ostype"), "linux");
    assert.equal(header(r, "Docker-Experimental"), "false");
    assert.equal(header(r, "Cache-Control"), "no-cache, no-store, must-revalidate");
    assert.equal(r.body.length, 0);
  });

  test("GET /_ping answers OK, versioned or not", async () => {
    for (const p of ["/_ping", "/v1.41/_ping", "/v1.24/_ping"]) {
      const r = await get(p);
      assert.equal(r.status, 200, p);
      assert.equal(r.body.toString(), "OK");
    }
  });

  test("too new: 400 JSON with the engine's wording, no Docker-Experimental", async () => {
    const r = await get("/v1.50/version");
    assert.equal(r.status, 400);
    assert.equal(
      r.body.toString(),
      '{"message":"client version 1.50 is too new. Maximum supported API version is 1.41"}\n',
    );
    assert.equal(header(r, "Docker-Experimental"), undefined);
  });

  test("too old: 400 plain text", async () => {
    const r = await get("/v1.11/version");
    assert.equal(r.status, 400);
    assert.match(header(r, "Content-Type")!, /^text\/plain/);
    assert.match(
      r.body.toString(),
      /^client version 1\.11 is too old\. Minimum supported API version is 1\.12/,
    );
  });

  test("unversioned and older versioned paths are served with 1.41 shapes", async () => {
    for (const p of ["/version", "/v1.24/version", "/v1.41/version"]) {
      const r = await get(p);
      assert.equal(r.status, 200, p);
      assert.equal(json(r.body).ApiVersion, "1.41");
      assert.ok(r.body.toString().endsWith("}\n"), "JSON bodies end with a newline");
      const names = r.headers.filter((_, i) => i % 2 === 0);
      assert.deepEqual(names.slice(0, 5), [
        "Api-Version",
        "Content-Type",
        "Docker-Experimental",
        "Ostype",
        "Server",
      ]);
    }
  });
});

describe("errors", () => {
  test("unknown path: 404 page not found", async () => {
    for (const [m, p] of [
      ["GET", "/v1.41/nonexistent"],
      ["GET", "/networks/x"],
      ["PUT", "/containers/json"],
      ["POST", "/containers/json"],
    ] as const) {
      const r = await httpRequest(sock, m, p);
      assert.equal(r.status, 404, `${m} ${p}`);
      assert.deepEqual(json(r.body), { message: "page not found" });
      assert.equal(header(r, "Api-Version"), undefined, "the engine's router 404 carries no engine headers");
    }
  });

  test("no such container: 404 with the engine's wording", async () => {
    const r = await get("/v1.41/containers/nosuch/json");
    assert.equal(r.status, 404);
    assert.equal(r.body.toString(), '{"message":"No such container: nosuch"}\n');
    assert.equal(header(r, "Content-Type"), "application/json");
  });

  test("bad JSON, wrong types, empty body, bad names: 400", async () => {
    const cases: [string, string | undefined, RegExp][] = [
      ["/containers/create", "{not json", /^invalid JSON in request body/],
      ["/containers/create", "[1,2]", /cannot unmarshal array/],
      [
        "/containers/create",
        '{"Image":"busybox","Cmd":5}',
        /cannot unmarshal number into Go struct field ContainerConfigWrapper\.Cmd/,
      ],
      [
        "/containers/create",
        '{"Image":"busybox","Env":"A=1"}',
        /cannot unmarshal string into Go struct field ContainerConfigWrapper\.Env/,
      ],
      ["/containers/create", '{"Image":"busybox","Tty":"yes"}', /Tty of type bool/],
      ["/containers/create", '{"Image":"busybox","Labels":{"a":1}}', /Labels of type map\[string\]string/],
      ["/containers/create", undefined, /^config cannot be empty/],
      ["/containers/create?name=a%20b", '{"Image":"busybox"}', /^Invalid container name \(a b\)/],
      ["/containers/json?filters=%7Bbad", undefined, /^invalid filters/],
    ];
    for (const [path, body, re] of cases) {
      const r = path.includes("json?") ? await get(path) : await post(path, body);
      assert.equal(r.status, 400, `${path} ${body}: ${r.body}`);
      assert.match(String(json(r.body).message), re);
    }
  });

  test("invalid filters answer as the engine does", async () => {
    const f = (o: object) => `/containers/json?filters=${encodeURIComponent(JSON.stringify(o))}`;
    let r = await get(f({ foo: { x: true } }));
    assert.equal(r.status, 400);
    assert.deepEqual(json(r.body), { message: "Invalid filter 'foo'" });
    r = await get(f({ status: { sleeping: true } }));
    assert.deepEqual(json(r.body), { message: "Invalid filter 'status=sleeping'" });
  });

  test("a name conflict is 409, start twice is 304 without a body, stop of a stopped container 304", async () => {
    await createContainer("conflict1", ["sleep", "5"]);
    const r = await post("/containers/create?name=conflict1", JSON.stringify({ Image: "busybox" }));
    assert.equal(r.status, 409);
    assert.match(
      String(json(r.body).message),
      /^Conflict\. The container name "\/conflict1" is already in use/,
    );
    const s1 = await post("/containers/conflict1/start");
    assert.equal(s1.status, 204);
    assert.equal(s1.body.length, 0);
    assert.equal(header(s1, "Content-Type"), undefined);
    const s2 = await post("/containers/conflict1/start");
    assert.equal(s2.status, 304);
    assert.equal(s2.body.length, 0);
    const k = await post("/containers/conflict1/kill");
    assert.equal(k.status, 204);
    const st = await post("/containers/conflict1/stop");
    assert.equal(st.status, 304);
    const del = await httpRequest(sock, "DELETE", "/containers/conflict1");
    assert.equal(del.status, 204);
  });

  test("a huge body gets 413 and the server keeps serving", async () => {
    const big = `{"Image":"busybox","Env":["${"x".repeat(5 * 1024 * 1024)}"]}`;
    const r = await post("/containers/create", big).catch((e: Error) => e);
    if (!(r instanceof Error)) {
      assert.equal(r.status, 413);
      assert.match(String(json(r.body).message), /larger than the limit/);
    }
    assert.equal((await get("/_ping")).status, 200);
  });

  test("a huge chunked body (no Content-Length) gets 413 too", async () => {
    const head =
      "POST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    const chunk = "x".repeat(1 << 20);
    let body = head;
    for (let i = 0; i < 5; i++) body += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    body += "0\r\n\r\n";
    const out = (await rawExchange(sock, body, 3000)).toString();
    assert.match(out, /^HTTP\/1\.1 413 /);
    assert.equal((await get("/_ping")).status, 200);
  });

  test("a client that hangs up in the middle of a body does not disturb the server", async () => {
    const before = backend.requests.filter((r) => r === "Spawn").length;
    await new Promise<void>((resolve) => {
      const s = connect(sock);
      s.on("error", () => {});
      s.on("close", () => resolve());
      s.write(
        'POST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Image":',
      );
      setTimeout(() => s.destroy(), 50);
    });
    assert.equal((await get("/_ping")).status, 200);
    assert.equal(backend.requests.filter((r) => r === "Spawn").length, before, "nothing reached the backend");
  });

  test("malformed HTTP gets a 400 JSON error and the server keeps serving", async () => {
    const out = (await rawExchange(sock, "THIS IS NOT HTTP\r\n\r\n")).toString();
    assert.match(out, /^HTTP\/1\.1 400 Bad Request/);
    assert.match(out, /\{"message":"malformed HTTP request"\}/);
    const out2 = (
      await rawExchange(sock, "GET /_ping HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
    ).toString();
    assert.match(out2, /^HTTP\/1\.1 400/);
    assert.equal((await get("/_ping")).status, 200);
  });

  test("an Upgrade on a route that is not hijackable is refused on the raw socket", async () => {
    const out = (
      await rawExchange(
        sock,
        "GET /v1.41/version HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
      )
    ).toString();
    assert.match(out, /^HTTP\/1\.1 404 Not Found/);
    assert.match(out, /cannot be upgraded/);
  });

  test("attach to a missing container over Upgrade: a 404 JSON answer, not a 101", async () => {
    const out = (
      await rawExchange(
        sock,
        "POST /v1.41/containers/nosuch/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
      )
    ).toString();
    assert.match(out, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.match(out, /\{"message":"No such container: nosuch"\}\n$/);
  });
});

describe("streams", () => {
  test("events pass timeNano through byte for byte (beyond 2^53)", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await createContainer("ev1", ["echo", "x"]);
    const body = await new Promise<string>((resolve) => {
      const s = connect(sock);
      let out = "";
      s.on("data", (d) => {
        out += d.toString();
        if (/"timeNano":\d+\}\n/.test(out)) s.destroy();
      });
      s.on("close", () => resolve(out));
      s.write(`GET /v1.41/events?since=${since} HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
    assert.match(body, /Transfer-Encoding: chunked/);
    const ev = backend.events.find((e) => e.json.includes('"create"') && e.json.includes("ev1"))!;
    assert.ok(body.includes(ev.json), "the event JSON reaches the client unchanged");
    const nano = /"timeNano":(\d+)/.exec(ev.json)![1]!;
    assert.ok(BigInt(nano) > 2n ** 53n);
  });

  test("events with until in the past end the stream", async () => {
    const now = Math.floor(Date.now() / 1000);
    const r = await get(`/events?since=${now - 100}&until=${now - 50}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), "");
  });

  test("a client that disconnects mid-stream (logs -f, events, attach) releases the backend stream", async () => {
    await createContainer("ticker", ["tick"]);
    assert.equal((await post("/containers/ticker/start")).status, 204);
    const c = [...backend.containers.values()].find((x) => x.name === "ticker")!;
    const before = c.listeners.size;
    const watchersBefore = backend.watchers.size;
    const streams = [
      "GET /v1.41/containers/ticker/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /v1.41/events HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /v1.41/containers/ticker/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
    ];
    await Promise.all(
      streams.map(
        (req) =>
          new Promise<void>((resolve) => {
            const s = connect(sock);
            s.once("data", () => setTimeout(() => s.destroy(), 150));
            s.on("close", () => resolve());
            s.write(req);
          }),
      ),
    );
    // Give the backend a tick to see the closed reply channels.
    for (let i = 0; i < 50 && (c.listeners.size > before || backend.watchers.size > watchersBefore); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await post("/containers/ticker/kill");
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(c.listeners.size, 0, "no output listener left");
    assert.equal(backend.watchers.size, watchersBefore, "no event watcher left");
    assert.equal((await get("/_ping")).status, 200);
    await httpRequest(sock, "DELETE", "/containers/ticker?force=1");
  });

  test("logs are stdcopy-framed without a TTY, raw with one; no Content-Type", async () => {
    const id = await createContainer("lg", ["err", "oops"]);
    await post(`/containers/${id}/start`);
    await post(`/containers/${id}/wait`);
    const r = await get(`/v1.41/containers/${id}/logs?stderr=1&stdout=1&tail=all`);
    assert.equal(r.status, 200);
    assert.equal(header(r, "Content-Type"), undefined);
    const frames = [...parseFrames(r.body)];
    assert.deepEqual(
      frames.map((f) => [f.stream, f.payload.toString()]),
      [[2, "oops\n"]],
    );
    const t = await createContainer("lgt", ["echo", "hi"], { Tty: true });
    await post(`/containers/${t}/start`);
    await post(`/containers/${t}/wait`);
    const rt = await get(`/containers/${t}/logs?stdout=1`);
    assert.equal(rt.body.toString(), "hi\r\n");
    const bad = await get(`/containers/${t}/logs`);
    assert.equal(bad.status, 400);
    assert.match(String(json(bad.body).message), /you must choose at least one stream/);
  });

  test("wait flushes headers at once, before the container exits", async () => {
    const id = await createContainer("w1", ["sleep", "0.3"]);
    const t0 = Date.now();
    const head = await new Promise<{ at: number; all: Promise<string> }>((resolve) => {
      const s = connect(sock);
      let out = "";
      let done!: (v: string) => void;
      const all = new Promise<string>((r) => (done = r));
      s.on("data", (d) => {
        if (out === "") resolve({ at: Date.now(), all });
        out += d.toString();
        if (out.includes("0\r\n\r\n")) s.end();
      });
      s.on("close", () => done(out));
      s.write(
        `POST /v1.41/containers/${id}/wait?condition=next-exit HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`,
      );
    });
    await post(`/containers/${id}/start`);
    const out = await head.all;
    assert.ok(head.at - t0 < 250, "headers came before the exit");
    assert.match(out, /\{"StatusCode":0,"Error":null\}\n/);
    const bad = await post(`/containers/${id}/wait?condition=bogus`);
    assert.equal(bad.status, 400);
  });

  test("hijacked exec: 101 with engine headers, stdin raw, half-close is stdin EOF, output framed", async () => {
    const id = await createContainer("ex", ["sleep", "5"]);
    await post(`/containers/${id}/start`);
    const cr = await post(
      `/containers/${id}/exec`,
      JSON.stringify({ Cmd: ["cat"], AttachStdin: true, AttachStdout: true }),
    );
    assert.equal(cr.status, 201);
    const execId = json(cr.body).Id as string;
    const body = '{"Detach":false,"Tty":false}\n';
    const out = await rawExchange(
      sock,
      `POST /v1.41/exec/${execId}/start HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: Upgrade\r\nContent-Type: application/json\r\nUpgrade: tcp\r\n\r\n${body}hello\n`,
      3000,
      true,
    );
    const text = out.toString("latin1");
    assert.match(
      text,
      /^HTTP\/1\.1 101 UPGRADED\r\nContent-Type: application\/vnd\.docker\.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nApi-Version: 1\.41\r\n/,
    );
    const payload = out.subarray(out.indexOf("\r\n\r\n") + 4);
    assert.deepEqual(
      [...parseFrames(payload)].map((f) => [f.stream, f.payload.toString()]),
      [[1, "hello\n"]],
    );
    const ins = await get(`/exec/${execId}/json`);
    assert.equal(json(ins.body).ExitCode, 0);
    const missing = await get("/exec/nosuch/json");
    assert.equal(missing.status, 404);
    assert.deepEqual(json(missing.body), { message: "No such exec instance: nosuch" });
    await httpRequest(sock, "DELETE", `/containers/${id}?force=1`);
  });

  test("attach's 101 carries only Content-Type, Connection and Upgrade", async () => {
    const id = await createContainer("at", ["echo", "hi"]);
    const p = rawExchange(
      sock,
      `POST /v1.41/containers/${id}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nContent-Type: text/plain\r\nUpgrade: tcp\r\n\r\n`,
      3000,
      true,
    );
    await new Promise((r) => setTimeout(r, 100));
    await post(`/containers/${id}/start`);
    const out = await p;
    const head = out.subarray(0, out.indexOf("\r\n\r\n") + 4).toString();
    assert.equal(
      head,
      "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
    );
    const frames = [...parseFrames(out.subarray(head.length))];
    assert.deepEqual(
      frames.map((f) => [f.stream, f.payload.toString()]),
      [[1, "hi\n"]],
    );
  });
});

describe("plain-HTTP attach", () => {
  test("without Upgrade, attach answers 200 + raw-stream and streams the frames", async () => {
    const id = await createContainer("plain-at", ["sleep", "0.2"]);
    const p = httpRequest(sock, "POST", `/v1.41/containers/${id}/attach?stream=1&stdout=1&stderr=1`);
    await new Promise((r) => setTimeout(r, 50));
    const c = [...backend.containers.values()].find((x) => x.id === id)!;
    await post(`/containers/${id}/start`);
    c.emit("stdout", "plain\n");
    const r = await p;
    assert.equal(r.status, 200);
    assert.equal(header(r, "Content-Type"), "application/vnd.docker.raw-stream");
    assert.deepEqual(
      [...parseFrames(r.body)].map((f) => [f.stream, f.payload.toString()]),
      [[1, "plain\n"]],
    );
  });
});

describe("listing", () => {
  test("filters and limit are applied by the frontend when the backend has no fast path", async () => {
    await createContainer("lst-a", ["sleep", "5"], { Labels: { team: "red" } });
    await new Promise((r) => setTimeout(r, 5)); // distinct creation times: the order is newest first
    await createContainer("lst-b", ["sleep", "5"], { Labels: { team: "blue" } });
    await post("/containers/lst-a/start");
    const names = async (q: string) =>
      (JSON.parse((await get(`/containers/json?${q}`)).body.toString()) as { Names: string[] }[]).map(
        (c) => c.Names[0],
      );
    const f = (o: object) => `filters=${encodeURIComponent(JSON.stringify(o))}`;
    assert.ok((await names("")).includes("/lst-a"));
    assert.ok(!(await names("")).includes("/lst-b"), "without all, only running containers");
    assert.deepEqual(await names(`all=1&${f({ name: { "^/lst-": true } })}`), ["/lst-b", "/lst-a"]);
    assert.deepEqual(await names(`all=1&${f({ label: { "team=blue": true } })}`), ["/lst-b"]);
    assert.deepEqual(await names(`${f({ status: { created: true }, name: { "lst-": true } })}`), ["/lst-b"]);
    const id = [...backend.containers.values()].find((c) => c.name === "lst-a")!.id;
    assert.deepEqual(await names(`all=1&${f({ id: { [id.slice(0, 10)]: true } })}`), ["/lst-a"]);
    assert.equal((await names("limit=1")).length, 1);
    const list = JSON.parse(
      (await get(`/containers/json?${f({ name: { "lst-a": true } })}`)).body.toString(),
    );
    assert.equal(list[0].State, "running");
    assert.match(list[0].Status, /^Up /);
    assert.equal(list[0].Command, "sleep 5");
    await httpRequest(sock, "DELETE", "/containers/lst-a?force=1");
    await httpRequest(sock, "DELETE", "/containers/lst-b?force=1");
  });
});
