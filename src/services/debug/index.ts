import { InvalidArgumentError, NotImplementedError, toErrorArgs } from "../../core/errors.ts";
import { reply } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { dockerApiStream } from "../../docker/passthrough.ts";
import { defineService } from "../service.ts";
import { logging } from "./wrap.ts";

/**
 * `debug`: logs every message that passes through it, with verb and args, in both directions
 * (requests, replies, and requests to objects handed back in replies), and forwards it unchanged.
 * It refuses the raw Docker API pass-through (`Connect ["docker-api"]`, PROTOCOL §6.8): raw bytes
 * would hide the requests it is there to show, so the frontend keeps to messages.
 */
export const debug = defineService({
  name: "debug",
  summary: "log every message passing through (both directions) and forward it unchanged",
  usage: "debug",
  create(args, ctx) {
    if (args.length > 0) throw new InvalidArgumentError(`debug takes no arguments, got: ${args.join(" ")}`);
    return async ({ input, output }) => {
      const downstream = logging(output, "request", ctx.log);
      try {
        for await (const msg of input) {
          if (msg.verb === Verbs.Connect && msg.args[0] === dockerApiStream) {
            ctx.log.info(
              { dir: "→", verb: msg.verb, args: msg.args },
              "raw pass-through refused: debug shows messages",
            );
            await reply(
              msg,
              Verbs.Error,
              toErrorArgs(new NotImplementedError("debug keeps the Docker API as messages")),
            );
            msg.ret?.close();
            continue;
          }
          try {
            await downstream.send(msg);
          } catch {
            msg.ret?.close();
            break;
          }
        }
      } finally {
        downstream.close();
      }
    };
  },
});
