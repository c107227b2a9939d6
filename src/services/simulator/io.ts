import { ClosedError, NotImplementedError, toErrorArgs } from "../../core/errors.ts";
import { type Message, message, type Sender } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";

/**
 * The stdin object handed back by `Attach`/exec `Start` (docs/PROTOCOL.md §6.6.2): each
 * `Log ["stdin", chunk]` is written in order (send resolves once written: back-pressure), and
 * `close()` is EOF, delivered after every chunk sent before it.
 */
export class InputSender implements Sender {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly write: (chunk: string) => Promise<void>,
    private readonly eof: () => void,
  ) {}

  send(msg: Message): Promise<void> {
    if (this.closed) {
      msg.ret?.close();
      return Promise.reject(new ClosedError("stdin is closed"));
    }
    const step = this.chain.then(async () => {
      try {
        if (msg.verb === Verbs.Log) {
          const chunk = msg.args.length >= 2 ? msg.args[1]! : (msg.args[0] ?? "");
          if (msg.args.length < 2 || msg.args[0] === "stdin") await this.write(chunk);
        } else if (msg.ret) {
          await msg.ret.send(message(Verbs.Error, toErrorArgs(new NotImplementedError()))).catch(() => {});
        }
      } finally {
        msg.ret?.close();
      }
    });
    this.chain = step.catch(() => {});
    return step;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.chain = this.chain.then(() => this.eof());
  }
}
