import { Duplex } from "node:stream";
import type { MuxStream } from "./mux-stream.ts";

/**
 * Byte streams (`att`) across the wire (docs/transport.md §5). The side that owns the real Duplex
 * pumps it over a stream; the other side gets a proxy Duplex. Bytes flow both ways with the
 * stream's flow control; ending one side's writes is a FIN (half-close); destroying either end is
 * a RST, and the other end is destroyed.
 */

/** Pump the local Duplex `d` over `t`. `detach` undoes it without touching `d` (for a send that failed). */
export function exportByteStream(d: Duplex, t: MuxStream): { detach(): void } {
  const onData = (chunk: Buffer | string) => {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    try {
      if (!t.write([b])) {
        d.pause();
        t.drained().then(
          () => d.resume(),
          () => {},
        );
      }
    } catch {
      unhook();
      d.destroy();
    }
  };
  const onEnd = () => t.end();
  const onClose = () => {
    unhook();
    if (!(t.localEnded && t.remoteEnded)) t.reset();
  };
  const onError = () => {};
  const unhook = () => {
    d.off("data", onData);
    d.off("end", onEnd);
    d.off("close", onClose);
    d.off("error", onError);
  };
  d.on("data", onData);
  d.on("end", onEnd);
  d.on("close", onClose);
  d.on("error", onError);
  t.sink = {
    data(chunk) {
      const n = chunk.length;
      if (d.destroyed || d.writableEnded) return t.consumed(n);
      d.write(chunk, () => t.consumed(n));
    },
    end() {
      if (!d.destroyed && !d.writableEnded) d.end();
    },
    reset() {
      unhook();
      d.destroy();
    },
  };
  return {
    detach() {
      unhook();
      t.reset();
    },
  };
}

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
