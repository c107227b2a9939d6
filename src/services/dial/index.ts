import { toErrorArgs } from "../../core/errors.ts";
import { message } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";
import { parseAddress } from "../../transport/address.ts";
import { dial as dialWire } from "../../transport/connect.ts";
import { Redialer } from "../../transport/redial.ts";
import { clientTlsOptions, parseTransportArgs } from "../../transport/tls-flags.ts";
import { defineService } from "../service.ts";

/**
 * `dial [tls flags] <url>`: a backend. Sends every message it receives to a remote `listen`, over
 * one connection kept up with reconnection and backoff. While the remote end is down, requests are
 * answered `Error [… SWARM_ERR_UNAVAILABLE]`; requests in flight when it went down fail the same way.
 */
export const dial = defineService({
  name: "dial",
  summary: "send everything to a remote `listen` over the libswarm wire (unix, TCP, TLS), reconnecting",
  usage:
    "dial [--tls] [--tlsverify] [--tlscacert=FILE] [--tlscert=FILE] [--tlskey=FILE] unix:///PATH|tcp://HOST:PORT",
  create(args, ctx) {
    const { url, tls } = parseTransportArgs(args);
    parseAddress(url);
    if (tls) clientTlsOptions(tls);
    return async ({ input }) => {
      const remote = new Redialer(() => dialWire(url, { tls, log: ctx.log }), { log: ctx.log });
      remote
        .current()
        .catch((err: Error) => ctx.log.warn({ url, err: err.message }, "dial: not connected yet"));
      try {
        for await (const msg of input) {
          try {
            await remote.send(msg);
          } catch (err) {
            msg.att?.destroy();
            if (msg.ret) {
              await msg.ret.send(message(Verbs.Error, toErrorArgs(err))).catch(() => {});
              msg.ret.close();
            }
          }
        }
      } finally {
        remote.close();
      }
    };
  },
});
