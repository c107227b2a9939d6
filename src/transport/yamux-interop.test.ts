import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import { describe, it } from "node:test";
import { multiaddrConnectionPair } from "@libp2p/utils";
import { yamux } from "@libp2p/yamux";
import { memoryConnection } from "./memory.ts";
import { Mux } from "./mux.ts";
import type { MuxStream } from "./mux-stream.ts";

/**
 * Our yamux against @libp2p/yamux, an independent implementation of the same public spec: streams
 * opened from either side, data larger than the window (so flow control must work), half-close.
 */

// @libp2p/yamux 8 calls Promise.withResolvers (Node 22+); on Node 20 the test supplies it.
const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= () => {
  let resolve!: (v: unknown) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

type Bytes = Uint8Array | { subarray(): Uint8Array };
const toBuffer = (d: Bytes) => Buffer.from(d instanceof Uint8Array ? d : d.subarray());

/** libp2p's muxer on one end of an in-memory connection, ours on the other. */
function pair(ourSide: "client" | "server", onStream?: (s: MuxStream) => void) {
  // The pair's first end is the dialer: libp2p takes the opposite role to ours.
  const [outbound, inbound] = multiaddrConnectionPair();
  const [theirConn, bridge] = ourSide === "client" ? [inbound, outbound] : [outbound, inbound];
  const [x, y] = memoryConnection();
  bridge.addEventListener("message", (e) => x.write(toBuffer(e.data as Bytes)));
  x.on("data", (c: Buffer) => bridge.send(c));
  const theirs = yamux({ enableKeepAlive: false })().createStreamMuxer(theirConn);
  const ours = new Mux(y as Duplex, {
    client: ourSide === "client",
    keepAliveMs: 0,
    ...(onStream && { onStream }),
  });
  return { theirs, ours };
}

function collect(s: MuxStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.sink = {
      data(c) {
        parts.push(Buffer.from(c));
        s.consumed(c.length);
      },
      end: () => resolve(Buffer.concat(parts)),
      reset: reject,
    };
  });
}

describe("yamux interop with @libp2p/yamux", () => {
  it("we open a stream and send 1 MB (4 windows); they echo it back and close", async () => {
    const { theirs, ours } = pair("client");
    theirs.addEventListener("stream", (e) => {
      const st = e.detail;
      st.addEventListener("message", (m) => st.send(m.data));
      st.addEventListener("remoteCloseWrite", () => void st.close());
    });
    const s = ours.open();
    const back = collect(s);
    const data = randomBytes(1024 * 1024);
    for (let i = 0; i < data.length; i += 16 * 1024) {
      if (!s.write([data.subarray(i, i + 16 * 1024)])) await s.drained();
    }
    s.end();
    assert.equal(Buffer.compare(await back, data), 0);
    ours.close();
  });

  it("they open a stream and send 1 MB; we echo it back with half-close", async () => {
    const { theirs, ours } = pair("server", (s) => {
      s.sink = {
        data(c) {
          const n = c.length;
          if (s.write([Buffer.from(c)])) s.consumed(n);
          else s.drained().then(() => s.consumed(n));
        },
        end: () => s.end(),
        reset() {},
      };
    });
    const st = await theirs.createStream();
    const parts: Buffer[] = [];
    const done = new Promise<void>((r) => st.addEventListener("remoteCloseWrite", () => r()));
    st.addEventListener("message", (m) => parts.push(toBuffer(m.data as Bytes)));
    const data = randomBytes(1024 * 1024);
    for (let i = 0; i < data.length; i += 32 * 1024) {
      if (!st.send(data.subarray(i, i + 32 * 1024))) await st.onDrain();
    }
    await st.close();
    await done;
    assert.equal(Buffer.compare(Buffer.concat(parts), data), 0);
    ours.close();
  });

  it("answers their ping and ends when they go away", async () => {
    const { theirs, ours } = pair("client");
    const rtt = await theirs.ping();
    assert.ok(rtt >= 0);
    await theirs.close();
    const why = await ours.done;
    assert.match(why.message, /peer closed|closed/);
  });
});
