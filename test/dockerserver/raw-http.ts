/** Minimal HTTP over a unix socket for tests: exact status, header order and body bytes. */
import http from "node:http";
import { connect } from "node:net";

export interface RawResponse {
  status: number;
  /** Header names and values in the order they came. */
  headers: string[];
  body: Buffer;
}

export function httpRequest(
  socketPath: string,
  method: string,
  path: string,
  opts: { body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path, headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.rawHeaders, body: Buffer.concat(chunks) }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** The value of a header (case-insensitive), or undefined. */
export function header(r: RawResponse, name: string): string | undefined {
  for (let i = 0; i < r.headers.length; i += 2)
    if (r.headers[i]!.toLowerCase() === name.toLowerCase()) return r.headers[i + 1];
  return undefined;
}

/** Send raw bytes on a fresh connection; resolve with everything the server sent until it closed (or `ms`). */
export function rawExchange(
  socketPath: string,
  bytes: string | Buffer,
  ms = 2000,
  halfClose = false,
): Promise<Buffer> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => s.destroy(), ms);
    s.on("data", (c) => chunks.push(c));
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    s.write(bytes);
    if (halfClose) s.end();
  });
}
