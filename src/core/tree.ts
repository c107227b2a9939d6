import { NotFoundError } from "./errors.ts";
import type { HandlerOptions } from "./handler.ts";
import type { Sender } from "./message.ts";
import { ack, reply, Server } from "./server.ts";
import { Verbs } from "./verbs.ts";

/**
 * A Server with named children. `Attach name` answers `Ack` with the child as `ret`
 * (`Attach ""` hands back the tree itself); `Ls` answers `Set` with the names, in insertion order.
 */
export class Tree extends Server {
  private readonly children = new Map<string, Sender>();

  constructor(options: HandlerOptions = {}) {
    super(options);
    this.on(Verbs.Ls, (msg) => reply(msg, Verbs.Set, this.names()).then(() => undefined));
    this.on(Verbs.Attach, async (msg) => {
      const name = msg.args[0] ?? "";
      if (name === "") return void (await ack(msg, [], this));
      const child = this.children.get(name);
      if (!child) throw new NotFoundError(`no such child: ${name}`);
      await ack(msg, [], child);
    });
  }

  bind(name: string, child: Sender): this {
    this.children.set(name, child);
    return this;
  }

  unbind(name: string): boolean {
    return this.children.delete(name);
  }

  child(name: string): Sender | undefined {
    return this.children.get(name);
  }

  names(): string[] {
    return [...this.children.keys()];
  }
}
