/**
 * A fake Consul agent for the consul driver's tests (Consul's server cannot be installed here). It
 * keeps the parts of the KV HTTP API the driver uses, with Consul's semantics: a raft-like index
 * bumped by each write, `X-Consul-Index` on every read, `?recurse` prefix reads answering 404 when
 * nothing matches, values in base64, and blocking queries (`?index=N&wait=Ds`) that hold the
 * request until the index passes N or the wait ends. Sessions: `PUT /v1/session/create` with a `TTL`
 * (Consul's bounds, 10 s to 24 h, unless `minTtlS` lowers the floor for a quick test), `PUT
 * /v1/session/renew/<id>` (404 once expired), and `Behavior: delete`: the keys a session acquired
 * (`PUT /v1/kv/<key>?acquire=<id>`, "false" when another live session holds the key) are deleted
 * when it expires. Consul may wait up to twice the TTL; the fake expires at the TTL.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface FakeConsul {
  hostPort: string;
  put(key: string, value: string): void;
  delete(key: string): void;
  /** Requests seen, for asserting that blocking queries were used. */
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeConsul(opts: { minTtlS?: number } = {}): Promise<FakeConsul> {
  const minTtlS = opts.minTtlS ?? 10;
  const kv = new Map<string, { value: Buffer; modifyIndex: number; session?: string }>();
  const sessions = new Map<string, { ttlMs: number; timer: NodeJS.Timeout }>();
  let sessionCounter = 0;
  let index = 1;
  const waiters = new Set<() => void>();
  const requests: string[] = [];
  const bump = () => {
    index++;
    for (const w of [...waiters]) w();
  };
  const put = (key: string, value: string) => {
    kv.set(key, { value: Buffer.from(value), modifyIndex: index + 1 });
    bump();
  };
  const del = (key: string) => {
    if (kv.delete(key)) bump();
  };
  const expire = (id: string) => {
    sessions.delete(id);
    for (const [k, v] of [...kv]) if (v.session === id) del(k);
  };
  const arm = (id: string, ttlMs: number) => {
    const timer = setTimeout(() => expire(id), ttlMs);
    timer.unref();
    return timer;
  };
  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks).toString()));
    });
  const json = (res: ServerResponse, status: number, doc: unknown) =>
    res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(doc));

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? "/", "http://consul");
    if (req.method === "PUT" && url.pathname === "/v1/session/create") {
      void readBody(req).then((text) => {
        const body = JSON.parse(text || "{}") as { TTL?: string; Behavior?: string };
        const ttlS = Number.parseFloat(body.TTL ?? "");
        if (!(ttlS >= minTtlS && ttlS <= 86_400) || !/^\d+(\.\d+)?s$/.test(body.TTL ?? "")) {
          res.writeHead(500).end(`Invalid Session TTL '${body.TTL}', must be between [${minTtlS}s=24h0m0s]`);
          return;
        }
        const id = `00000000-0000-0000-0000-${String(++sessionCounter).padStart(12, "0")}`;
        sessions.set(id, { ttlMs: ttlS * 1000, timer: arm(id, ttlS * 1000) });
        json(res, 200, { ID: id });
      });
      return;
    }
    if (req.method === "PUT" && url.pathname.startsWith("/v1/session/renew/")) {
      const id = url.pathname.slice("/v1/session/renew/".length);
      const s = sessions.get(id);
      if (!s) {
        res.writeHead(404).end(`Session id '${id}' not found`);
        return;
      }
      clearTimeout(s.timer);
      s.timer = arm(id, s.ttlMs);
      json(res, 200, [{ ID: id, TTL: `${s.ttlMs / 1000}s`, Behavior: "delete" }]);
      return;
    }
    if (!url.pathname.startsWith("/v1/kv/")) {
      res.writeHead(404).end();
      return;
    }
    const key = decodeURIComponent(url.pathname.slice("/v1/kv/".length));
    if (req.method === "PUT") {
      void readBody(req).then((text) => {
        const acquire = url.searchParams.get("acquire");
        if (acquire !== null) {
          const holder = kv.get(key)?.session;
          if (!sessions.has(acquire) || (holder && holder !== acquire && sessions.has(holder))) {
            res.writeHead(200, { "Content-Type": "application/json" }).end("false");
            return;
          }
        }
        put(key, text);
        if (acquire !== null) kv.get(key)!.session = acquire;
        res.writeHead(200, { "Content-Type": "application/json" }).end("true");
      });
      return;
    }
    if (req.method === "DELETE") {
      del(key);
      res.writeHead(200, { "Content-Type": "application/json" }).end("true");
      return;
    }
    const answer = () => {
      const recurse = url.searchParams.has("recurse");
      const pairs = [...kv.entries()]
        .filter(([k]) => (recurse ? k.startsWith(key) : k === key))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => ({
          Key: k,
          Value: v.value.toString("base64"),
          CreateIndex: v.modifyIndex,
          ModifyIndex: v.modifyIndex,
          LockIndex: v.session ? 1 : 0,
          Flags: 0,
          ...(v.session && { Session: v.session }),
        }));
      const headers = { "Content-Type": "application/json", "X-Consul-Index": String(index) };
      if (pairs.length === 0) res.writeHead(404, headers).end();
      else res.writeHead(200, headers).end(JSON.stringify(pairs));
    };
    const since = Number(url.searchParams.get("index") ?? "0");
    if (since > 0 && since >= index) {
      const waitS = Number.parseFloat(url.searchParams.get("wait") ?? "300");
      let timer: NodeJS.Timeout | undefined;
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (!res.destroyed) answer();
      };
      timer = setTimeout(wake, Math.min(waitS, 600) * 1000);
      waiters.add(wake);
      res.on("close", () => {
        clearTimeout(timer);
        waiters.delete(wake);
      });
      return;
    }
    answer();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    hostPort: `127.0.0.1:${port}`,
    put,
    delete: del,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions.values()) clearTimeout(s.timer);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
