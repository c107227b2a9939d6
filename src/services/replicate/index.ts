import { quote } from "shlex";
import { toErrorArgs, UnavailableError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import { type Message, message, type Sender } from "../../core/message.ts";
import { pipe } from "../../core/pipe.ts";
import { Verbs } from "../../core/verbs.ts";
import { etcdClient } from "../../discovery/etcd.ts";
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
            await primary.forward(msg);
          }
        }
      } finally {
        // Resign so a replica takes over at once; etcd being away must not hold the stop up.
        await Promise.race([state.resign(), new Promise((r) => setTimeout(r, 2000).unref())]);
        await primary.follow(undefined);
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

  async forward(msg: Message): Promise<void> {
    try {
      if (!this.svc) throw new UnavailableError("no primary elected yet; try again in a moment");
      const s = await this.svc;
      await s.input.target.send(msg);
    } catch (err) {
      await msg.ret?.send(message(Verbs.Error, toErrorArgs(err))).catch(() => {});
      msg.ret?.close();
      msg.att?.destroy();
    }
  }
}

/** A spawned dockerclient writes nothing on its output; read it anyway so nothing can pile up. */
async function drain(s: SpawnedService): Promise<void> {
  for await (const m of s.output) m.ret?.close();
}
