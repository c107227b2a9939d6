import type { ServiceDefinition } from "../service.ts";
import { parseOptions, usage } from "./options.ts";
import { ExecBackend } from "./root.ts";

/**
 * `exec`: a Docker backend root (docs/PROTOCOL.md §6) whose containers are programs of this
 * machine, supervised by swarmd. See README.md beside this file for what it does and does not isolate.
 */
export const exec: ServiceDefinition = {
  name: "exec",
  summary: "run containers as local processes (docker run/ps/logs/stop… as a process manager)",
  usage,
  create(args, ctx) {
    const options = parseOptions(args);
    return async ({ input }) => {
      const backend = new ExecBackend(options, ctx.log);
      ctx.log.info({ root: options.root, isolate: options.isolate }, "exec: ready");
      try {
        for await (const msg of input) await backend.root.send(msg);
      } finally {
        await backend.shutdown();
      }
    };
  },
};
