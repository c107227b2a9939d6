import { InvalidArgumentError } from "../../core/errors.ts";
import { parseStoreUrl } from "../../discovery/store-url.ts";
import { flags } from "../flags.ts";
import { parseDuration } from "../join/duration.ts";

export interface ReplicateOptions {
  discovery: string;
  /** This frontend's Docker API address, as the other replicas reach it (a DOCKER_HOST value). */
  advertise: string;
  /** The leader lock's lease: a dead primary is replaced within this time. */
  ttlMs: number;
}

export const usage =
  "replicate --discovery etcd://HOST:2379/PREFIX --advertise unix:///PATH|tcp://HOST:PORT [--ttl 15s]";

export function parseReplicateArgs(args: readonly string[]): ReplicateOptions {
  let discovery: string | undefined;
  let advertise: string | undefined;
  let ttl = "15s";
  for (const { arg: a, flag, value } of flags("replicate", args)) {
    if (flag === "--discovery") discovery = value();
    else if (flag === "--advertise") advertise = value();
    else if (flag === "--ttl" || flag === "--replication-ttl") ttl = value();
    else throw new InvalidArgumentError(`replicate: unexpected argument ${a}; usage: ${usage}`);
  }
  if (!discovery) throw new InvalidArgumentError(`replicate needs --discovery; usage: ${usage}`);
  if (!advertise) throw new InvalidArgumentError(`replicate needs --advertise; usage: ${usage}`);
  parseStoreUrl(discovery, { etcd: 2379 });
  if (!/^(unix|tcp):\/\/\S+$/.test(advertise))
    throw new InvalidArgumentError(
      `replicate: --advertise takes unix:///path or tcp://host:port, got ${advertise}`,
    );
  const ttlMs = parseDuration("--ttl", ttl);
  if (ttlMs < 1000)
    throw new InvalidArgumentError("replicate: --ttl must be at least 1s (etcd leases count whole seconds)");
  return { discovery, advertise, ttlMs };
}
