import { InvalidArgumentError } from "../../core/errors.ts";
import { nodesKeyPrefix } from "../../discovery/driver.ts";
import { parseStoreUrl } from "../../discovery/store-url.ts";
import { flags } from "../flags.ts";
import { parseDuration } from "./duration.ts";

export interface JoinOptions {
  discovery: string;
  /** The engine's address as the cluster should reach it: `host:port` or an engine URL. */
  advertise: string;
  heartbeatMs: number;
  ttlMs: number;
  /** Ping the engine before each renewal (default); `--no-check` renews blindly, as classic Swarm did. */
  check: boolean;
  /** `<prefix>/docker/swarm/nodes/<advertise>` */
  key: string;
}

export const usage =
  "join --discovery etcd://HOST:2379/PREFIX|consul://HOST:8500/PREFIX --advertise HOST:PORT|URL [--heartbeat 60s] [--ttl 180s] [--no-check]";

export function parseJoinArgs(args: readonly string[]): JoinOptions {
  let discovery: string | undefined;
  let advertise: string | undefined;
  let heartbeat = "60s";
  let ttl = "180s";
  let check = true;
  for (const { arg: a, flag, value } of flags("join", args)) {
    if (flag === "--discovery") discovery = value();
    else if (flag === "--advertise" || flag === "--addr") advertise = value();
    else if (flag === "--heartbeat") heartbeat = value();
    else if (flag === "--ttl") ttl = value();
    else if (flag === "--no-check") check = false;
    else throw new InvalidArgumentError(`join: unexpected argument ${a}; usage: ${usage}`);
  }
  if (!discovery) throw new InvalidArgumentError(`join needs --discovery; usage: ${usage}`);
  if (!advertise) throw new InvalidArgumentError(`join needs --advertise; usage: ${usage}`);
  if (/\s/.test(advertise)) throw new InvalidArgumentError("join: --advertise is an address, without spaces");
  const store = parseStoreUrl(discovery, { etcd: 2379, consul: 8500 });
  const heartbeatMs = parseDuration("--heartbeat", heartbeat);
  const ttlMs = parseDuration("--ttl", ttl);
  if (ttlMs < 1000)
    throw new InvalidArgumentError("join: --ttl must be at least 1s (etcd leases count whole seconds)");
  if (ttlMs <= heartbeatMs)
    throw new InvalidArgumentError("join: --ttl must be longer than --heartbeat, or the node would flap");
  return { discovery, advertise, heartbeatMs, ttlMs, check, key: nodesKeyPrefix(store.prefix) + advertise };
}
