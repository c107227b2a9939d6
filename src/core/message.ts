import type { Duplex } from "node:stream";
import type { Verb } from "./verbs.ts";

/**
 * A message: a verb, string args, an optional return channel for replies, and an optional
 * byte stream. JSON documents travel as one string arg (docs/PROTOCOL.md §1).
 */
export interface Message {
  readonly verb: Verb;
  readonly args: readonly string[];
  /** Where replies to this message go. Whoever handles the message MUST close it when done. */
  readonly ret?: Sender;
  /** Raw bytes in both directions: a socket, a tty, a file. */
  readonly att?: Duplex;
}

/** Something you can send messages to: a service, an object, a reply channel. */
export interface Sender {
  /**
   * Deliver a message. Resolves once the message is accepted; a slow receiver makes this wait
   * (back-pressure). Rejects with ClosedError when the channel is closed.
   */
  send(msg: Message): Promise<void>;
  /** No more messages: the receiver sees EOF after the ones already sent. Idempotent. */
  close(): void;
}

/** The reading end of a channel: messages in order, then EOF. */
export interface Receiver extends AsyncIterable<Message> {
  /** The next message, or `undefined` at EOF. */
  receive(): Promise<Message | undefined>;
  /** OPTIONAL: a message already queued, without waiting; undefined when none is (hot paths). */
  poll?(): Message | undefined;
  /** Stop reading: pending and later sends fail with ClosedError. Idempotent. */
  close(): void;
}

/** Build a message; `args` are converted to strings so callers can pass numbers. */
export function message(
  verb: Verb,
  args: readonly (string | number | boolean)[] = [],
  extra: { ret?: Sender; att?: Duplex } = {},
): Message {
  const m: { verb: Verb; args: string[]; ret?: Sender; att?: Duplex } = { verb, args: args.map(String) };
  if (extra.ret) m.ret = extra.ret;
  if (extra.att) m.att = extra.att;
  return m;
}

/** A short, secret-free description of a message for logs: verb, args (truncated), ret/att markers. */
export function describe(msg: Message, maxArg = 200): string {
  const args = msg.args.map((a) => JSON.stringify(a.length > maxArg ? `${a.slice(0, maxArg)}…` : a));
  return `${msg.verb}${args.length ? ` ${args.join(" ")}` : ""}${msg.ret ? " +ret" : ""}${msg.att ? " +att" : ""}`;
}
