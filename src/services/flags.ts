import { InvalidArgumentError } from "../core/errors.ts";

/** One argument of a service's command line, as `flags` hands it out. */
export interface Flag {
  /** The argument as given. */
  arg: string;
  /** The flag name: `--ttl` for both `--ttl 5s` and `--ttl=5s`; the argument itself otherwise. */
  flag: string;
  /** The flag's value (`--x=v`, or the next argument, which is then consumed). Empty or missing: a clear error. */
  value(): string;
}

/**
 * Walk a service's arguments, the loop the option parsers share: `--flag value` and `--flag=value`
 * both work, and a flag without its value fails with `<service>: <flag> needs a value`.
 */
export function* flags(service: string, args: readonly string[]): Generator<Flag> {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    yield {
      arg,
      flag,
      value: () => {
        const v = eq > 0 ? arg.slice(eq + 1) : args[++i];
        if (v === undefined || v === "") throw new InvalidArgumentError(`${service}: ${flag} needs a value`);
        return v;
      },
    };
  }
}
