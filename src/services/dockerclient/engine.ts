import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import net from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { fromErrorArgs, NotModifiedError, type SwarmError, UnavailableError } from "../../core/errors.ts";
import { errorCodeOfStatus } from "../../docker/status.ts";
import type { EngineOptions, EngineTarget } from "./options.ts";
import { SshAgent } from "./ssh-agent.ts";

/** Every call names this API version, so documents have the shapes of docs/PROTOCOL.md §6 (1.41). */
export const apiVersion = "1.41";

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** A JSON document, sent as given (never re-encoded, so big integers survive). */
  body?: string;
  signal?: AbortSignal;
}

/** The outcome of a request that may be hijacked (attach, exec start). */
export type Hijacked = { socket: Duplex } | { response: IncomingMessage };

/**
 * The HTTP side of dockerclient: requests to one engine over a unix socket, TCP, TLS or ssh,
 * with keep-alive connections. Non-2xx answers become typed errors carrying the engine's message
 * unchanged and the code of its HTTP status; a failure to connect becomes UnavailableError naming
 * the engine.
 */
export class Engine {
  readonly label: string;
  private readonly agent: http.Agent;
  private readonly base: http.RequestOptions;
  private readonly transport: typeof http | typeof https;
  private readonly target: EngineTarget;
  /** Hijacked connections leave the agent; they are destroyed with the engine. */
  private readonly hijacked = new Set<Duplex>();
  private closed = false;

  constructor(options: EngineOptions) {
    this.label = options.label;
    const t = options.target;
    this.target = t;
    // No cap on open connections: followed streams (logs -f, events, wait) each hold one, and a cap
    // would make every other request queue behind them. Idle ones kept: 64.
    const keep = { keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, maxFreeSockets: 64 };
    this.transport = http;
    if (t.kind === "unix") {
      this.agent = new http.Agent(keep);
      this.base = { socketPath: t.socketPath };
    } else if (t.kind === "ssh") {
      this.agent = new SshAgent(t, keep);
      this.base = { host: "docker" };
    } else if (t.tls) {
      const tls = t.tls;
      this.transport = https;
      this.agent = new https.Agent({
        ...keep,
        rejectUnauthorized: tls.verify,
        ...(tls.ca && { ca: tls.ca }),
        ...(tls.cert && { cert: tls.cert }),
        ...(tls.key && { key: tls.key }),
      });
      this.base = { host: t.host, port: t.port };
    } else {
      this.agent = new http.Agent(keep);
      this.base = { host: t.host, port: t.port };
    }
  }

  /** A request whose whole body is read. Resolves with the body of a 2xx answer. */
  async call(method: string, path: string, options: RequestOptions = {}): Promise<Buffer> {
    const res = await this.stream(method, path, options);
    return this.readBody(res);
  }

  /** A request whose 2xx answer is handed over as soon as its headers arrive (logs, events, wait). */
  async stream(method: string, path: string, options: RequestOptions = {}): Promise<IncomingMessage> {
    const out = await this.open(method, path, options, false);
    if ("socket" in out)
      throw new UnavailableError(`Docker engine at ${this.label} upgraded a plain request`);
    return this.checked(out.response);
  }

  /** A request the engine may hijack (101 Upgrade): attach, exec start. */
  async hijack(method: string, path: string, options: RequestOptions = {}): Promise<Hijacked> {
    const out = await this.open(method, path, options, true);
    if ("socket" in out) {
      const socket = out.socket;
      this.hijacked.add(socket);
      socket.once("close", () => this.hijacked.delete(socket));
      if (this.closed) socket.destroy();
      return out;
    }
    return { response: await this.checked(out.response) };
  }

  /** Read a body to the end; an engine that goes away mid-body becomes UnavailableError. */
  async readBody(res: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res) chunks.push(chunk as Buffer);
    } catch (err) {
      throw this.wentAway(err);
    }
    return Buffer.concat(chunks);
  }

  /** The error for a stream that broke because the engine closed or crashed. */
  wentAway(err: unknown): SwarmError {
    return new UnavailableError(
      `Docker engine at ${this.label} went away: ${(err as Error)?.message ?? err}`,
    );
  }

  /**
   * A raw byte stream to the engine's API (no HTTP of ours on it), for a pass-through: the same
   * unix socket, TCP, TLS material or ssh session as requests use. The copier must allow half-open
   * connections: a hijacked attach or exec uses the client's FIN as stdin's EOF and keeps sending
   * output after it. Closed with the engine.
   */
  async dial(): Promise<Duplex> {
    if (this.closed) throw new UnavailableError(`Docker engine at ${this.label}: client closed`);
    const t = this.target;
    let socket: Duplex;
    try {
      if (t.kind === "ssh") socket = await (this.agent as SshAgent).openStream();
      else {
        socket = await new Promise<Duplex>((resolve, reject) => {
          const s =
            t.kind === "unix"
              ? net.connect({ path: t.socketPath, allowHalfOpen: true })
              : t.tls
                ? tls.connect({
                    host: t.host,
                    port: t.port,
                    rejectUnauthorized: t.tls.verify,
                    ...(net.isIP(t.host) === 0 && { servername: t.host }),
                    ...(t.tls.ca && { ca: t.tls.ca }),
                    ...(t.tls.cert && { cert: t.tls.cert }),
                    ...(t.tls.key && { key: t.tls.key }),
                  })
                : net.connect({ port: t.port, host: t.host, allowHalfOpen: true });
          s.once(t.kind === "tcp" && t.tls ? "secureConnect" : "connect", () => {
            s.removeListener("error", reject);
            resolve(s);
          });
          s.once("error", reject);
        });
      }
    } catch (err) {
      throw this.unreachable(err as NodeJS.ErrnoException);
    }
    this.hijacked.add(socket);
    socket.once("close", () => this.hijacked.delete(socket));
    return socket;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.agent.destroy();
    for (const s of this.hijacked) s.destroy();
    this.hijacked.clear();
  }

  private open(
    method: string,
    path: string,
    options: RequestOptions,
    hijack: boolean,
    retried = false,
  ): Promise<Hijacked> {
    if (this.closed)
      return Promise.reject(new UnavailableError(`Docker engine at ${this.label}: client closed`));
    const headers: http.OutgoingHttpHeaders = {};
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = Buffer.byteLength(options.body);
    }
    if (hijack) {
      headers.Connection = "Upgrade";
      headers.Upgrade = "tcp";
    }
    const req = this.transport.request({
      ...this.base,
      agent: this.agent,
      method,
      path: `/v${apiVersion}${path}${queryString(options.query)}`,
      headers,
      ...(options.signal && { signal: options.signal }),
    });
    return new Promise<Hijacked>((resolve, reject) => {
      req.on("response", (response) => resolve({ response }));
      if (hijack) {
        req.on("upgrade", (_res, socket, head) => {
          if (head.length > 0) socket.unshift(head);
          resolve({ socket });
        });
      }
      req.on("error", (err: NodeJS.ErrnoException) => {
        // A kept-alive connection the engine closed while idle: the request never reached it.
        if (req.reusedSocket && !retried && (err.code === "ECONNRESET" || err.code === "EPIPE")) {
          this.open(method, path, options, hijack, true).then(resolve, reject);
          return;
        }
        reject(err.name === "AbortError" ? err : this.unreachable(err));
      });
      req.end(options.body);
    });
  }

  /** A 2xx response as is; anything else becomes the engine's error, typed by status. */
  private async checked(res: IncomingMessage): Promise<IncomingMessage> {
    const status = res.statusCode ?? 500;
    if (status >= 200 && status < 300) return res;
    const body = (await this.readBody(res)).toString("utf8");
    if (status === 304) throw new NotModifiedError(messageOf(body, res.headers) || "not modified");
    return Promise.reject(
      fromErrorArgs([messageOf(body, res.headers) || `HTTP ${status}`, errorCodeOfStatus(status)]),
    );
  }

  private unreachable(err: NodeJS.ErrnoException): SwarmError {
    return new UnavailableError(`cannot reach Docker engine at ${this.label}: ${err.message || err.code}`, {
      cause: err,
    });
  }
}

/** The engine's error message: `{"message": …}` in JSON, or the text of a plain-text answer. */
export function messageOf(body: string, headers: IncomingHttpHeaders): string {
  const text = body.trim();
  if (String(headers["content-type"] ?? "").includes("json") || text.startsWith("{")) {
    try {
      const doc = JSON.parse(text) as { message?: unknown };
      if (typeof doc?.message === "string") return doc.message;
    } catch {}
  }
  return text;
}

/** `?a=1&b=x` from options: true → "1" (as the CLI sends), false/undefined → left out. */
export function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === false || v === "") continue;
    params.append(k, v === true ? "1" : String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}
