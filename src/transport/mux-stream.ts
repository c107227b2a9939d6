import { ClosedError } from "../core/errors.ts";
import { Flag, FrameError, FrameType, INITIAL_WINDOW } from "./frame.ts";
import type { Mux } from "./mux.ts";

/** Where a stream delivers what arrives from the peer. Set by the stream's owner right after open/accept. */
export interface StreamSink {
  /** Bytes, in order. The owner calls `consumed(n)` once it has dealt with them (flow control). */
  data(chunk: Buffer): void;
  /** The peer half-closed: no more data will come. */
  end(): void;
  /** The stream is gone: reset by the peer, or the session ended. */
  reset(err: Error): void;
}

const MAX_WINDOW = 0xffff_ffff;

/** One yamux stream: an ordered, flow-controlled byte stream in each direction. */
export class MuxStream {
  sink: StreamSink | undefined;
  sendWindow = INITIAL_WINDOW;
  recvWindow = INITIAL_WINDOW;
  localEnded = false;
  remoteEnded = false;
  isReset = false;
  /** SYN (we opened it) or ACK (we accepted it), carried by the first frame we send. */
  firstFlags: number;
  private credit = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private endQueued = false;
  private waiters: { resolve(): void; reject(e: unknown): void }[] = [];

  constructor(
    private readonly mux: Mux,
    readonly id: number,
    firstFlags: number,
  ) {
    this.firstFlags = firstFlags;
  }

  /**
   * Queue bytes (the parts are sent as one run). Returns false when the caller should wait on
   * `drained()` before writing more. Throws ClosedError when the stream can no longer be written.
   */
  write(parts: readonly Buffer[]): boolean {
    if (this.isReset || this.localEnded || this.mux.closed) throw new ClosedError("stream closed");
    let total = 0;
    for (const p of parts) total += p.length;
    if (total === 0) return this.pendingBytes === 0 && !this.mux.writer.blocked;
    if (this.pendingBytes === 0 && total <= this.sendWindow) {
      this.sendWindow -= total;
      this.mux.writer.frame(FrameType.Data, this.takeFlags(), this.id, total, parts);
      return !this.mux.writer.blocked;
    }
    for (const p of parts) if (p.length > 0) this.pending.push(p);
    this.pendingBytes += total;
    this.pump();
    return this.pendingBytes === 0 && !this.mux.writer.blocked;
  }

  /** Write one length-prefixed message (u32 length, then `body`); same contract as `write`. */
  writeMessage(body: Buffer): boolean {
    const total = 4 + body.length;
    if (
      this.pendingBytes === 0 &&
      total <= this.sendWindow &&
      !this.isReset &&
      !this.localEnded &&
      !this.mux.closed
    ) {
      this.sendWindow -= total;
      this.mux.writer.prefixed(this.takeFlags(), this.id, body.length, body);
      return !this.mux.writer.blocked;
    }
    const prefix = Buffer.allocUnsafe(4);
    prefix.writeUInt32BE(body.length, 0);
    return this.write([prefix, body]);
  }

  /** Resolves when everything written so far has left the window queue and the connection has room. */
  async drained(): Promise<void> {
    while (this.pendingBytes > 0) {
      if (this.isReset || this.mux.closed) throw new ClosedError("stream closed");
      await new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
    await this.mux.writer.whenUnblocked();
  }

  /** Half-close: FIN after the queued bytes. Idempotent. */
  end(): void {
    if (this.localEnded || this.isReset) return;
    this.localEnded = true;
    if (this.pendingBytes > 0) this.endQueued = true;
    else this.sendFin();
  }

  /** Abort both directions (RST). The sink is not told: the caller knows. Idempotent. */
  reset(): void {
    if (this.isReset) return;
    this.isReset = true;
    if (!this.mux.closed && !(this.localEnded && this.remoteEnded && !this.endQueued)) {
      this.mux.writer.frame(FrameType.WindowUpdate, this.takeFlags() | Flag.RST, this.id, 0);
    }
    this.drop(new ClosedError("stream reset"));
    this.mux.forget(this);
  }

  /** The owner has dealt with `n` received bytes: give the peer that much window back. */
  consumed(n: number): void {
    if (this.isReset || this.remoteEnded || this.mux.closed) return;
    this.credit += n;
    if (this.credit >= INITIAL_WINDOW / 2 || (this.recvWindow === 0 && this.credit > 0)) {
      this.recvWindow += this.credit;
      this.mux.writer.frame(FrameType.WindowUpdate, this.takeFlags(), this.id, this.credit);
      this.credit = 0;
    }
  }

  // ---- called by the Mux ----

  onData(chunk: Buffer): void {
    if (this.isReset || this.remoteEnded) return;
    this.sink?.data(chunk);
  }

  onWindowUpdate(delta: number): void {
    if (this.sendWindow + delta > MAX_WINDOW) throw new FrameError(`window overflow on stream ${this.id}`);
    this.sendWindow += delta;
    if (this.pendingBytes > 0) this.pump();
  }

  onFin(): void {
    if (this.remoteEnded || this.isReset) return;
    this.remoteEnded = true;
    this.sink?.end();
    this.maybeForget();
  }

  onReset(err: Error): void {
    if (this.isReset) return;
    this.isReset = true;
    this.drop(err);
    this.sink?.reset(err);
  }

  /** Send the first-frame flag (ACK) now if nothing else carried it. */
  ackIfSilent(): void {
    if (this.firstFlags !== 0 && !this.isReset) {
      this.mux.writer.frame(FrameType.WindowUpdate, this.takeFlags(), this.id, 0);
    }
  }

  private takeFlags(): number {
    const f = this.firstFlags;
    this.firstFlags = 0;
    return f;
  }

  private pump(): void {
    while (this.pendingBytes > 0 && this.sendWindow > 0 && !this.mux.closed) {
      const head = this.pending[0]!;
      const n = Math.min(head.length, this.sendWindow);
      const part = n === head.length ? head : head.subarray(0, n);
      if (n === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(n);
      this.pendingBytes -= n;
      this.sendWindow -= n;
      this.mux.writer.frame(FrameType.Data, this.takeFlags(), this.id, n, [part]);
    }
    if (this.pendingBytes === 0) {
      if (this.endQueued) {
        this.endQueued = false;
        this.sendFin();
      }
      for (const w of this.waiters.splice(0)) w.resolve();
    }
  }

  private sendFin(): void {
    if (!this.mux.closed)
      this.mux.writer.frame(FrameType.WindowUpdate, this.takeFlags() | Flag.FIN, this.id, 0);
    this.maybeForget();
  }

  private maybeForget(): void {
    if (this.localEnded && this.remoteEnded && this.pendingBytes === 0) this.mux.forget(this);
  }

  private drop(err: Error): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.endQueued = false;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}
