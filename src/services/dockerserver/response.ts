import type { ServerResponse } from "node:http";
import { ErrorCodes, SwarmError } from "../../core/errors.ts";
import { httpStatusOf } from "../../docker/status.ts";
import { API_VERSION } from "./version.ts";

/** What we put in `Server:`. Honest about who answers; the CLI does not read it. */
export const SERVER = "libswarm/0.1.0 (linux)";

/** The engine's header order: Api-Version, Content-Type, Docker-Experimental, Ostype, Server. */
function headers(contentType: string | undefined, extra?: readonly string[]): string[] {
  const h = ["Api-Version", API_VERSION];
  if (contentType) h.push("Content-Type", contentType);
  h.push("Docker-Experimental", "false", "Ostype", "linux", "Server", SERVER);
  if (extra) h.push(...extra);
  return h;
}

const JSON_TYPE = "application/json";

/** A JSON body as the engine sends it: compact, ending with "\n", with a Content-Length. */
export function sendJSON(res: ServerResponse, status: number, json: string): void {
  const body = json.endsWith("\n") ? json : `${json}\n`;
  res.writeHead(status, [...headers(JSON_TYPE), "Content-Length", String(Buffer.byteLength(body))]);
  res.end(body);
}

/** 204 / 304 and friends: no Content-Type, no Content-Length, no body. */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, headers(undefined));
  res.end();
}

/** `GET|HEAD /_ping`: the negotiation answer (HEAD has no body but the same headers). */
export function sendPing(res: ServerResponse, head: boolean): void {
  res.writeHead(200, [
    "Api-Version",
    API_VERSION,
    "Cache-Control",
    "no-cache, no-store, must-revalidate",
    "Content-Type",
    "text/plain; charset=utf-8",
    "Docker-Experimental",
    "false",
    "Ostype",
    "linux",
    "Pragma",
    "no-cache",
    "Server",
    SERVER,
    "Content-Length",
    head ? "0" : "2",
  ]);
  res.end(head ? undefined : "OK");
}

/** Start a streamed (chunked) 200 and flush the headers at once, before any data exists. */
export function startStream(res: ServerResponse, contentType: string | undefined): void {
  res.writeHead(200, headers(contentType));
  res.flushHeaders();
}

/** The HTTP status and message for any thrown value (docs/errors.md; PROTOCOL §6.5). */
export function httpErrorOf(err: unknown): { status: number; message: string } {
  if (err instanceof SwarmError) {
    let message = err.message;
    if (err.code === ErrorCodes.NotImplemented && message === "not implemented") {
      message = "not implemented by the backend";
    }
    return { status: httpStatusOf[err.code] ?? 500, message };
  }
  return { status: 500, message: err instanceof Error ? err.message || String(err) : String(err) };
}

/** Answer an error: `{"message": …}` with its status; 304 has no body. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    // Too late for a status: the stream was already promised. End it.
    res.end();
    return;
  }
  const { status, message } = httpErrorOf(err);
  if (status === 304) sendEmpty(res, 304);
  else sendJSON(res, status, JSON.stringify({ message }));
}

const NOT_FOUND_BODY = `${JSON.stringify({ message: "page not found" })}\n`;

/** The engine router's own 404 for unknown routes: only Content-Type (and Date, Content-Length). */
export function sendPageNotFound(res: ServerResponse): void {
  res.writeHead(404, ["Content-Type", JSON_TYPE, "Content-Length", String(NOT_FOUND_BODY.length)]);
  res.end(NOT_FOUND_BODY);
}

/** The engine's version errors: too new is JSON without Docker-Experimental, too old is plain text. */
export function sendVersionError(res: ServerResponse, message: string, json: boolean): void {
  const body = json ? `${JSON.stringify({ message })}\n` : `${message}\n`;
  res.writeHead(400, [
    "Api-Version",
    API_VERSION,
    "Content-Type",
    json ? JSON_TYPE : "text/plain; charset=utf-8",
    "Ostype",
    "linux",
    "Server",
    SERVER,
    "Content-Length",
    String(Buffer.byteLength(body)),
  ]);
  res.end(body);
}

/** The raw header block of an HTTP answer written straight on a socket (hijack paths). */
export function rawHead(
  status: number,
  reason: string,
  contentType?: string,
  contentLength?: number,
): string {
  let s = `HTTP/1.1 ${status} ${reason}\r\n`;
  const h = headers(contentType);
  for (let i = 0; i < h.length; i += 2) s += `${h[i]}: ${h[i + 1]}\r\n`;
  if (contentLength !== undefined) s += `Content-Length: ${contentLength}\r\n`;
  return `${s}\r\n`;
}

/** The 101 of `containers/{id}/attach`: only these three headers, as the engine sends them. */
export const ATTACH_UPGRADED =
  "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";

/** The 101 of `exec/{id}/start` carries the usual engine headers too. */
export const EXEC_UPGRADED = `HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nApi-Version: ${API_VERSION}\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: ${SERVER}\r\n\r\n`;
