import type { Message, Sender } from "../../src/core/message.ts";
import { memoryConnection } from "../../src/transport/memory.ts";

/** The two message shapes of the libchan benchmark. */
export type Shape = "plain" | "nested";

const PAYLOAD = Buffer.from("0123456789abcdef0123456789abcdef"); // 32 bytes through each byte stream

/** A noop reply channel: the receiver closes it. */
function retSink(): Sender {
  return { send: async () => {}, close() {} };
}

/** Build message number `i` of a shape. Nested: a fresh return channel plus a byte stream of 32 bytes. */
export function makeMessage(shape: Shape, i: number): Message {
  if (shape === "plain") return { verb: "Log", args: ["hello world", String(i)] };
  const [mine, theirs] = memoryConnection();
  mine.end(PAYLOAD);
  mine.resume();
  return { verb: "Log", args: ["with a channel and a stream", String(i)], ret: retSink(), att: theirs };
}

/**
 * What the receiving end does per message: nothing for plain; for nested, read the byte stream to
 * EOF, close its write side, and close the return channel (so every nested resource is settled).
 */
export function consume(shape: Shape, m: Message): Promise<void> | undefined {
  if (shape === "plain") return undefined;
  m.ret?.close();
  const att = m.att!;
  return new Promise<void>((resolve) => {
    att.on("data", () => {});
    att.once("end", () => {
      att.end();
      resolve();
    });
    att.once("close", () => resolve());
  });
}
