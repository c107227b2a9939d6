import { copy } from "../../core/copy.ts";
import type { Logger } from "../../core/logger.ts";
import { sleep } from "../../discovery/latest.ts";
import { type Registrar, registrarFor } from "../../discovery/register.ts";
import { Engine } from "../dockerclient/engine.ts";
import { parseEngineArgs } from "../dockerclient/options.ts";
import type { ServiceDefinition } from "../service.ts";
import { type JoinOptions, parseJoinArgs, usage } from "./args.ts";

/**
 * `join`: register an engine in etcd (or Consul) the way classic Swarm's `swarm join` did: the key
 * `<prefix>/docker/swarm/nodes/<addr>` holds the address, under a lease of `--ttl` that is renewed
 * every `--heartbeat`. Unlike classic join, the engine is pinged before each renewal: a dead engine
 * is not renewed, so it leaves the cluster when the lease lapses, and joins again when it answers.
 * Stopping join (or killing it) does not delete the key: the node leaves after the TTL, as before.
 * Messages on its input pass through unchanged, so it can sit anywhere in a pipeline.
 */
export const join: ServiceDefinition = {
  name: "join",
  summary: "register an engine in etcd or Consul under a TTL lease and keep it alive (classic Swarm's join)",
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
  const registrar = registrarFor(options.discovery, options.advertise, options.ttlMs);
  const engine = options.check ? new Engine(parseEngineArgs([hostOf(options.advertise)])) : undefined;
  const registration = new Registration(registrar, options.ttlMs, log);
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
    registrar.close();
  }
}

/** The registrar with logging: failures are logged once, and so is the recovery. */
class Registration {
  private failing = false;

  constructor(
    private readonly registrar: Registrar,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  async renew(): Promise<void> {
    try {
      const outcome = await this.registrar.renew();
      if (this.failing) this.log.info({ key: this.registrar.key }, "join: the store answers again");
      this.failing = false;
      if (outcome === "registered")
        this.log.info({ key: this.registrar.key, ttlMs: this.ttlMs }, "join: registered");
    } catch (err) {
      if (!this.failing)
        this.log.error({ err: (err as Error).message }, "join: cannot register in the store; retrying");
      this.failing = true;
    }
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
