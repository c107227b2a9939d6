import { InvalidArgumentError } from "../../core/errors.ts";
import { checkName, parseImageRef } from "../../docker/names.ts";
import { DEFAULT_LOG_CAP } from "./logbuffer.ts";

export const USAGE = "simulator [--image NAME]… [--containers N] [--log-cap BYTES] [name…]";

export interface SimulatorArgs {
  /** Containers to seed by name (created, then started, running `sleep infinity`). */
  names: string[];
  /** Extra images. */
  images: string[];
  /** How many generated containers (`seed_1` … `seed_N`) to seed. */
  containers: number;
  logCap: number;
}

/** Parse `simulator`'s command line; throws InvalidArgumentError with the usage on mistakes. */
export function parseArgs(args: readonly string[]): SimulatorArgs {
  const out: SimulatorArgs = { names: [], images: [], containers: 0, logCap: DEFAULT_LOG_CAP };
  const bad = (why: string) => new InvalidArgumentError(`simulator: ${why} (usage: ${USAGE})`);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = args[++i];
      if (v === undefined) throw bad(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--image": {
        const ref = value();
        try {
          parseImageRef(ref);
        } catch {
          throw bad(`invalid image reference ${JSON.stringify(ref)}`);
        }
        out.images.push(ref);
        break;
      }
      case "--containers": {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 100_000)
          throw bad(`--containers needs a count from 0 to 100000, got ${JSON.stringify(v)}`);
        out.containers = Number(v);
        break;
      }
      case "--log-cap": {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1)
          throw bad(`--log-cap needs a positive byte count, got ${JSON.stringify(v)}`);
        out.logCap = Number(v);
        break;
      }
      default: {
        if (arg.startsWith("-")) throw bad(`unknown option ${arg}`);
        // Seed names come from the operator, not the API: one character is fine (`simulator a b c`,
        // as in the oldest README), while API-created names keep the engine's two-character rule.
        let name: string;
        try {
          name = /^[a-zA-Z0-9]$/.test(arg) ? arg : checkName(arg);
        } catch (err) {
          throw bad((err as Error).message);
        }
        if (out.names.includes(name)) throw bad(`container name ${name} given twice`);
        out.names.push(name);
      }
    }
  }
  return out;
}
