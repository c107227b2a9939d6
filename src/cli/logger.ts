import pino from "pino";
import pretty from "pino-pretty";
import type { Logger } from "../core/logger.ts";

/** swarmd's logger: pino on stderr, human-readable by default, one JSON object per line with `json`. */
export function createLogger(level: string, format: "pretty" | "json"): Logger & { flush(): void } {
  const destination = pino.destination({ dest: 2, sync: true });
  const stream =
    format === "json"
      ? destination
      : pretty({
          destination: 2,
          sync: true,
          colorize: process.stderr.isTTY,
          ignore: "pid,hostname",
          translateTime: "HH:MM:ss.l",
          singleLine: true,
        });
  const log = pino({ level, base: { pid: process.pid } }, stream);
  return log as unknown as Logger & { flush(): void };
}
