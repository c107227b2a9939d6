import { once } from "node:events";
import type { Duplex, Readable } from "node:stream";
import { NotImplementedError, SwarmError, toErrorArgs } from "../../core/errors.ts";
import type { Message, Sender } from "../../core/message.ts";
import { reply } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { Streams } from "../../docker/verbs.ts";
import type { Engine } from "./engine.ts";
import { demux, EngineStreamError, type OutputStream, raw } from "./stdcopy.ts";

/**
 * Send a container's output on `msg.ret` as `Log [stream, chunk]` byte strings (PROTOCOL.md 1.4,
 * 6.6.1) until it ends. When the caller stops reading, the engine stream is destroyed (6.6.3);
 * when the engine breaks the stream, the caller gets `Error` naming the engine.
 */
export async function pumpOutput(
  engine: Engine,
  msg: Message,
  src: Readable | Duplex,
  tty: boolean,
): Promise<void> {
  const frames: AsyncGenerator<[OutputStream, Buffer]> = tty ? raw(src) : demux(src);
  try {
    for await (const [stream, chunk] of frames) {
      if (!(await reply(msg, Verbs.Log, [stream, chunk.toString("latin1")]))) break;
    }
  } catch (err) {
    // Our own parse errors and the engine's in-band errors keep their message; a broken connection names the engine.
    if (err instanceof SwarmError || err instanceof EngineStreamError) throw err;
    throw engine.wentAway(err);
  } finally {
    src.destroy();
  }
}

/**
 * The Sender handed back by `Attach`/exec `Start`: `Log ["stdin", chunk]` writes the bytes to the
 * hijacked connection, waiting when the engine is slow; `close()` half-closes it (stdin's EOF).
 */
export class StdinSender implements Sender {
  private closed = false;
  private queue: Promise<void> = Promise.resolve();

  /** Without a socket (a detached exec), writes are dropped. */
  constructor(
    private readonly socket: Duplex | undefined,
    private readonly closeWrite: boolean,
  ) {}

  send(msg: Message): Promise<void> {
    // Chained, so writes keep their order even if the caller does not wait for each send.
    const next = this.queue.then(() => this.write(msg));
    this.queue = next.catch(() => {});
    return next;
  }

  private async write(msg: Message): Promise<void> {
    try {
      if (msg.verb !== Verbs.Log || msg.args[0] !== Streams.stdin) {
        throw new NotImplementedError(`container stdin takes Log ["stdin", chunk], not ${msg.verb}`);
      }
      const socket = this.socket;
      if (!socket || this.closed || socket.destroyed || socket.writableEnded) return;
      if (!socket.write(Buffer.from(msg.args[1] ?? "", "latin1"))) {
        await Promise.race([once(socket, "drain"), once(socket, "close")]);
      }
    } catch (err) {
      if (msg.ret) await reply(msg, Verbs.Error, toErrorArgs(err));
    } finally {
      msg.ret?.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.queue.then(() => {
      const socket = this.socket;
      if (this.closeWrite && socket && !socket.destroyed && !socket.writableEnded) socket.end();
    });
  }
}
