import { Duplex } from "node:stream";

/**
 * Two connected in-memory Duplex ends: what one writes the other reads. Used to run the wire
 * protocol inside one process without sockets (tests, the "local proxy" benchmark).
 */
export function memoryConnection(): [Duplex, Duplex] {
  let a!: Duplex;
  let b!: Duplex;
  const make = (peer: () => Duplex) =>
    new Duplex({
      allowHalfOpen: true,
      read() {},
      write(chunk: Buffer, _enc, cb) {
        const p = peer();
        if (!p.destroyed) p.push(chunk);
        cb();
      },
      final(cb) {
        const p = peer();
        if (!p.destroyed) p.push(null);
        cb();
      },
      destroy(err, cb) {
        // Like a socket: a clean close lets the peer read what is in flight, then EOF;
        // a close with an error is a reset.
        const p = peer();
        if (!p.destroyed) {
          if (err) queueMicrotask(() => p.destroy());
          else if (!p.readableEnded) p.push(null);
        }
        cb(err);
      },
    });
  a = make(() => b);
  b = make(() => a);
  return [a, b];
}
