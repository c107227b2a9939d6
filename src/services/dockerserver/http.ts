import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { InvalidArgumentError, NotFoundError } from "../../core/errors.ts";
import type { Sender } from "../../core/message.ts";
import type { Ctx, ServerState } from "./context.ts";
import { rawError } from "./hijack.ts";
import { httpErrorOf, sendError, sendPageNotFound, sendPing, sendVersionError } from "./response.ts";
import type { Router } from "./router.ts";
import { checkVersion, splitVersion } from "./version.ts";

/** Where a connection's requests go: the backend root, or a per-identity root (TLS, §6.1). */
export type RootFor = (socket: Duplex) => Sender | Promise<Sender>;

function isPing(path: string): boolean {
  return path === "/_ping" || path.startsWith("/_ping?");
}

function report(state: ServerState, req: IncomingMessage, err: unknown): void {
  const { status, message } = httpErrorOf(err);
  if (status >= 500)
    state.log.warn({ method: req.method, url: req.url, status, err: message }, "request failed");
  else state.log.debug({ method: req.method, url: req.url, status, err: message }, "request refused");
}

/** The `request` and `upgrade` listeners of one node:http server. */
export function handlers(router: Router, state: ServerState, rootFor: RootFor) {
  /** A matched route's context: how it answers (`res` or `upgrade`) and the connection's root. */
  async function contextFor(
    req: IncomingMessage,
    socket: Duplex,
    found: NonNullable<ReturnType<Router["find"]>>,
    answer: Pick<Ctx, "res" | "upgrade">,
  ): Promise<Ctx> {
    const r = rootFor(socket);
    const root = r instanceof Promise ? await r : r;
    return { req, ...answer, params: found.params, query: found.query, root, state };
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { version, path } = splitVersion(req.url ?? "/");
    const bad = checkVersion(version);
    if (bad) return sendVersionError(res, bad.message, bad.json);
    const method = req.method ?? "GET";
    if (isPing(path) && (method === "GET" || method === "HEAD")) return sendPing(res, method === "HEAD");
    const found = router.find(method, path);
    if (!found) return sendPageNotFound(res);
    try {
      await found.route.handler(await contextFor(req, req.socket, found, { res, upgrade: undefined }));
    } catch (err) {
      report(state, req, err);
      sendError(res, err);
    }
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => {}); // a client that vanishes mid-stream is not our failure
    let ctx: Ctx | undefined;
    try {
      const { version, path } = splitVersion(req.url ?? "/");
      const bad = checkVersion(version);
      if (bad) throw new InvalidArgumentError(bad.message);
      const found = router.find(req.method ?? "GET", path);
      if (!found) throw new NotFoundError("page not found");
      if (!found.route.hijack) throw new NotFoundError(`page not found (${path} cannot be upgraded)`);
      ctx = await contextFor(req, socket, found, {
        res: undefined,
        upgrade: { socket, head, upgraded: false },
      });
      await found.route.handler(ctx);
    } catch (err) {
      report(state, req, err);
      if (ctx?.upgrade?.upgraded) socket.destroy();
      else rawError(socket, err);
    }
  }

  return {
    onRequest: (req: IncomingMessage, res: ServerResponse) => void onRequest(req, res),
    onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void onUpgrade(req, socket, head),
  };
}
