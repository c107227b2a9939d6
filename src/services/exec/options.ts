import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { InvalidArgumentError } from "../../core/errors.ts";

export interface ExecOptions {
  /** Run every container in new PID, mount, UTS and IPC namespaces (and network with `--network none`). */
  isolate: boolean;
  /** Where state and logs live. */
  root: string;
}

export const usage = "exec [--isolate] [--root DIR]";

/** The default state directory: $XDG_STATE_HOME/libswarm/exec, else ~/.local/state/libswarm/exec. */
export function defaultRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME?.startsWith("/") ? env.XDG_STATE_HOME : join(homedir(), ".local", "state");
  return join(base, "libswarm", "exec");
}

export function parseOptions(args: readonly string[], env: NodeJS.ProcessEnv = process.env): ExecOptions {
  const opts: ExecOptions = { isolate: false, root: defaultRoot(env) };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--isolate") opts.isolate = true;
    else if (a === "--root" || a.startsWith("--root=")) {
      const v = a === "--root" ? args[++i] : a.slice("--root=".length);
      if (!v) throw new InvalidArgumentError(`exec: --root needs a directory (usage: ${usage})`);
      opts.root = resolve(v);
    } else throw new InvalidArgumentError(`exec: unknown argument ${JSON.stringify(a)} (usage: ${usage})`);
  }
  return opts;
}
