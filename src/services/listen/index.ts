import type { Sender } from "../../core/message.ts";
import { parseAddress } from "../../transport/address.ts";
import { serve } from "../../transport/connect.ts";
import { parseTransportArgs, serverTlsOptions } from "../../transport/tls-flags.ts";
import { defineService } from "../service.ts";

/**
 * `listen [tls flags] <url>`: a frontend. Accepts native-protocol connections on a unix socket,
 * TCP or TLS address and feeds every message they send into the rest of the chain; replies travel
 * back over the wire on each message's return channel.
 */
export const listen = defineService({
  name: "listen",
  summary: "accept libswarm wire connections (unix, TCP, TLS) and feed their messages into the chain",
  usage:
    "listen [--tls] [--tlsverify] [--tlscacert=FILE] [--tlscert=FILE] [--tlskey=FILE] unix:///PATH|tcp://HOST:PORT",
  create(args, ctx) {
    const { url, tls } = parseTransportArgs(args);
    parseAddress(url);
    if (tls) serverTlsOptions(tls); // fail at spawn time on unreadable certificates
    return async ({ output, signal }) => {
      // Every connection shares the chain; one peer going away must not close it for the others.
      const chain: Sender = { send: (m) => output.send(m), close() {} };
      const listener = await serve(url, chain, { tls, log: ctx.log });
      ctx.log.info({ url: listener.url, tls: Boolean(tls) }, "listen: accepting connections");
      if (!signal.aborted) await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
      await listener.close();
    };
  },
});
