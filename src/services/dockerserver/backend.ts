import { call, firstReply, request } from "../../core/client.ts";
import { ProtocolError } from "../../core/errors.ts";
import type { Message, Receiver, Sender } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";

/** Calls on the backend root and its objects (docs/PROTOCOL.md §6). Every Error reply is thrown typed. */

/** `Get args` → the first arg of the `Set` reply, unparsed (large integers must survive). */
export async function get(target: Sender, args: readonly string[]): Promise<string> {
  const m = await call(target, Verbs.Get, args, [Verbs.Set]);
  return m.args[0] ?? "";
}

/** A container object, from `Attach [idOrName]` on the root. */
export interface ContainerRef {
  id: string;
  object: Sender;
}

export async function openContainer(root: Sender, idOrName: string): Promise<ContainerRef> {
  const m = await call(root, Verbs.Attach, [idOrName], [Verbs.Ack]);
  if (!m.ret) throw new ProtocolError("Attach reply carries no container object");
  return { id: m.args[0] || idOrName, object: m.ret };
}

/** Send `verb args` to `target` and wait for its Ack; the Ack's args are returned. */
export async function ackOf(target: Sender, verb: string, args: readonly string[] = []): Promise<Message> {
  return call(target, verb, args, [Verbs.Ack]);
}

/**
 * Open a stream: send the request, wait for the Ack (or throw its Error), and hand back the Ack
 * and the rest of the reply stream. The caller MUST close `replies` when it stops reading.
 */
export async function openStream(
  target: Sender,
  verb: string,
  args: readonly string[],
): Promise<{ ack: Message; replies: Receiver }> {
  const replies = await request(target, verb, args);
  const ack = await firstReply(replies, verb, [Verbs.Ack]);
  return { ack, replies };
}
