/**
 * The logging surface core and services use. pino's Logger satisfies it; core stays free of
 * dependencies, and tests can pass a recorder.
 */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A Logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** One recorded log call. */
export interface LogRecord {
  level: "debug" | "info" | "warn" | "error";
  bindings: Record<string, unknown>;
  obj: object;
  msg: string | undefined;
}

/** A Logger that keeps every call, for tests. */
export function recordingLogger(
  records: LogRecord[] = [],
  bindings: Record<string, unknown> = {},
): Logger & {
  records: LogRecord[];
} {
  const at =
    (level: LogRecord["level"]) =>
    (obj: object | string, msg?: string): void => {
      if (typeof obj === "string") records.push({ level, bindings, obj: {}, msg: obj });
      else records.push({ level, bindings, obj, msg });
    };
  return {
    records,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (b) => recordingLogger(records, { ...bindings, ...b }),
  };
}
