/**
 * A fake Consul agent for the consul driver's tests (Consul's server cannot be installed here). It
 * keeps the parts of the KV HTTP API the driver uses, with Consul's semantics: a raft-like index
 * bumped by each write, `X-Consul-Index` on every read, `?recurse` prefix reads answering 404 when
 * nothing matches, values in base64, and blocking queries (`?index=N&wait=Ds`) that hold the
 * request until the index passes N or the wait ends.
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

export async function startFakeConsul(): Promise<FakeConsul> {
  const kv = new Map<string, { value: Buffer; modifyIndex: number }>();
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

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? "/", "http://consul");
    if (!url.pathname.startsWith("/v1/kv/")) {
      res.writeHead(404).end();
      return;
    }
    const key = decodeURIComponent(url.pathname.slice("/v1/kv/".length));
    if (req.method === "PUT") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        put(key, Buffer.concat(chunks).toString());
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
          LockIndex: 0,
          Flags: 0,
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
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
