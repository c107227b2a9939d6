import { ClosedError, toErrorArgs } from "./errors.ts";
import { type Message, message, type Sender } from "./message.ts";
import { Verbs } from "./verbs.ts";

export type HandlerFn = (msg: Message) => void | Promise<void>;

export interface HandlerOptions {
  /** How many messages may be handled at once before `send` waits (back-pressure). Default 1024. */
  concurrency?: number;
  /** Called with errors that could not be delivered (the message had no `ret`, or it was closed). */
  onUndeliveredError?: (err: unknown, msg: Message) => void;
  /** Called when the handler is closed. */
  onClose?: () => void;
}

/**
 * A Sender that runs `fn` for each message it receives.
 *
 * - If `fn` throws, the caller receives `Error [message, code]` on the message's `ret`.
 * - The message's `ret` is always closed when `fn` settles.
 * - Messages are handled concurrently, up to `concurrency`; past that `send` waits for a slot.
 */
export function handler(fn: HandlerFn, options: HandlerOptions = {}): Sender & { readonly active: number } {
  return new Handler(fn, options);
}

class Handler implements Sender {
  active = 0;
  private closed = false;
  private readonly slots: (() => void)[] = [];
  private readonly limit: number;

  constructor(
    private readonly fn: HandlerFn,
    private readonly options: HandlerOptions,
  ) {
    this.limit = options.concurrency ?? 1024;
  }

  async send(msg: Message): Promise<void> {
    if (this.closed) {
      // A closed handler still settles the message so no caller hangs (3.2: SWARM_ERR_CLOSED).
      await replyError(msg, new ClosedError("handler closed"), this.options);
      return;
    }
    while (this.active >= this.limit) await new Promise<void>((r) => this.slots.push(r));
    if (this.closed) {
      // Closed while this message waited for a slot: settle it as if it came after the close.
      this.slots.shift()?.();
      await replyError(msg, new ClosedError("handler closed"), this.options);
      return;
    }
    this.active++;
    void this.run(msg);
  }

  private async run(msg: Message): Promise<void> {
    try {
      await this.fn(msg);
    } catch (err) {
      await replyError(msg, err, this.options);
    } finally {
      msg.ret?.close();
      this.active--;
      this.slots.shift()?.();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.onClose?.();
  }
}

async function replyError(msg: Message, err: unknown, options: HandlerOptions): Promise<void> {
  if (!msg.ret) return reportUndelivered(err, msg, options);
  try {
    await msg.ret.send(message(Verbs.Error, toErrorArgs(err)));
  } catch {
    reportUndelivered(err, msg, options);
  } finally {
    msg.ret.close();
  }
}

/** The caller's reporter must not turn a lost error into an unhandled rejection (it would crash swarmd). */
function reportUndelivered(err: unknown, msg: Message, options: HandlerOptions): void {
  try {
    options.onUndeliveredError?.(err, msg);
  } catch {
    // nothing more can be done with it
  }
}
