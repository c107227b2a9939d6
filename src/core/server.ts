import type { Duplex } from "node:stream";
import { NotImplementedError } from "./errors.ts";
import { type HandlerFn, type HandlerOptions, handler } from "./handler.ts";
import { type Message, message, type Sender } from "./message.ts";
import { type Verb, Verbs } from "./verbs.ts";

/**
 * Dispatch by verb. Unknown verbs go to the catch-all, or are answered `Error "not implemented"`.
 * Built on `handler`, so a throwing handler answers `Error` and `ret` is always closed.
 */
export class Server implements Sender {
  private readonly routes = new Map<string, HandlerFn>();
  private fallback: HandlerFn | undefined;
  private readonly inner: Sender;

  constructor(options: HandlerOptions = {}) {
    this.inner = handler((msg) => this.dispatch(msg), options);
  }

  /** Handle `verb` with `fn`. Returns this, for chaining. */
  on(verb: Verb, fn: HandlerFn): this {
    this.routes.set(verb, fn);
    return this;
  }

  /** Handle every verb that has no route of its own. */
  catchAll(fn: HandlerFn): this {
    this.fallback = fn;
    return this;
  }

  /** The verbs this server routes (for introspection and docs). */
  verbs(): string[] {
    return [...this.routes.keys()];
  }

  private dispatch(msg: Message): void | Promise<void> {
    const fn = this.routes.get(msg.verb) ?? this.fallback;
    if (!fn) throw new NotImplementedError("not implemented");
    return fn(msg);
  }

  send(msg: Message): Promise<void> {
    return this.inner.send(msg);
  }

  close(): void {
    this.inner.close();
  }
}

/**
 * Send a reply on `msg.ret`, if the caller asked for replies. Returns false when there is no
 * `ret` or the caller stopped listening, so long-running producers know to stop.
 */
export async function reply(
  msg: Message,
  verb: Verb,
  args: readonly (string | number | boolean)[] = [],
  extra: { ret?: Sender; att?: Duplex } = {},
): Promise<boolean> {
  if (!msg.ret) return false;
  try {
    await msg.ret.send(message(verb, args, extra));
    return true;
  } catch {
    return false;
  }
}

/** Reply `Ack` (optionally handing back an object as `ret`). */
export function ack(msg: Message, args: readonly string[] = [], ret?: Sender): Promise<boolean> {
  return reply(msg, Verbs.Ack, args, ret ? { ret } : {});
}
