import { Duplex } from "node:stream";
import type { MuxStream, StreamSink } from "./mux-stream.ts";

/**
 * Byte streams (`att`) across the wire (docs/transport.md §5). The side that owns the real Duplex
 * pumps it over a stream; the other side gets a proxy Duplex. Bytes flow both ways with the
 * stream's flow control; ending one side's writes is a FIN (half-close); destroying either end is
 * a RST, and the other end is destroyed.
 */

/** Pump the local Duplex `d` over `t`. `detach` undoes it without touching `d` (for a send that failed). */
export function exportByteStream(d: Duplex, t: MuxStream): { detach(): void } {
  return new LocalByteStream(d, t);
}

class LocalByteStream implements StreamSink {
  constructor(
    private readonly d: Duplex,
    private readonly t: MuxStream,
  ) {
    d.on("data", this.onData);
    d.on("end", this.onEnd);
    d.on("close", this.onClose);
    d.on("error", noop);
    t.sink = this;
  }

  private readonly onData = (chunk: Buffer | string): void => {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    try {
      if (!this.t.write([b])) {
        this.d.pause();
        this.t.drained().then(this.resume, noop);
      }
    } catch {
      this.unhook();
      this.d.destroy();
    }
  };

  private readonly resume = (): void => {
    this.d.resume();
  };

  private readonly onEnd = (): void => this.t.end();

  private readonly onClose = (): void => {
    this.unhook();
    if (!(this.t.localEnded && this.t.remoteEnded)) this.t.reset();
  };

  private unhook(): void {
    this.d.off("data", this.onData);
    this.d.off("end", this.onEnd);
    this.d.off("close", this.onClose);
    this.d.off("error", noop);
  }

  // ---- StreamSink: bytes from the peer go into the local Duplex ----
  data(chunk: Buffer): void {
    const n = chunk.length;
    const t = this.t;
    if (this.d.destroyed || this.d.writableEnded) t.consumed(n);
    else this.d.write(chunk, () => t.consumed(n));
  }

  end(): void {
    if (!this.d.destroyed && !this.d.writableEnded) this.d.end();
  }

  reset(): void {
    this.unhook();
    this.d.destroy();
  }

  detach(): void {
    this.unhook();
    this.t.reset();
  }
}

function noop(): void {}

/** The proxy Duplex for a byte stream the peer owns. `buffered`/`ended`: what arrived before the claim. */
export function importByteStream(t: MuxStream, buffered: readonly Buffer[], ended: boolean): Duplex {
  let held = 0;
  const dup = new Duplex({
    read() {
      if (held > 0) {
        t.consumed(held);
        held = 0;
      }
    },
    write(chunk: Buffer, _enc, cb) {
      try {
        if (t.write([chunk])) cb();
        else t.drained().then(() => cb(), cb);
      } catch (err) {
        cb(err as Error);
      }
    },
    final(cb) {
      t.end();
      cb();
    },
    destroy(err, cb) {
      if (!(t.localEnded && t.remoteEnded)) t.reset();
      cb(err);
    },
  });
  // A proxy must never take the process down: errors are visible to listeners, never unhandled.
  dup.on("error", () => {});
  t.sink = {
    data(chunk) {
      held += chunk.length;
      if (dup.push(chunk)) {
        t.consumed(held);
        held = 0;
      }
    },
    end() {
      dup.push(null);
    },
    reset() {
      dup.destroy();
    },
  };
  for (const b of buffered) t.sink.data(b);
  if (ended) t.sink.end();
  return dup;
}
