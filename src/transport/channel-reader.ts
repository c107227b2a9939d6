import { LimitExceededError, ProtocolError, toErrorArgs, UnavailableError } from "../core/errors.ts";
import { message, type Sender } from "../core/message.ts";
import { Verbs } from "../core/verbs.ts";
import { ByteQueue } from "./byte-queue.ts";
import type { MuxStream, StreamSink } from "./mux-stream.ts";
import type { WireSession } from "./wire.ts";

export interface ReaderOptions {
  /** The target was exported by this side: close it at EOF (the peer closed its proxy). */
  ownsTarget: boolean;
  /**
   * The target is an object handed out in an `Ack` (a service, a container), not a reply channel:
   * losing the stream abnormally leaves it open, since other callers may hold it too.
   */
  objectRef?: boolean;
}

/**
 * Reads length-prefixed messages from a stream and delivers them to a local Sender in order,
 * one at a time: the stream's window is only given back while the target keeps up (back-pressure).
 * A malformed or oversized message resets the stream; if the target is a reply channel it receives
 * an `Error` first and is closed, so the requester never hangs.
 */
export class ChannelReader implements StreamSink {
  private readonly queue = new ByteQueue();
  private busy = false;
  private ended = false;
  private done = false;
  private held = 0;

  constructor(
    private readonly session: WireSession,
    private readonly stream: MuxStream,
    private readonly target: Sender,
    private readonly options: ReaderOptions,
  ) {
    stream.sink = this;
  }

  data(chunk: Buffer): void {
    if (this.done) return;
    this.queue.push(chunk);
    this.held += chunk.length;
    if (!this.busy) this.start();
  }

  end(): void {
    this.ended = true;
    if (!this.busy) this.start();
  }

  reset(err: Error): void {
    if (this.done) return;
    const why =
      err instanceof UnavailableError
        ? err
        : new UnavailableError(`reply channel lost: ${err.message}`, { cause: err });
    this.finish(why);
  }

  /** Forget the stream without closing the target (the message that referenced it was never sent). */
  detach(): void {
    this.done = true;
    this.queue.clear();
    this.stream.reset();
  }

  /** Run the delivery loop; a bug in it resets the stream instead of escaping as a rejection. */
  private start(): void {
    this.run().catch((err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))));
  }

  private async run(): Promise<void> {
    this.busy = true;
    try {
      const max = this.session.limits.maxMessageBytes;
      while (!this.done && this.queue.length >= 4) {
        const len = this.queue.peekUInt32BE();
        if (len > max)
          return this.fail(new LimitExceededError(`message of ${len} bytes exceeds the limit of ${max}`));
        if (this.queue.length < 4 + len) break;
        let msg: ReturnType<WireSession["decode"]>;
        try {
          const inPlace = len > 0 ? this.queue.contiguous(4 + len) : undefined;
          if (inPlace) {
            msg = this.session.decode(inPlace.buf, inPlace.at + 4, inPlace.at + 4 + len);
            this.queue.skip(4 + len);
          } else {
            this.queue.skip(4);
            msg = this.session.decode(this.queue.take(len));
          }
        } catch (err) {
          return this.fail(err as Error);
        }
        try {
          await this.target.send(msg);
        } catch {
          // The local receiver is gone: settle what this message carried, and tell the peer (RST).
          msg.ret?.close();
          msg.att?.destroy();
          this.done = true;
          this.queue.clear();
          this.stream.reset();
          return;
        }
      }
      if (this.done) return;
      // Waiting for more bytes: give back the window for everything taken so far.
      if (this.held > 0) {
        this.stream.consumed(this.held);
        this.held = 0;
      }
      if (this.ended) {
        if (this.queue.length > 0) this.fail(new ProtocolError("stream ended inside a message"));
        else this.finish(undefined);
      }
    } finally {
      this.busy = false;
    }
  }

  private fail(err: Error): void {
    this.session.log.warn({ stream: this.stream.id, err: err.message }, "wire: bad message, stream reset");
    this.stream.reset();
    this.finish(err);
  }

  private finish(err: Error | undefined): void {
    if (this.done) return;
    this.done = true;
    this.queue.clear();
    if (!this.options.ownsTarget || (err && this.options.objectRef)) return;
    const target = this.target;
    if (!err) {
      target.close();
      return;
    }
    target
      .send(message(Verbs.Error, toErrorArgs(err)))
      .catch(() => {})
      .finally(() => target.close());
  }
}
