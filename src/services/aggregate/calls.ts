import { firstReply, request } from "../../core/client.ts";
import { ProtocolError, TimeoutError } from "../../core/errors.ts";
import type { Message, Sender } from "../../core/message.ts";
import { type Verb, Verbs } from "../../core/verbs.ts";

/**
 * One request with one expected reply, bounded in time: a node that does not answer within `ms`
 * gives a TimeoutError instead of a hang, and its reply channel is abandoned (closed).
 */
export async function timedCall(
  target: Sender,
  verb: Verb,
  args: readonly string[],
  expected: readonly Verb[],
  ms: number,
  what = verb,
): Promise<Message> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  let replies: Awaited<ReturnType<typeof request>> | undefined;
  try {
    const sent = request(target, verb, args);
    // If the deadline wins, the reply channel that arrives later is abandoned at once.
    deadline.catch(() =>
      sent.then(
        (r) => r.close(),
        () => {},
      ),
    );
    replies = await Promise.race([sent, deadline]);
    return await Promise.race([firstReply(replies, verb, expected), deadline]);
  } finally {
    clearTimeout(timer);
    replies?.close();
  }
}

/** `Get args` → the parsed JSON of the `Set` reply, bounded in time. */
export async function timedGetJSON<T>(
  target: Sender,
  args: readonly string[],
  ms: number,
  what: string,
): Promise<T> {
  const m = await timedCall(target, Verbs.Get, args, [Verbs.Set], ms, what);
  try {
    return JSON.parse(m.args[0] ?? "") as T;
  } catch {
    throw new ProtocolError(`${what}: reply is not JSON`);
  }
}
