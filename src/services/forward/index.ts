import { InvalidArgumentError } from "../../core/errors.ts";
import { reply } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { dockerApiStream } from "../../docker/passthrough.ts";
import { engineBackend } from "../dockerclient/index.ts";
import { usage } from "../dockerclient/options.ts";
import type { ServiceDefinition } from "../service.ts";

/**
 * `forward [--no-raw] <host>`, from the oldest README: dockerclient's job under its old name, plus
 * a raw pass-through. Every §6 request is served as dockerclient serves it; in addition the root
 * answers `Connect ["docker-api"]` with `Connect` whose `att` is a fresh byte stream to the engine,
 * so a frontend may copy a client's connection through unparsed (README.md: the trade-off).
 * `--no-raw` answers `Connect` NOT_IMPLEMENTED, keeping every request visible to the chain.
 */
export const forward: ServiceDefinition = {
  name: "forward",
  summary: "backend: dockerclient under its old name, plus a raw pass-through (Connect) to the engine",
  usage: usage.replace(/^dockerclient/, "forward [--no-raw]"),
  create(args, ctx) {
    const raw = !args.includes("--no-raw");
    return engineBackend(
      args.filter((a) => a !== "--no-raw"),
      ctx,
      raw
        ? (root, engine) => {
            root.on(Verbs.Connect, async (msg) => {
              const what = msg.args[0] ?? dockerApiStream;
              if (what !== dockerApiStream) {
                throw new InvalidArgumentError(
                  `forward connects to "${dockerApiStream}" only, not ${JSON.stringify(what)}`,
                );
              }
              const socket = await engine.dial();
              if (!(await reply(msg, Verbs.Connect, [dockerApiStream], { att: socket }))) socket.destroy();
            });
          }
        : undefined,
    );
  },
};
