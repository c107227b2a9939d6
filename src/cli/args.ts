import { parseArgs } from "node:util";
import { InvalidArgumentError } from "../core/errors.ts";

export interface CliOptions {
  help: boolean;
  version: boolean;
  logLevel: string;
  logFormat: "pretty" | "json";
  /** Service command lines, first (frontend) to last (backend). Empty: list the catalogue. */
  pipeline: string[];
}

const levels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/** The default backend of the legacy form `swarmd URL…`, as in the oldest README. */
export const defaultBackend = "simulator";

/**
 * Parse swarmd's command line. Two forms:
 * - `swarmd 'svc args' 'svc args' …`: a pipeline of service command lines;
 * - `swarmd [--backend 'svc args'] URL…` (the oldest README): a Docker API on each URL, backed by one
 *   service. It is rewritten to `dockerserver URL…` followed by the backend.
 */
export function parseCli(argv: string[]): CliOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
      "log-level": { type: "string" },
      "log-format": { type: "string" },
      backend: { type: "string" },
    },
  });
  const logLevel = values["log-level"] ?? process.env.SWARMD_LOG_LEVEL ?? "info";
  if (!levels.includes(logLevel))
    throw new InvalidArgumentError(`--log-level must be one of ${levels.join(", ")}`);
  const logFormat = values["log-format"] ?? "pretty";
  if (logFormat !== "pretty" && logFormat !== "json")
    throw new InvalidArgumentError("--log-format must be pretty or json");

  let pipeline = positionals;
  const looksLikeUrl = (s: string) => /^(tcp|unix|tls):\/\/\S*$/.test(s);
  if (values.backend !== undefined || (positionals.length > 0 && positionals.every(looksLikeUrl))) {
    const bad = positionals.find((p) => !looksLikeUrl(p));
    if (bad)
      throw new InvalidArgumentError(
        `with --backend, arguments are frontend URLs; ${JSON.stringify(bad)} is not one`,
      );
    if (positionals.length === 0)
      throw new InvalidArgumentError("--backend needs at least one frontend URL (tcp://… or unix://…)");
    pipeline = [`dockerserver ${positionals.join(" ")}`, values.backend ?? defaultBackend];
  }
  return { help: !!values.help, version: !!values.version, logLevel, logFormat, pipeline };
}
