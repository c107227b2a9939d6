import { lstatSync, unlinkSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Duplex } from "node:stream";
import { ConflictError, InvalidArgumentError, UnavailableError } from "../../core/errors.ts";
import type { Address } from "./options.ts";

/** What the listeners serve: node:http's request and upgrade listeners. */
export interface Handlers {
  onRequest: http.RequestListener;
  onUpgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  /**
   * Offered each new plain (non-TLS) connection before any byte is parsed: resolves true when it
   * took the connection over (a raw pass-through, PROTOCOL §6.8); false hands it to node:http.
   */
  raw?: (socket: net.Socket) => Promise<boolean>;
}

export interface TlsMaterial {
  verify: boolean;
  ca?: Buffer | undefined;
  cert: Buffer;
  key: Buffer;
}

export interface Listener {
  url: string;
  /** Stop accepting, drop every open connection, remove the unix socket file we created. */
  close(): Promise<void>;
}

const BAD_REQUEST_BODY = `${JSON.stringify({ message: "malformed HTTP request" })}\n`;
const BAD_REQUEST = `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BAD_REQUEST_BODY)}\r\nConnection: close\r\n\r\n${BAD_REQUEST_BODY}`;

/** Is something already answering on this unix socket path? A stale file is not "in use". */
function unixInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function prepareUnix(address: Extract<Address, { kind: "unix" }>): Promise<void> {
  let st: ReturnType<typeof lstatSync> | undefined;
  try {
    st = lstatSync(address.path);
  } catch {
    return; // nothing there
  }
  if (!st.isSocket())
    throw new ConflictError(`cannot listen on ${address.url}: ${address.path} exists and is not a socket`);
  if (await unixInUse(address.path))
    throw new ConflictError(`cannot listen on ${address.url}: address already in use`);
  unlinkSync(address.path); // a stale socket left by a process that died
}

function createServer(address: Address, tls: TlsMaterial | undefined, h: Handlers): http.Server {
  const server =
    address.kind === "tcp" && tls
      ? https.createServer({
          // The client's FIN is stdin's EOF on hijacked streams: our side must stay writable.
          allowHalfOpen: true,
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca && { ca: tls.ca }),
          requestCert: tls.verify,
          rejectUnauthorized: tls.verify,
        })
      : http.createServer();
  server.on("request", h.onRequest);
  server.on("upgrade", h.onUpgrade);
  // A malformed request gets a Docker-style 400, and the server keeps serving the others.
  server.on("clientError", (_err, socket: Duplex) => {
    if (socket.writable) socket.end(BAD_REQUEST);
    else socket.destroy();
  });
  return server;
}

function listenOne(address: Address, tls: TlsMaterial | undefined, h: Handlers): Promise<Listener> {
  return (async () => {
    if (address.kind === "unix") await prepareUnix(address);
    const server = createServer(address, tls, h);
    const sockets = new Set<Duplex>();
    const track = (s: Duplex) => {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
    };
    const tlsOn = !!tls && address.kind === "tcp";
    // With a raw pass-through on offer, a plain connection is held paused until the chain says
    // whether it takes it; node:http gets it (unread bytes included) only if it does not.
    const raw = !tlsOn ? h.raw : undefined;
    const handToHttp = (socket: net.Socket) => {
      server.emit("connection", socket);
      socket.resume();
    };
    const front: net.Server = raw
      ? net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
          track(socket);
          socket.on("error", () => {});
          raw(socket).then(
            (taken) => taken || handToHttp(socket),
            () => handToHttp(socket),
          );
        })
      : server;
    if (!raw) server.on(tlsOn ? "secureConnection" : "connection", track);
    await new Promise<void>((resolve, reject) => {
      front.once("error", (err: NodeJS.ErrnoException) => {
        if (err.code === "EADDRINUSE")
          reject(new ConflictError(`cannot listen on ${address.url}: address already in use`));
        else if (err.code === "EACCES")
          reject(new InvalidArgumentError(`cannot listen on ${address.url}: permission denied`));
        else reject(new UnavailableError(`cannot listen on ${address.url}: ${err.message}`));
      });
      if (address.kind === "unix") front.listen(address.path, resolve);
      else front.listen(address.port, address.host, resolve);
    });
    front.on("error", () => {}); // after listening, per-connection errors are handled per connection
    // node:http starts its connection tracking (request and header timeouts, closeAllConnections)
    // on its own "listening": when a plain net server listens in front of it, say so explicitly.
    if (front !== server) server.emit("listening");
    return {
      url: address.url,
      close: () =>
        new Promise<void>((resolve) => {
          if (front !== server) server.close(); // stops its connection-tracking timer
          front.close(() => resolve());
          for (const s of sockets) s.destroy();
          server.closeAllConnections?.();
          if (address.kind === "unix") {
            try {
              unlinkSync(address.path);
            } catch {
              // already gone (libuv unlinks on close)
            }
          }
        }),
    };
  })();
}

/** Listen on every address, or on none: if one fails, the others are closed and the error thrown. */
export async function listenAll(
  addresses: readonly Address[],
  tls: TlsMaterial | undefined,
  h: Handlers,
): Promise<Listener[]> {
  const results = await Promise.allSettled(addresses.map((a) => listenOne(a, tls, h)));
  const ok = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r) => r.status === "rejected");
  if (failed) {
    await Promise.all(ok.map((l) => l.close()));
    throw failed.reason;
  }
  return ok;
}
