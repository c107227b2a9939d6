import type { Duplex } from "node:stream";
import { ClosedError, LimitExceededError, TimeoutError, UnavailableError } from "../core/errors.ts";
import {
  Flag,
  FrameError,
  type FrameHeader,
  FrameType,
  GoAwayCode,
  HEADER_SIZE,
  INITIAL_WINDOW,
  readHeader,
} from "./frame.ts";
import { FrameWriter } from "./frame-writer.ts";
import { MuxStream } from "./mux-stream.ts";

export interface MuxOptions {
  /** The dialing side is the client: it opens odd stream ids, the server even ones. */
  client: boolean;
  /** Called for every stream the peer opens; it MUST set `stream.sink` before returning. */
  onStream?: (stream: MuxStream) => void;
  /** Open streams allowed at once, both directions together. Default 1024. */
  maxStreams?: number;
  /** Send a ping this often when idle; 0 disables. Default 15 s. */
  keepAliveMs?: number;
  /** End the session when nothing arrived for this long. Default 2 × keepAliveMs. */
  keepAliveTimeoutMs?: number;
}

/**
 * A yamux session over one connection: either side opens streams, each flow-controlled on its own.
 * A malformed frame ends the session with GoAway(protocol error); it never throws out of the
 * connection's event handlers. When the session ends every stream's sink is reset.
 */
export class Mux {
  readonly writer: FrameWriter;
  closed = false;
  closeReason: Error | undefined;
  readonly done: Promise<Error>;
  private resolveDone!: (err: Error) => void;
  private readonly streams = new Map<number, MuxStream>();
  private nextId: number;
  private readonly maxStreams: number;
  private partial: Buffer | undefined;
  private dataRemaining = 0;
  private dataStream: MuxStream | undefined;
  private dataFlags = 0;
  private lastReceived = Date.now();
  private nextPing = 1;
  private readonly pings = new Map<
    number,
    { resolve(rtt: number): void; reject(e: unknown): void; at: number }
  >();
  private keepAlive: NodeJS.Timeout | undefined;
  private readonly slotWaiters: { resolve(): void; reject(e: unknown): void }[] = [];

  constructor(
    readonly conn: Duplex,
    private readonly options: MuxOptions,
  ) {
    this.writer = new FrameWriter(conn);
    this.nextId = options.client ? 1 : 2;
    this.maxStreams = options.maxStreams ?? 1024;
    this.done = new Promise((r) => (this.resolveDone = r));
    conn.on("data", (chunk: Buffer) => this.onChunk(chunk));
    conn.on("end", () => this.terminate(new UnavailableError("connection closed by peer")));
    conn.on("close", () => this.terminate(new UnavailableError("connection closed")));
    conn.on("error", (err: Error) =>
      this.terminate(new UnavailableError(`connection error: ${err.message}`, { cause: err })),
    );
    const every = options.keepAliveMs ?? 15_000;
    if (every > 0) {
      const timeout = options.keepAliveTimeoutMs ?? every * 2;
      this.keepAlive = setInterval(() => {
        if (Date.now() - this.lastReceived > timeout) {
          this.terminate(
            new TimeoutError(`keep-alive: nothing received for ${timeout} ms`),
            GoAwayCode.Normal,
          );
        } else this.writer.frame(FrameType.Ping, Flag.SYN, 0, this.nextPing++ >>> 0);
      }, every);
      this.keepAlive.unref();
    }
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Open a stream; `initial` bytes travel with the SYN, and `fin` half-closes it at once. */
  open(initial?: readonly Buffer[], fin = false): MuxStream {
    if (this.closed) throw new ClosedError(`session closed: ${this.closeReason?.message ?? ""}`);
    if (this.streams.size >= this.maxStreams) {
      throw new LimitExceededError(`too many open streams (limit ${this.maxStreams})`);
    }
    if (this.nextId > 0xffff_ffff) throw new LimitExceededError("stream ids exhausted");
    const s = new MuxStream(this, this.nextId, Flag.SYN);
    this.nextId += 2;
    this.streams.set(s.id, s);
    if (initial) s.write(initial);
    if (fin) s.end();
    if (s.firstFlags !== 0) s.ackIfSilent();
    return s;
  }

  /** Round-trip time of one ping, in ms. */
  ping(): Promise<number> {
    if (this.closed) return Promise.reject(new ClosedError("session closed"));
    const id = this.nextPing++ >>> 0;
    return new Promise((resolve, reject) => {
      this.pings.set(id, { resolve, reject, at: performance.now() });
      this.writer.frame(FrameType.Ping, Flag.SYN, 0, id);
    });
  }

  /** Graceful end: GoAway(normal), then the connection closes. */
  close(): void {
    this.terminate(new ClosedError("session closed"), GoAwayCode.Normal);
  }

  /** @internal a stream that is fully closed or reset leaves the table. */
  forget(s: MuxStream): void {
    if (this.streams.get(s.id) === s) {
      this.streams.delete(s.id);
      if (this.slotWaiters.length > 0 && this.streams.size < this.maxStreams)
        this.slotWaiters.shift()!.resolve();
    }
  }

  /**
   * Resolves when `n` more streams may be opened: at the limit, opening waits (back-pressure)
   * instead of failing. Rejects if the session ends first.
   */
  async streamSlots(n: number): Promise<void> {
    while (!this.closed && this.streams.size + n > this.maxStreams) {
      await new Promise<void>((resolve, reject) => this.slotWaiters.push({ resolve, reject }));
    }
    if (this.closed) throw new ClosedError(`session closed: ${this.closeReason?.message ?? ""}`);
  }

  private onChunk(chunk: Buffer): void {
    if (this.closed) return;
    this.lastReceived = Date.now();
    let buf = chunk;
    if (this.partial) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    try {
      let at = 0;
      while (at < buf.length && !this.closed) {
        if (this.dataRemaining > 0) {
          const n = Math.min(this.dataRemaining, buf.length - at);
          this.dataRemaining -= n;
          this.dataStream?.onData(buf.subarray(at, at + n));
          at += n;
          if (this.dataRemaining === 0) this.afterData();
          continue;
        }
        if (buf.length - at < HEADER_SIZE) {
          this.partial = buf.subarray(at);
          break;
        }
        const h = readHeader(buf, at);
        at += HEADER_SIZE;
        this.onHeader(h);
      }
    } catch (err) {
      if (err instanceof FrameError) {
        this.terminate(
          new UnavailableError(`protocol error from peer: ${err.message}`),
          GoAwayCode.ProtocolError,
        );
      } else {
        const e = err instanceof Error ? err : new Error(String(err));
        this.terminate(
          new UnavailableError(`internal error: ${e.message}`, { cause: e }),
          GoAwayCode.InternalError,
        );
      }
    }
  }

  private onHeader(h: FrameHeader): void {
    switch (h.type) {
      case FrameType.Ping:
        if (h.flags & Flag.SYN) this.writer.frame(FrameType.Ping, Flag.ACK, 0, h.length);
        else if (h.flags & Flag.ACK) {
          const p = this.pings.get(h.length);
          if (p) {
            this.pings.delete(h.length);
            p.resolve(performance.now() - p.at);
          }
        }
        return;
      case FrameType.GoAway:
        this.terminate(
          new UnavailableError(
            h.length === GoAwayCode.Normal
              ? "peer closed the session"
              : `peer ended the session (code ${h.length})`,
          ),
        );
        return;
      case FrameType.WindowUpdate: {
        const s = this.streamFor(h);
        if (!s) return;
        s.onWindowUpdate(h.length);
        this.applyEndFlags(s, h.flags);
        return;
      }
      case FrameType.Data: {
        const s = this.streamFor(h);
        if (s) {
          if (h.length > s.recvWindow) {
            throw new FrameError(
              `stream ${h.streamId}: ${h.length} bytes exceed the window (${s.recvWindow})`,
            );
          }
          s.recvWindow -= h.length;
        } else if (h.length > INITIAL_WINDOW) {
          throw new FrameError(`data frame of ${h.length} bytes for unknown stream ${h.streamId}`);
        }
        this.dataStream = s;
        this.dataFlags = h.flags;
        this.dataRemaining = h.length;
        if (h.length === 0) this.afterData();
        return;
      }
      default:
        h.type satisfies never;
    }
  }

  private afterData(): void {
    const s = this.dataStream;
    this.dataStream = undefined;
    if (s) this.applyEndFlags(s, this.dataFlags);
  }

  private applyEndFlags(s: MuxStream, flags: number): void {
    if (flags & Flag.RST) {
      s.onReset(new ClosedError("stream reset by peer"));
      this.forget(s);
    } else if (flags & Flag.FIN) s.onFin();
  }

  /** The stream a Data/WindowUpdate frame is for, creating it on SYN; undefined to ignore the frame. */
  private streamFor(h: FrameHeader): MuxStream | undefined {
    const id = h.streamId;
    if (!(h.flags & Flag.SYN)) return this.streams.get(id);
    if (id === 0) throw new FrameError("SYN on stream 0");
    const peerIsClient = !this.options.client;
    if ((id % 2 === 1) !== peerIsClient)
      throw new FrameError(`stream id ${id} has the wrong parity for the peer`);
    if (this.streams.has(id)) throw new FrameError(`duplicate stream id ${id}`);
    if (this.streams.size >= this.maxStreams || !this.options.onStream) {
      // Refuse: RST right away; the frame's payload, if any, is skipped.
      this.writer.frame(FrameType.WindowUpdate, Flag.RST, id, 0);
      return undefined;
    }
    const s = new MuxStream(this, id, Flag.ACK);
    this.streams.set(id, s);
    this.options.onStream(s);
    s.ackIfSilent();
    return s;
  }

  /** End the session once; every stream is reset with `err`. */
  terminate(err: Error, goAway?: GoAwayCode): void {
    if (this.closed) return;
    if (goAway !== undefined && !this.conn.destroyed) this.writer.frame(FrameType.GoAway, 0, 0, goAway);
    this.closed = true;
    this.closeReason = err;
    this.writer.close(err);
    clearInterval(this.keepAlive);
    if (this.conn.destroyed) {
      // nothing to flush
    } else if (goAway === undefined) this.conn.destroy();
    else {
      this.conn.end();
      setTimeout(() => this.conn.destroy(), 2000).unref();
    }
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const s of streams) s.onReset(err);
    for (const w of this.slotWaiters.splice(0)) w.reject(err);
    for (const p of this.pings.values()) p.reject(err);
    this.pings.clear();
    this.resolveDone(err);
  }
}
