import type { Duplex } from "node:stream";
import { fromErrorArgs, NoReplyError, ProtocolError } from "./errors.ts";
import { type Message, message, type Receiver, type Sender } from "./message.ts";
import { type PipeOptions, pipe } from "./pipe.ts";
import { type Verb, Verbs } from "./verbs.ts";

/**
 * Send `verb args` to `target` with a fresh reply channel, and return the channel's reading end.
 * The caller reads replies until EOF, or closes the receiver when it has what it needs.
 */
export async function request(
  target: Sender,
  verb: Verb,
  args: readonly (string | number | boolean)[] = [],
  extra: { att?: Duplex; pipe?: PipeOptions } = {},
): Promise<Receiver> {
  const [replies, ret] = pipe(extra.pipe);
  try {
    await target.send(message(verb, args, extra.att ? { ret, att: extra.att } : { ret }));
  } catch (err) {
    replies.close();
    throw err;
  }
  return replies;
}

/**
 * The first reply of a request. `Error` becomes a thrown typed error, EOF a NoReplyError, and a
 * verb outside `expected` a ProtocolError.
 */
export async function firstReply(replies: Receiver, verb: Verb, expected: readonly Verb[]): Promise<Message> {
  const m = await replies.receive();
  if (m === undefined) throw new NoReplyError(verb);
  if (m.verb === Verbs.Error || !expected.includes(m.verb)) {
    // Whatever the reply handed over (an object, a byte stream) will not be used: settle it.
    replies.close();
    m.ret?.close();
    m.att?.destroy();
    if (m.verb === Verbs.Error) throw fromErrorArgs(m.args);
    throw new ProtocolError(`unexpected reply to ${verb}: ${m.verb} (expected ${expected.join(" or ")})`);
  }
  return m;
}

/** Send a request and wait for its one reply (then stop listening). */
export async function call(
  target: Sender,
  verb: Verb,
  args: readonly (string | number | boolean)[],
  expected: readonly Verb[],
  att?: Duplex,
): Promise<Message> {
  const replies = await request(target, verb, args, att ? { att } : {});
  try {
    return await firstReply(replies, verb, expected);
  } finally {
    replies.close();
  }
}

/** What `attach` gives back: the object, and the stream of its output that follows the Ack. */
export interface Attachment {
  object: Client;
  /** The rest of the reply stream: the object's output (Log messages) until it ends. */
  output: Receiver;
}

/** Typed calls on any Sender. Every `Error` reply is thrown as a typed SwarmError. */
export class Client {
  constructor(readonly target: Sender) {}

  /** `Ls` → the names in the `Set` reply. */
  async ls(...args: string[]): Promise<string[]> {
    return [...(await call(this.target, Verbs.Ls, args, [Verbs.Set])).args];
  }

  /** `Spawn args` → the new object, from the `Ack`'s `ret`. */
  async spawn(...args: string[]): Promise<Client> {
    return this.objectOf(await call(this.target, Verbs.Spawn, args, [Verbs.Ack]), Verbs.Spawn);
  }

  /** `Attach name` → the object, plus the output stream that follows the Ack. */
  async attach(name = "", ...args: string[]): Promise<Attachment> {
    const replies = await request(this.target, Verbs.Attach, [name, ...args]);
    const ackMsg = await firstReply(replies, Verbs.Attach, [Verbs.Ack]);
    try {
      return { object: this.objectOf(ackMsg, Verbs.Attach), output: replies };
    } catch (err) {
      replies.close();
      throw err;
    }
  }

  /** `Attach name` → just the object; the output stream is not read. */
  async open(name: string): Promise<Client> {
    const { object, output } = await this.attach(name);
    output.close();
    return object;
  }

  async start(...args: string[]): Promise<string[]> {
    return [...(await call(this.target, Verbs.Start, args, [Verbs.Ack])).args];
  }

  async stop(...args: string[]): Promise<string[]> {
    return [...(await call(this.target, Verbs.Stop, args, [Verbs.Ack])).args];
  }

  /** `Get args` → the first arg of the `Set` reply (an object's state, often JSON). */
  async get(...args: string[]): Promise<string> {
    return (await call(this.target, Verbs.Get, args, [Verbs.Set])).args[0] ?? "";
  }

  /** `Get args` → the parsed JSON state. */
  async getJSON<T = unknown>(...args: string[]): Promise<T> {
    const raw = await this.get(...args);
    try {
      return JSON.parse(raw) as T;
    } catch {
      throw new ProtocolError(`Get ${args.join(" ")}: reply is not JSON`);
    }
  }

  /** `Set args`: a one-way message, no reply expected. */
  set(...args: string[]): Promise<void> {
    return this.target.send(message(Verbs.Set, args));
  }

  /** `Log args`: a one-way message. */
  log(...args: string[]): Promise<void> {
    return this.target.send(message(Verbs.Log, args));
  }

  /** `Error args`: a one-way message. */
  error(...args: string[]): Promise<void> {
    return this.target.send(message(Verbs.Error, args));
  }

  /** `Watch args` → after the Ack, a stream of change notifications until EOF. */
  async watch(...args: string[]): Promise<Receiver> {
    const replies = await request(this.target, Verbs.Watch, args);
    await firstReply(replies, Verbs.Watch, [Verbs.Ack]);
    return replies;
  }

  /** `Connect args` → the raw byte stream carried as `att` of the `Connect` reply. */
  async connect(...args: string[]): Promise<Duplex> {
    const m = await call(this.target, Verbs.Connect, args, [Verbs.Connect]);
    if (!m.att) throw new ProtocolError("Connect reply carries no byte stream");
    return m.att;
  }

  /** Any verb (core or extension) with one expected reply verb. */
  call(verb: Verb, args: readonly string[] = [], expected: readonly Verb[] = [Verbs.Ack], att?: Duplex) {
    return call(this.target, verb, args, expected, att);
  }

  /** Any verb; the caller reads the reply stream. */
  request(verb: Verb, args: readonly string[] = [], att?: Duplex): Promise<Receiver> {
    return request(this.target, verb, args, att ? { att } : {});
  }

  private objectOf(m: Message, verb: Verb): Client {
    if (!m.ret) throw new ProtocolError(`${verb} reply carries no object (Ack without ret)`);
    return new Client(m.ret);
  }
}
