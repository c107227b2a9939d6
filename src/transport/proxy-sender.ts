import { ClosedError } from "../core/errors.ts";
import type { Message, Sender } from "../core/message.ts";
import type { MuxStream, StreamSink } from "./mux-stream.ts";
import type { WireSession } from "./wire.ts";

/**
 * The local face of a channel whose receiver is on the other side: each message sent is encoded
 * (its `ret` and `att` exported as new streams) and written on the stream. `send` resolves once
 * the stream's window took the bytes (back-pressure) and rejects with ClosedError once the peer
 * reset the stream (its receiver closed) or the session ended. `close` is a FIN: EOF for the peer.
 */
export class ProxySender implements Sender, StreamSink {
  private closed = false;
  private why = "channel closed";

  constructor(
    private readonly session: WireSession,
    private readonly stream: MuxStream,
  ) {
    stream.sink = this;
  }

  async send(msg: Message): Promise<void> {
    if (this.closed) throw new ClosedError(this.why);
    if (!msg.ret && !msg.att) return this.sendPlain(msg);
    const streams = (msg.ret ? 1 : 0) + (msg.att ? 1 : 0);
    if (streams > 0 && this.session.mux.streamCount + streams > this.session.limits.maxStreams) {
      try {
        await this.session.mux.streamSlots(streams);
      } catch {
        throw new ClosedError(this.why);
      }
      if (this.closed) throw new ClosedError(this.why);
    }
    const enc = this.session.encode(msg);
    let ok: boolean;
    try {
      ok = this.stream.writeMessage(enc.body);
    } catch {
      enc.abort.abort();
      throw new ClosedError(this.why);
    }
    if (!ok) await this.drained();
  }

  private async sendPlain(msg: Message): Promise<void> {
    const body = this.session.encodePlain(msg);
    let ok: boolean;
    try {
      ok = this.stream.writeMessage(body);
    } catch {
      throw new ClosedError(this.why);
    }
    if (!ok) await this.drained();
  }

  private async drained(): Promise<void> {
    try {
      await this.stream.drained();
    } catch {
      throw new ClosedError(this.why);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.end();
  }

  // The peer only reads this stream: bytes from it break the protocol.
  data(): void {
    this.session.log.warn({ stream: this.stream.id }, "wire: data on a send-only channel, stream reset");
    this.closed = true;
    this.why = "channel reset: protocol error";
    this.stream.reset();
  }

  end(): void {}

  reset(err: Error): void {
    this.closed = true;
    this.why = `channel closed by the receiver (${err.message})`;
  }
}
