import type { Server } from "../../core/server.ts";
import type { TaskFn } from "../../core/task.ts";
import type { ServiceContext, ServiceDefinition } from "../service.ts";
import { Engine } from "./engine.ts";
import { parseEngineArgs, usage } from "./options.ts";
import { rootObject } from "./root.ts";

/**
 * `dockerclient <host>`: a backend root (PROTOCOL.md §6) that turns every request into calls on
 * a real Docker engine. Arguments are checked (and TLS/ssh files read) at Spawn.
 */
export const dockerclient: ServiceDefinition = {
  name: "dockerclient",
  summary: "backend: forward every Docker request to a real engine (unix://, tcp://, TLS, ssh://)",
  usage,
  create: (args, ctx) => engineBackend(args, ctx),
};

/**
 * The body shared by dockerclient and forward. `extend` adds verbs to the root (forward's
 * `Connect`).
 */
export function engineBackend(
  args: string[],
  ctx: ServiceContext,
  extend?: (root: Server, engine: Engine) => void,
): TaskFn {
  const options = parseEngineArgs(args);
  return async ({ input, signal }) => {
    const engine = new Engine(options);
    const root = rootObject(engine, ctx.log);
    extend?.(root, engine);
    const stop = () => {
      engine.close();
      input.close();
    };
    signal.addEventListener("abort", stop, { once: true });
    ctx.log.info({ engine: options.label }, "dockerclient: forwarding to the engine");
    try {
      for await (const msg of input) await root.send(msg);
    } finally {
      signal.removeEventListener("abort", stop);
      root.close();
      engine.close();
    }
  };
}
