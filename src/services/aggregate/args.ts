import { InvalidArgumentError } from "../../core/errors.ts";
import { driverFor } from "../../discovery/index.ts";
import { splitCommandLine } from "../registry.ts";
import { type StrategyName, strategyNames } from "./strategy.ts";

/** One node of the cluster: the service command line that backs it, and a name if the user chose one. */
export interface NodeSpec {
  commandLine: string;
  /** From `name=svc args`; otherwise the engine's own Name (Get ["info"] → Name) is used. */
  name?: string;
}

export interface AggregateOptions {
  strategy: StrategyName;
  /** How often each node is pinged (Get ["info"]); a failed or late ping marks it unhealthy. */
  heartbeatMs: number;
  /** How long a ping (and any fan-out call) may take before the node counts as not answering. */
  timeoutMs: number;
  nodes: NodeSpec[];
  /** `--discovery URL`: nodes that join and leave at runtime (src/discovery/, discovery-hook.ts). */
  discovery?: string;
}

export const usage =
  "aggregate [--strategy spread|binpack|random] [--heartbeat MS] [--timeout MS] [--discovery URL] '[name=]svc args' …";

/** `name=` before a node's command line: a node name is a word without `=` (service names have none). */
const namedNode = /^\s*([A-Za-z0-9][A-Za-z0-9_.-]*)=(.*)$/s;

function parseMs(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) {
    throw new InvalidArgumentError(`${flag} takes a whole number of milliseconds ≥ ${min}`);
  }
  return n;
}

/** Parse aggregate's arguments: options first, then one quoted service command line per node. */
export function parseAggregateArgs(args: readonly string[]): AggregateOptions {
  const opts: AggregateOptions = { strategy: "spread", heartbeatMs: 1000, timeoutMs: 1500, nodes: [] };
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] =
      a.startsWith("--") && a.includes("=")
        ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
        : [a, undefined];
    const value = () => inline ?? args[++i];
    if (flag === "--strategy") {
      const s = value();
      if (!strategyNames.includes(s as StrategyName)) {
        throw new InvalidArgumentError(
          `--strategy must be one of ${strategyNames.join(", ")}, got ${JSON.stringify(s)}`,
        );
      }
      opts.strategy = s as StrategyName;
    } else if (flag === "--heartbeat") opts.heartbeatMs = parseMs("--heartbeat", value(), 50);
    else if (flag === "--timeout") opts.timeoutMs = parseMs("--timeout", value(), 50);
    else if (flag === "--discovery") {
      const url = value() ?? "";
      driverFor(url); // a clear error now for an unknown scheme or a bad URL
      opts.discovery = url;
    } else if (flag === "--") {
      i++;
      break;
    } else if (a.startsWith("--"))
      throw new InvalidArgumentError(`aggregate: unknown option ${a}; usage: ${usage}`);
    else break;
  }
  const names = new Set<string>();
  for (const arg of args.slice(i)) {
    const m = namedNode.exec(arg);
    const spec: NodeSpec = m ? { name: m[1]!, commandLine: m[2]!.trim() } : { commandLine: arg.trim() };
    splitCommandLine(spec.commandLine); // throws a clear error on an empty or unparsable line
    if (spec.name !== undefined) {
      if (names.has(spec.name))
        throw new InvalidArgumentError(`aggregate: node name ${spec.name} is given twice`);
      names.add(spec.name);
    }
    opts.nodes.push(spec);
  }
  if (opts.nodes.length === 0 && !opts.discovery)
    throw new InvalidArgumentError(`aggregate needs at least one node; usage: ${usage}`);
  return opts;
}
