import type { ServiceDefinition } from "../service.ts";
import { Simulator } from "./engine.ts";
import { rootServer } from "./handles.ts";
import { parseArgs, USAGE } from "./options.ts";

export { Simulator } from "./engine.ts";
export { rootServer } from "./handles.ts";

/**
 * `simulator [name…]`: an in-memory fake Docker engine, the backend root of docs/PROTOCOL.md §6.
 * Its state lives as long as the instance; see README.md for the model.
 */
export const simulator: ServiceDefinition = {
  name: "simulator",
  summary: "an in-memory fake Docker engine: containers with simulated processes, logs, exec, events",
  usage: USAGE,
  create(args) {
    const opts = parseArgs(args);
    return async ({ input, signal }) => {
      const sim = new Simulator({ images: opts.images, logCap: opts.logCap });
      for (const name of opts.names) sim.seed(name);
      for (let i = 1; i <= opts.containers; i++) {
        const name = `seed_${i}`;
        if (!opts.names.includes(name)) sim.seed(name);
      }
      const root = rootServer(sim);
      const onAbort = () => {
        sim.shutdown();
        input.close();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        for await (const msg of input) await root.send(msg);
      } finally {
        signal.removeEventListener("abort", onAbort);
        sim.shutdown();
        root.close();
      }
    };
  },
};
