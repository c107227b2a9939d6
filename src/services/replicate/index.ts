import { quote } from "shlex";
import { toErrorArgs, UnavailableError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import { type Message, message, type Receiver, type Sender } from "../../core/message.ts";
import { pipe } from "../../core/pipe.ts";
import { Verbs } from "../../core/verbs.ts";
import { etcdClient } from "../../discovery/etcd.ts";
import { sleep } from "../../discovery/latest.ts";
import { RootGets } from "../../docker/verbs.ts";
import type { ServiceDefinition, SpawnedService } from "../service.ts";
import { parseReplicateArgs, usage } from "./args.ts";
import { LeaderState } from "./election.ts";

/** Classic Swarm's leader key, below the discovery prefix. */
export const leaderKey = "docker/swarm/leader";

/** Labels added to `docker info`, so an operator (and the tests) can see who is who. */
export const roleLabel = "com.libswarm.replication.role";
export const primaryLabel = "com.libswarm.replication.primary";

/**
 * `replicate`: high availability for swarmd frontends (classic Swarm's --replication). Placed between
 * the frontend and the backend, it campaigns for a leader lock in etcd with this frontend's
 * advertised address. The primary passes every request to its backend. A replica answers
 * `Get info` and `Get version` from its own backend (the frontend answers ping itself) and forwards
 * everything else to the primary's Docker API through a dockerclient it spawns for that address.
 * When the primary dies, its lease lapses after --ttl and a replica becomes the primary.
 */
export const replicate: ServiceDefinition = {
  name: "replicate",
  summary:
    "HA frontends: leader lock in etcd; replicas answer info/version and forward the rest to the primary",
  usage,
  create(args, ctx) {
    const o = parseReplicateArgs(args);
    return async ({ input, output, signal }) => {
      const { client, prefix } = etcdClient(o.discovery);
      const election = client
        .namespace(prefix ? `${prefix}/` : "")
        .election(leaderKey, Math.ceil(o.ttlMs / 1000));
      const primary = new PrimaryLink(ctx.spawn, ctx.log);
      const pending = new Set<Promise<void>>();
      const state = new LeaderState(election, o.advertise, ctx.log, signal, (leader) =>
        primary.follow(leader && leader !== o.advertise ? leader : undefined),
      );
      state.start();
      try {
        for await (const msg of input) {
          if (isLocal(msg)) {
            await answerLocally(msg, output, () => [state.role, state.leader ?? ""]);
          } else if (state.role === "primary") {
            await output.send(msg);
          } else {
            // In the background: a request may wait out a failover, and must not hold up the rest.
            const p = forwardToPrimary(msg, state, primary, output, o.ttlMs, signal);
            pending.add(p);
            void p.finally(() => pending.delete(p));
          }
        }
      } finally {
        // Resign so a replica takes over at once; etcd being away must not hold the stop up.
        await Promise.race([state.resign(), delay(2000)]);
        // Stopping the link ends the streams forwarded through it, and so the pending forwards.
        await primary.follow(undefined);
        await Promise.race([Promise.allSettled([...pending]), delay(2000)]);
        client.close();
      }
    };
  },
};

/** What a replica answers itself: `Get` (info) and `Get ["version"]`. */
function isLocal(msg: Message): boolean {
  if (msg.verb !== Verbs.Get) return false;
  const what = msg.args[0] ?? RootGets.info;
  return what === RootGets.info || what === RootGets.version;
}

/** Ask our own backend, and add the replication role to `info` on the way back. */
async function answerLocally(msg: Message, backend: Sender, role: () => [string, string]): Promise<void> {
  if (!msg.ret) return backend.send(msg);
  const caller = msg.ret;
  const [replies, ret] = pipe();
  try {
    await backend.send(message(msg.verb, msg.args, { ret, ...(msg.att && { att: msg.att }) }));
  } catch (err) {
    replies.close();
    await caller.send(message(Verbs.Error, toErrorArgs(err))).catch(() => {});
    caller.close();
    return;
  }
  const info = (msg.args[0] ?? RootGets.info) === RootGets.info;
  void (async () => {
    try {
      for await (const m of replies) {
        let out = m;
        if (info && m.verb === Verbs.Set && m.args[0]) {
          try {
            const doc = JSON.parse(m.args[0]) as { Labels?: string[] | null };
            const [r, p] = role();
            doc.Labels = [...(doc.Labels ?? []), `${roleLabel}=${r}`, `${primaryLabel}=${p}`];
            out = message(Verbs.Set, [JSON.stringify(doc), ...m.args.slice(1)]);
          } catch {}
        }
        await caller.send(out);
      }
    } catch {
      replies.close();
    } finally {
      caller.close();
    }
  })();
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** dockerclient's words for a connection that failed: the request never reached the primary. */
const neverArrived = /^cannot reach Docker engine at /;

/**
 * Forward a replica's request to the primary. When the primary cannot be reached at all (it died
 * and its socket refuses connections), the request never arrived, so it is safe to send again: it
 * waits for the election to move on (at most the lock's TTL and a little more) and goes to the new
 * primary, which may be this frontend. Anything else the primary answers, errors included, is
 * passed back as is; a request that did reach a primary is never sent twice.
 */
async function forwardToPrimary(
  msg: Message,
  state: LeaderState,
  primary: PrimaryLink,
  backend: Sender,
  ttlMs: number,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + ttlMs + 2000;
  let handedOver = false;
  let lastError: readonly string[] = toErrorArgs(
    new UnavailableError("no primary elected yet; try again in a moment"),
  );
  try {
    while (!signal.aborted) {
      const target = state.role === "primary" ? backend : await primary.target();
      if (target === backend || (target && !msg.ret)) {
        handedOver = true; // whoever handles it now closes its ret
        return void (await target.send(msg));
      }
      if (target) {
        const [replies, ret] = pipe();
        await target.send(message(msg.verb, msg.args, { ret, ...(msg.att && { att: msg.att }) }));
        const first = await replies.receive();
        if (!(first?.verb === Verbs.Error && neverArrived.test(first.args[0] ?? ""))) {
          await relay(first, replies, msg.ret!);
          return;
        }
        replies.close();
        lastError = first.args;
      }
      if (Date.now() >= deadline) break;
      await sleep(200, signal);
    }
    await msg.ret?.send(message(Verbs.Error, lastError)).catch(() => {});
  } catch (err) {
    if (handedOver) return;
    await msg.ret?.send(message(Verbs.Error, toErrorArgs(err))).catch(() => {});
  } finally {
    if (!handedOver) msg.ret?.close();
  }
}

/** Pass a reply stream back to the caller, from its first message to EOF. */
async function relay(first: Message | undefined, replies: Receiver, caller: Sender): Promise<void> {
  try {
    for (let m = first; m !== undefined; m = await replies.receive()) await caller.send(m);
  } catch {
    replies.close();
  }
}

/** The dockerclient a replica forwards through, re-spawned when the primary changes. */
class PrimaryLink {
  private addr: string | undefined;
  private svc: Promise<SpawnedService> | undefined;

  constructor(
    private readonly spawn: (commandLine: string) => Promise<SpawnedService>,
    private readonly log: Logger,
  ) {}

  async follow(addr: string | undefined): Promise<void> {
    if (addr === this.addr) return;
    const old = this.svc;
    this.addr = addr;
    this.svc = undefined;
    if (addr) {
      const svc = this.spawn(`dockerclient ${quote(addr)}`);
      svc.then(
        (s) => void drain(s),
        (err: Error) =>
          this.log.error({ primary: addr, err: err.message }, "replicate: cannot reach the primary"),
      );
      this.svc = svc;
    }
    await old?.then((s) => s.stop()).catch(() => {});
  }

  /** The primary's dockerclient input, or undefined while nobody else leads (or it cannot start). */
  async target(): Promise<Sender | undefined> {
    try {
      return (await this.svc)?.input.target;
    } catch {
      return undefined;
    }
  }
}

/** A spawned dockerclient writes nothing on its output; read it anyway so nothing can pile up. */
async function drain(s: SpawnedService): Promise<void> {
  for await (const m of s.output) m.ret?.close();
}
