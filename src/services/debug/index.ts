import { copy } from "../../core/copy.ts";
import { InvalidArgumentError } from "../../core/errors.ts";
import { defineService } from "../service.ts";
import { logging } from "./wrap.ts";

/**
 * `debug`: logs every message that passes through it, with verb and args, in both directions
 * (requests, replies, and requests to objects handed back in replies), and forwards it unchanged.
 */
export const debug = defineService({
  name: "debug",
  summary: "log every message passing through (both directions) and forward it unchanged",
  usage: "debug",
  create(args, ctx) {
    if (args.length > 0) throw new InvalidArgumentError(`debug takes no arguments, got: ${args.join(" ")}`);
    return async ({ input, output }) => {
      await copy(logging(output, "request", ctx.log), input);
    };
  },
});
