import { InvalidArgumentError } from "../../core/errors.ts";
import type { ServiceDefinition } from "../service.ts";
import { lookPath } from "./lookup.ts";
import { type ExecOptions, parseOptions, usage } from "./options.ts";
import { ExecBackend } from "./root.ts";

/** What --isolate needs, checked once at startup rather than failing inside every container. */
function checkIsolation(options: ExecOptions): void {
  if (!options.isolate) return;
  if ((process.getuid?.() ?? 0) !== 0) {
    throw new InvalidArgumentError("exec: --isolate needs root (it creates namespaces with unshare)");
  }
  for (const tool of ["unshare", "nsenter"]) {
    try {
      lookPath(tool, process.env.PATH ?? "/usr/bin:/bin", "/");
    } catch {
      throw new InvalidArgumentError(`exec: --isolate needs ${tool} (util-linux) on the PATH`);
    }
  }
}

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
    checkIsolation(options);
    // Opened here, so that a state directory in use fails swarmd's start with one clear line.
    const backend = new ExecBackend(options, ctx.log);
    ctx.log.info({ root: options.root, isolate: options.isolate }, "exec: ready");
    return async ({ input }) => {
      backend.startWithService();
      try {
        for await (const msg of input) await backend.root.send(msg);
      } finally {
        await backend.shutdown();
      }
    };
  },
};
