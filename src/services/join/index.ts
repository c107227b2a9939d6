import type { Etcd3, Lease } from "etcd3";
import { copy } from "../../core/copy.ts";
import type { Logger } from "../../core/logger.ts";
import { etcdClient } from "../../discovery/etcd.ts";
import { sleep } from "../../discovery/latest.ts";
import { Engine } from "../dockerclient/engine.ts";
import { parseEngineArgs } from "../dockerclient/options.ts";
import type { ServiceDefinition } from "../service.ts";
import { type JoinOptions, parseJoinArgs, usage } from "./args.ts";

/**
 * `join`: register an engine in etcd the way classic Swarm's `swarm join` did: the key
 * `<prefix>/docker/swarm/nodes/<addr>` holds the address, under a lease of `--ttl` that is renewed
 * every `--heartbeat`. Unlike classic join, the engine is pinged before each renewal: a dead engine
 * is not renewed, so it leaves the cluster when the lease lapses, and joins again when it answers.
 * Stopping join (or killing it) does not delete the key: the node leaves after the TTL, as before.
 * Messages on its input pass through unchanged, so it can sit anywhere in a pipeline.
 */
export const join: ServiceDefinition = {
  name: "join",
  summary: "register an engine in etcd under a TTL lease and keep it alive (classic Swarm's join)",
  usage,
  create(args, ctx) {
    const options = parseJoinArgs(args);
    return async ({ input, output, signal }) => {
      const passThrough = copy(output, input, { closeDst: false });
      const stopOnEof = new AbortController();
      void passThrough.then(() => stopOnEof.abort());
      await heartbeat(options, AbortSignal.any([signal, stopOnEof.signal]), ctx.log);
      input.close();
      await passThrough;
    };
  },
};

/** Renew the registration every heartbeat until `signal` aborts. */
export async function heartbeat(options: JoinOptions, signal: AbortSignal, log: Logger): Promise<void> {
  const { client } = etcdClient(options.discovery);
  const engine = options.check ? new Engine(parseEngineArgs([hostOf(options.advertise)])) : undefined;
  const registration = new Registration(client, options, log);
  log.info(
    {
      advertise: options.advertise,
      key: options.key,
      heartbeatMs: options.heartbeatMs,
      ttlMs: options.ttlMs,
    },
    "join: registering the engine",
  );
  let engineUp = true;
  try {
    while (!signal.aborted) {
      const up = engine ? await ping(engine, Math.min(options.heartbeatMs, 5000)) : true;
      if (up !== engineUp) {
        if (up) log.info({ advertise: options.advertise }, "join: the engine answers again; registering");
        else
          log.warn(
            { advertise: options.advertise },
            "join: the engine does not answer; not renewing, the node leaves when the lease lapses",
          );
        engineUp = up;
      }
      if (up) await registration.renew();
      await sleep(options.heartbeatMs, signal);
    }
  } finally {
    engine?.close();
    client.close();
  }
}

/** The key under one lease; a lapsed lease (etcd down too long, engine dead) is replaced by a new one. */
class Registration {
  private lease: Lease | undefined;
  private failing = false;

  constructor(
    private readonly client: Etcd3,
    private readonly options: JoinOptions,
    private readonly log: Logger,
  ) {}

  async renew(): Promise<void> {
    try {
      if (this.lease && (await this.keptAlive(this.lease))) return this.recovered();
      this.lease = this.client.lease(Math.ceil(this.options.ttlMs / 1000), { autoKeepAlive: false });
      this.lease.on("lost", () => {});
      await this.lease.put(this.options.key).value(this.options.advertise);
      this.log.info(
        { key: this.options.key, leaseTtlS: Math.ceil(this.options.ttlMs / 1000) },
        "join: registered",
      );
      this.recovered();
    } catch (err) {
      this.lease = undefined;
      if (!this.failing)
        this.log.error({ err: (err as Error).message }, "join: cannot register in etcd; retrying");
      this.failing = true;
    }
  }

  /** Renew the lease; false when etcd says it has expired (TTL ≤ 0) so the key is gone. */
  private async keptAlive(lease: Lease): Promise<boolean> {
    const res = await lease.keepaliveOnce();
    return Number(res.TTL) > 0;
  }

  private recovered(): void {
    if (this.failing) this.log.info({ key: this.options.key }, "join: etcd answers again");
    this.failing = false;
  }
}

/** An address without a scheme is a TCP engine, as DOCKER_HOST reads it. */
function hostOf(advertise: string): string {
  return advertise.includes("://") ? advertise : `tcp://${advertise}`;
}

async function ping(engine: Engine, timeoutMs: number): Promise<boolean> {
  try {
    await engine.call("GET", "/_ping", { signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}
