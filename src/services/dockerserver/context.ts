import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { InvalidArgumentError, LimitExceededError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import type { Sender } from "../../core/message.ts";

/** An exec object the frontend was handed; the API addresses execs by a global ID (§6.4.1). */
export interface ExecRef {
  object: Sender;
  containerId: string;
}

/** State shared by every listener of one dockerserver instance. */
export interface ServerState {
  log: Logger;
  execs: Map<string, ExecRef>;
  /** Whether the backend answers the `Get ["containers", …]` fast path; unknown until tried. */
  fastList: boolean | undefined;
  /** Largest request body we read (create, exec). */
  maxBody: number;
}

/** One Docker API request on its way through a route. */
export interface Ctx {
  req: IncomingMessage;
  /** Absent on hijacked (Upgrade) requests, which answer on `upgrade.socket`. */
  res: ServerResponse | undefined;
  upgrade: { socket: Duplex; head: Buffer; upgraded: boolean } | undefined;
  params: Record<string, string | undefined>;
  query: Record<string, string | string[] | undefined>;
  /** The backend root for this connection (§6.1; per identity on TLS connections). */
  root: Sender;
  state: ServerState;
}

/** The one value of a query parameter (the last one if repeated). */
export function q(ctx: Ctx, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Docker's boolean query values: anything but "", "0", "no", "false", "none" is true. */
export function qBool(ctx: Ctx, name: string): boolean {
  const v = q(ctx, name);
  if (v === undefined) return false;
  const l = v.toLowerCase();
  return !(l === "" || l === "0" || l === "no" || l === "false" || l === "none");
}

/** An integer query parameter, or undefined when absent; a non-integer is the client's error. */
export function qInt(ctx: Ctx, name: string): number | undefined {
  const v = q(ctx, name);
  if (v === undefined || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return Number(v);
}

/** Read a request body, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const len = req.headers["content-length"];
  if (len === "0" || (len === undefined && !req.headers["transfer-encoding"]))
    return Promise.resolve(Buffer.alloc(0));
  if (len !== undefined && Number(len) > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
    // A client that hangs up mid-body: settle, so nothing waits on a body that will never come.
    req.on("close", () => {
      if (!req.complete)
        reject(new InvalidArgumentError("the client closed the connection before the body was complete"));
    });
  });
}

function tooLarge(limit: number): LimitExceededError {
  return new LimitExceededError(`request body is larger than the limit of ${limit} bytes`);
}

/** Parse a JSON request body; empty gives undefined. Bad JSON is a 400 with a clear message. */
export function parseJSONBody(buf: Buffer): unknown {
  if (buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch (err) {
    throw new InvalidArgumentError(`invalid JSON in request body: ${(err as Error).message}`);
  }
}
