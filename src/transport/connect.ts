import { existsSync, statSync, unlinkSync } from "node:fs";
import net from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { UnavailableError } from "../core/errors.ts";
import { type Logger, silentLogger } from "../core/logger.ts";
import type { Sender } from "../core/message.ts";
import { type Address, formatAddress, parseAddress } from "./address.ts";
import type { WireLimits } from "./limits.ts";
import { clientTlsOptions, serverTlsOptions, type TlsFlags } from "./tls-flags.ts";
import { WireSession } from "./wire.ts";

export interface TransportOptions {
  tls?: TlsFlags | undefined;
  limits?: Partial<WireLimits>;
  log?: Logger;
}

export interface DialOptions extends TransportOptions {
  /** Serve channels the listener opens towards us (rare; usually only the dialer opens channels). */
  handler?: Sender;
  /** Give up connecting after this long. Default 10 s. */
  connectTimeoutMs?: number;
}

/** Connect to a listener at `url` (unix:// or tcp://, TLS when `tls` is set) and start a wire session. */
export async function dial(url: string, options: DialOptions = {}): Promise<WireSession> {
  const addr = parseAddress(url);
  const conn = await openConnection(addr, options);
  return new WireSession(conn, {
    client: true,
    ...(options.handler && { handler: options.handler }),
    ...(options.limits && { limits: options.limits }),
    ...(options.log && { log: options.log }),
  });
}

function openConnection(addr: Address, options: DialOptions): Promise<Duplex> {
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const target = addr.kind === "unix" ? { path: addr.path } : { host: addr.host, port: addr.port };
    let sock: net.Socket;
    const ready = options.tls ? "secureConnect" : "connect";
    if (options.tls) {
      const servername = addr.kind === "tcp" && net.isIP(addr.host) === 0 ? addr.host : undefined;
      sock = tls.connect({ ...target, ...clientTlsOptions(options.tls), ...(servername && { servername }) });
    } else sock = net.connect(target);
    const timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(
        new UnavailableError(`cannot connect to ${formatAddress(addr)}: ${err.message}`, { cause: err }),
      );
    };
    sock.once("error", fail);
    sock.once(ready, () => {
      clearTimeout(timer);
      sock.off("error", fail);
      if (addr.kind === "tcp") sock.setNoDelay(true);
      resolve(sock);
    });
  });
}

/** A running listener. */
export interface WireListener {
  /** The address it listens on, with the real port when 0 was asked. */
  readonly url: string;
  /** Sessions currently open. */
  readonly sessions: ReadonlySet<WireSession>;
  /** Stop accepting, end every session. */
  close(): Promise<void>;
}

/**
 * Listen on `url`; every channel a connected peer opens delivers its messages to `handler`.
 * A peer that fails the TLS handshake is logged and dropped.
 */
export async function serve(
  url: string,
  handler: Sender,
  options: TransportOptions = {},
): Promise<WireListener> {
  const addr = parseAddress(url);
  const log = options.log ?? silentLogger;
  const sessions = new Set<WireSession>();
  const onConnection = (conn: net.Socket) => {
    if (addr.kind === "tcp") conn.setNoDelay(true);
    const s = new WireSession(conn, {
      client: false,
      handler,
      ...(options.limits && { limits: options.limits }),
      log,
    });
    sessions.add(s);
    log.debug({ remote: conn.remoteAddress ?? "unix" }, "wire: peer connected");
    void s.done.then((err) => {
      sessions.delete(s);
      log.debug({ reason: err.message }, "wire: peer disconnected");
    });
  };
  const server = options.tls
    ? tls.createServer(serverTlsOptions(options.tls), onConnection)
    : net.createServer(onConnection);
  server.on("tlsClientError", (err: Error) => log.warn({ err: err.message }, "wire: TLS handshake refused"));
  server.on("error", (err: Error) => log.error({ err: err.message }, "wire: listener error"));
  if (addr.kind === "unix" && existsSync(addr.path) && statSync(addr.path).isSocket()) unlinkSync(addr.path);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const done = () => {
      server.off("error", reject);
      resolve();
    };
    if (addr.kind === "unix") server.listen(addr.path, done);
    else server.listen(addr.port, addr.host, done);
  });
  const bound = server.address();
  const actual: Address =
    addr.kind === "tcp" && bound && typeof bound === "object" ? { ...addr, port: bound.port } : addr;
  return {
    url: formatAddress(actual),
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.close();
        server.close(() => resolve());
      }),
  };
}
