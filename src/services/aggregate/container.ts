import { call } from "../../core/client.ts";
import { ConflictError, UnavailableError } from "../../core/errors.ts";
import { handler } from "../../core/handler.ts";
import type { Message, Sender } from "../../core/message.ts";
import { reply } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { checkName } from "../../docker/names.ts";
import { DockerVerbs } from "../../docker/verbs.ts";
import type { Cluster } from "./cluster.ts";
import type { ClusterNode } from "./node.ts";

/**
 * A container as aggregate hands it back: a Sender in front of the node's container object that
 * knows its node. Streams (logs, attach, wait, exec…) pass straight through. Verbs that change the
 * container are answered only once the view has the new state, so `docker ps` right after a
 * `docker stop` is already right; inspect gains classic Swarm's `Node` field. A container on a node
 * that is down answers UNAVAILABLE at once instead of waiting on a node that cannot answer.
 */

/** Verbs after which the container is fetched again before the caller gets its Ack. */
const changing = new Set<string>([
  Verbs.Start,
  Verbs.Stop,
  DockerVerbs.Kill,
  DockerVerbs.Restart,
  DockerVerbs.Pause,
  DockerVerbs.Unpause,
  DockerVerbs.Rename,
  DockerVerbs.Remove,
]);

function isInspect(msg: Message): boolean {
  return msg.verb === Verbs.Get && (msg.args.length === 0 || msg.args[0] === "" || msg.args[0] === "inspect");
}

/** Engine wording for a taken name. */
export function nameInUse(name: string, id: string): ConflictError {
  return new ConflictError(
    `Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
  );
}

export function wrapContainer(cluster: Cluster, node: ClusterNode, id: string, object: Sender): Sender {
  const view = cluster.view;
  const intercept = handler(async (msg) => {
    if (!node.healthy || !(isInspect(msg) || changing.has(msg.verb))) {
      throw new UnavailableError(`node ${node.name} is unhealthy: ${node.error || "not answering"}`);
    }
    if (isInspect(msg)) {
      const seq = view.nextSeq();
      const m = await call(object, Verbs.Get, msg.args, [Verbs.Set]);
      const doc = JSON.parse(m.args[0] ?? "{}") as Record<string, unknown>;
      view.apply(node, id, doc as never, seq);
      doc.Node = { ID: node.id, IP: node.tag().Ip, Addr: node.addr, Name: node.name };
      await reply(msg, Verbs.Set, [JSON.stringify(doc)]);
      return;
    }
    let newName: string | undefined;
    if (msg.verb === DockerVerbs.Rename) {
      newName = checkName(msg.args[0] ?? "");
      const holder = view.named(newName).find((e) => e.id !== id);
      if (holder || cluster.pendingNames.has(newName)) throw nameInUse(newName, holder?.id ?? "");
      cluster.pendingNames.add(newName);
    }
    try {
      const m = await call(object, msg.verb, msg.args, [Verbs.Ack]);
      if (msg.verb === DockerVerbs.Remove) view.apply(node, id, null, view.nextSeq());
      else await node.fetch(id, object).catch(() => node.fetch(id));
      await reply(msg, Verbs.Ack, m.args);
    } finally {
      if (newName !== undefined) cluster.pendingNames.delete(newName);
    }
  });
  return {
    send(msg: Message): Promise<void> {
      if (!node.healthy || isInspect(msg) || changing.has(msg.verb)) return intercept.send(msg);
      return object.send(msg);
    },
    close(): void {},
  };
}
