import type { Logger } from "../../core/logger.ts";
import { describe, type Message, type Sender } from "../../core/message.ts";

/** Which way a message travels relative to the chain: requests go down, replies come back up. */
export type Direction = "request" | "reply";

/** Hide the values of `KEY=value` entries in a JSON `Env` array, and auth headers, before logging. */
export function redact(arg: string): string {
  if (!arg.startsWith("{")) return arg;
  return arg
    .replace(/("Env"\s*:\s*\[)([^\]]*)(\])/g, (_m, open: string, body: string, close: string) => {
      const masked = body.replace(/"([^"=]*)=(?:[^"\\]|\\.)*"/g, '"$1=***"');
      return `${open}${masked}${close}`;
    })
    .replace(
      /("(?:password|Password|auth|Auth|identitytoken|IdentityToken|registrytoken)"\s*:\s*)"(?:[^"\\]|\\.)*"/g,
      '$1"***"',
    );
}

/**
 * A Sender that logs each message passing through it, then forwards it to `target`.
 * The message's `ret` is wrapped too, with the opposite direction, so replies are logged, and
 * objects handed back in replies (containers, execs) have their requests logged, to any depth.
 */
export function logging(target: Sender, direction: Direction, log: Logger, depth = 0): Sender {
  return {
    async send(msg: Message): Promise<void> {
      log.info(
        {
          dir: direction === "request" ? "→" : "←",
          depth,
          verb: msg.verb,
          args: msg.args.map((a) => redact(a)),
        },
        describe({ ...msg, args: msg.args.map((a) => redact(a)) }, 120),
      );
      const ret = msg.ret
        ? logging(msg.ret, direction === "request" ? "reply" : "request", log, depth + 1)
        : undefined;
      await target.send(ret ? { ...msg, ret } : msg);
    },
    close(): void {
      target.close();
    },
  };
}
