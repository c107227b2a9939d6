import type { Duplex } from "node:stream";
import { LimitExceededError, ProtocolError } from "../core/errors.ts";
import { type Logger, silentLogger } from "../core/logger.ts";
import type { Message, Sender } from "../core/message.ts";
import { Verbs } from "../core/verbs.ts";
import { exportByteStream, importByteStream } from "./byte-stream.ts";
import { ChannelReader } from "./channel-reader.ts";
import { ByteStreamRef, ChannelRef, decodeMessage, encodeMessage } from "./codec.ts";
import { type DefaultedLimits, resolveLimits, type WireLimits } from "./limits.ts";
import { Mux } from "./mux.ts";
import type { MuxStream, StreamSink } from "./mux-stream.ts";
import { ProxySender } from "./proxy-sender.ts";

/** The first byte written on every stream says what it carries (docs/transport.md §4). */
export const StreamKind = {
  /** A top-level channel: the opener sends messages, the acceptor delivers them to its handler. */
  Channel: 0x01,
  /** A reply channel (`ret`): the acceptor sends messages, the opener delivers them to its Sender. */
  Reply: 0x02,
  /** A byte stream (`att`): raw bytes both ways. */
  Bytes: 0x03,
} as const;

export interface WireOptions {
  /** True on the dialing side (odd stream ids). */
  client: boolean;
  /** Where messages on the channels the peer opens are delivered. Without it, such channels are refused. */
  handler?: Sender;
  limits?: Partial<WireLimits>;
  log?: Logger;
}

/** What `encode` produced: the message body, and how to undo the exported streams if the write fails. */
export interface Encoded {
  body: Buffer;
  abort: { abort(): void };
}

const ignore: StreamSink = { data() {}, end() {}, reset() {} };

/** Reads the kind byte of a stream the peer opened, then hands the stream to its owner. */
class KindSniffer implements StreamSink {
  constructor(
    private readonly session: WireSession,
    private readonly s: MuxStream,
  ) {}
  data(chunk: Buffer): void {
    this.s.consumed(1);
    this.session.route(this.s, chunk[0]!);
    if (chunk.length > 1) this.s.sink!.data(chunk.subarray(1));
  }
  end(): void {
    this.s.reset();
  }
  reset(): void {}
}

/** A stream the peer opened for a reference that no message has claimed yet. */
class Unclaimed implements StreamSink {
  buffered: Buffer[] = [];
  ended = false;
  constructor(
    private readonly table: Map<number, Unclaimed>,
    readonly kind: number,
    readonly stream: MuxStream,
  ) {}
  data(chunk: Buffer): void {
    if (this.kind === StreamKind.Bytes) {
      this.buffered.push(chunk);
      return;
    }
    // A reply channel's opener only reads it: bytes from it break the protocol.
    this.table.delete(this.stream.id);
    this.stream.reset();
  }
  end(): void {
    this.ended = true;
  }
  reset(): void {
    this.table.delete(this.stream.id);
  }
}

/** Undoes the streams exported for a message whose send failed. */
class Exported {
  reader: ChannelReader | undefined;
  bridge: { detach(): void } | undefined;
  abort(): void {
    this.reader?.detach();
    this.bridge?.detach();
  }
}

/**
 * The libswarm wire session: channels and byte streams over one yamux session. Either side can
 * open top-level channels (`openChannel`); nested `ret` channels and `att` byte streams in a
 * message become streams of their own, referenced from the message, to any depth, both ways.
 */
export class WireSession {
  readonly mux: Mux;
  readonly limits: DefaultedLimits;
  readonly log: Logger;
  private readonly handler: Sender | undefined;
  private readonly unclaimed = new Map<number, Unclaimed>();

  constructor(conn: Duplex, options: WireOptions) {
    this.limits = resolveLimits(options.limits);
    this.log = options.log ?? silentLogger;
    this.handler = options.handler;
    this.mux = new Mux(conn, {
      client: options.client,
      onStream: (s) => this.accept(s),
      maxStreams: this.limits.maxStreams,
      keepAliveMs: this.limits.keepAliveMs,
      keepAliveTimeoutMs: this.limits.keepAliveTimeoutMs,
    });
  }

  /** Settles with the reason once the session has ended. */
  get done(): Promise<Error> {
    return this.mux.done;
  }

  get closed(): boolean {
    return this.mux.closed;
  }

  /** Open a top-level channel to the peer's handler. */
  openChannel(): Sender {
    return new ProxySender(this, this.mux.open([Buffer.of(StreamKind.Channel)]));
  }

  /** End the session: every channel and byte stream on it is closed. */
  close(): void {
    this.mux.close();
  }

  /** @internal a message without ret or att: no streams to export. */
  encodePlain(msg: Message): Buffer {
    const body = encodeMessage({ verb: msg.verb, args: msg.args, ret: undefined, att: undefined });
    if (body.length > this.limits.maxMessageBytes) {
      throw new LimitExceededError(
        `message of ${body.length} bytes exceeds the limit of ${this.limits.maxMessageBytes}`,
      );
    }
    return body;
  }

  /** @internal */
  encode(msg: Message): Encoded {
    const ex = new Exported();
    try {
      let ret: ChannelRef | undefined;
      let att: ByteStreamRef | undefined;
      if (msg.ret) {
        const s = this.mux.open([Buffer.of(StreamKind.Reply)], true);
        ex.reader = new ChannelReader(this, s, msg.ret, {
          ownsTarget: true,
          objectRef: msg.verb === Verbs.Ack,
        });
        ret = new ChannelRef(s.id);
      }
      if (msg.att) {
        const t = this.mux.open([Buffer.of(StreamKind.Bytes)]);
        ex.bridge = exportByteStream(msg.att, t);
        att = new ByteStreamRef(t.id);
      }
      const body = encodeMessage({ verb: msg.verb, args: msg.args, ret, att });
      if (body.length > this.limits.maxMessageBytes) {
        throw new LimitExceededError(
          `message of ${body.length} bytes exceeds the limit of ${this.limits.maxMessageBytes}`,
        );
      }
      return { body, abort: ex };
    } catch (err) {
      ex.abort();
      throw err;
    }
  }

  /** @internal */
  decode(body: Buffer, start = 0, end = body.length): Message {
    const w = decodeMessage(body, this.limits, start, end);
    const ret = w.ret ? this.claimSender(w.ret.streamId) : undefined;
    let att: Duplex | undefined;
    if (w.att) {
      try {
        att = this.claimBytes(w.att.streamId);
      } catch (err) {
        ret?.close();
        throw err;
      }
    }
    if (ret && att) return { verb: w.verb, args: w.args, ret, att };
    if (ret) return { verb: w.verb, args: w.args, ret };
    if (att) return { verb: w.verb, args: w.args, att };
    return { verb: w.verb, args: w.args };
  }

  private accept(s: MuxStream): void {
    s.sink = new KindSniffer(this, s);
  }

  /** @internal the first byte of a stream the peer opened says what it is. */
  route(s: MuxStream, kind: number): void {
    if (kind === StreamKind.Channel) {
      if (!this.handler) {
        this.log.debug({ stream: s.id }, "wire: peer opened a channel but nothing serves here; refused");
        s.sink = ignore;
        s.reset();
        return;
      }
      new ChannelReader(this, s, this.handler, { ownsTarget: false });
      s.end();
      return;
    }
    if (
      (kind !== StreamKind.Reply && kind !== StreamKind.Bytes) ||
      this.unclaimed.size >= this.limits.maxUnclaimed
    ) {
      this.log.warn({ stream: s.id, kind }, "wire: unknown stream kind or too many unclaimed streams; reset");
      s.sink = ignore;
      s.reset();
      return;
    }
    const entry = new Unclaimed(this.unclaimed, kind, s);
    this.unclaimed.set(s.id, entry);
    s.sink = entry;
  }

  private claim(id: number, kind: number, what: string): Unclaimed {
    const e = this.unclaimed.get(id);
    if (!e || e.kind !== kind) throw new ProtocolError(`unknown ${what} reference: stream ${id}`);
    this.unclaimed.delete(id);
    return e;
  }

  private claimSender(id: number): Sender {
    return new ProxySender(this, this.claim(id, StreamKind.Reply, "channel").stream);
  }

  private claimBytes(id: number): Duplex {
    const e = this.claim(id, StreamKind.Bytes, "byte-stream");
    return importByteStream(e.stream, e.buffered, e.ended);
  }
}
