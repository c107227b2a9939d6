import { readFileSync } from "node:fs";
import type { Duplex } from "node:stream";
import { TLSSocket } from "node:tls";
import { call } from "../../core/client.ts";
import { ErrorCodes, InvalidArgumentError, SwarmError } from "../../core/errors.ts";
import type { Receiver, Sender } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";
import { copyThrough } from "../../docker/passthrough.ts";
import { DockerVerbs } from "../../docker/verbs.ts";
import type { ServiceDefinition } from "../service.ts";
import type { ServerState } from "./context.ts";
import { handlers, type RootFor } from "./http.ts";
import { listenAll, type TlsMaterial } from "./listen.ts";
import { isLoopback, type Options, parseOptions, USAGE } from "./options.ts";
import { buildRouter } from "./router.ts";

/** Largest request body read (create and exec bodies are a few KiB). */
const MAX_BODY = 4 * 1024 * 1024;

function readTls(opts: Options): TlsMaterial | undefined {
  if (!opts.tls) return undefined;
  const read = (what: string, file: string | undefined) => {
    try {
      return readFileSync(file!);
    } catch (err) {
      throw new InvalidArgumentError(
        `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      );
    }
  };
  return {
    verify: opts.tls.verify,
    ca: opts.tls.ca ? read("--tlscacert", opts.tls.ca) : undefined,
    cert: read("--tlscert", opts.tls.cert),
    key: read("--tlskey", opts.tls.key),
  };
}

/**
 * Per-connection roots (PROTOCOL §6.7): a TLS connection with a verified client certificate sends
 * its requests to the root scoped by `As [CN]`, asked once per user. NOT_IMPLEMENTED means nobody in
 * the chain cares about identity: the unscoped root is used. Any other error fails that user's requests.
 */
function rootsFor(root: Sender): RootFor {
  const byUser = new Map<string, Promise<Sender>>();
  return (socket: Duplex) => {
    if (!(socket instanceof TLSSocket) || !socket.authorized) return root;
    const user = socket.getPeerCertificate()?.subject?.CN;
    const name = Array.isArray(user) ? user[0] : user;
    if (!name) return root;
    let p = byUser.get(name);
    if (!p) {
      p = call(root, DockerVerbs.As, [name], [Verbs.Ack]).then(
        (m) => m.ret ?? root,
        (err) => {
          if (err instanceof SwarmError && err.code === ErrorCodes.NotImplemented) return root;
          byUser.delete(name); // retry on the next connection
          throw err;
        },
      );
      byUser.set(name, p);
    }
    return p;
  };
}

/**
 * The raw pass-through (PROTOCOL §6.8): each plain connection is first offered to the chain with
 * `Connect ["docker-api"]`. Once the chain answers NOT_IMPLEMENTED or FORBIDDEN (a chain that must
 * see every request), it is not asked again: the chain's verbs do not change at run time. A failure
 * to connect (engine down) leaves the connection to the HTTP path, which reports it per request.
 */
function rawPassThrough(root: Sender): (socket: Duplex) => Promise<boolean> {
  let offered = true;
  return async (socket) => {
    if (!offered) return false;
    try {
      if (await copyThrough(socket as import("node:net").Socket, root)) return true;
      offered = false;
    } catch {
      // fall through to the HTTP path
    }
    return false;
  };
}

/** Resolves when the instance is asked to stop, or its input ends (§5.5). Input messages are refused. */
function untilStopped(input: Receiver, signal: AbortSignal): Promise<void> {
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  const drained = (async () => {
    for await (const m of input) m.ret?.close(); // a frontend takes no requests from upstream
  })();
  return Promise.race([aborted, drained]);
}

export const dockerserver: ServiceDefinition = {
  name: "dockerserver",
  summary:
    "Docker Remote API frontend (API 1.41): turns Docker API requests into messages for the next service",
  usage: USAGE,
  create(args, ctx) {
    const opts = parseOptions(args);
    const tls = readTls(opts);
    return async ({ input, output, signal }) => {
      const log = ctx.log;
      const state: ServerState = { log, execs: new Map(), fastList: undefined, maxBody: MAX_BODY };
      for (const a of opts.addresses) {
        if (a.kind === "tcp" && !tls && !isLoopback(a.host)) {
          log.warn(
            { url: a.url },
            "listening on a non-loopback address without TLS: anyone who can reach it controls the backend",
          );
        }
      }
      const listeners = await listenAll(opts.addresses, tls, {
        ...handlers(buildRouter(), state, rootsFor(output)),
        raw: rawPassThrough(output),
      });
      log.info({ urls: listeners.map((l) => l.url) }, "dockerserver listening");
      try {
        await untilStopped(input, signal);
      } finally {
        await Promise.all(listeners.map((l) => l.close()));
        state.execs.clear();
        log.info({ urls: listeners.map((l) => l.url) }, "dockerserver stopped");
      }
    };
  },
};
