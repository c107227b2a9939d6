import { copy } from "../../src/core/copy.ts";
import type { Message, Sender } from "../../src/core/message.ts";
import { pipe } from "../../src/core/pipe.ts";
import { dial, serve, type WireListener } from "../../src/transport/connect.ts";
import { memoryConnection } from "../../src/transport/memory.ts";
import type { TlsFlags } from "../../src/transport/tls-flags.ts";
import { WireSession } from "../../src/transport/wire.ts";

export type Topology = "pipe" | "copy-proxy" | "local-proxy" | "network-proxy" | "no-proxy";
export type Transport = "in-process" | "memory" | "unix" | "tcp" | "tls";

export interface Route {
  /** Where the benchmark sends. */
  sender: Sender;
  close(): Promise<void>;
}

export interface Endpoint {
  unix: (n: number) => string;
  tls: (side: "server" | "client") => TlsFlags;
}

/** Connect `deliver` (the receiving end) to a sender through a topology. */
export async function route(
  topology: Topology,
  transport: Transport,
  deliver: (m: Message) => Promise<void> | undefined,
  ep: Endpoint,
): Promise<Route> {
  const sink: Sender = {
    send: (m) => deliver(m) ?? Promise.resolve(),
    close() {},
  };
  switch (topology) {
    case "pipe": {
      const [rx, tx] = pipe();
      void copy(sink, rx, { closeDst: false });
      return { sender: tx, close: async () => tx.close() };
    }
    case "copy-proxy": {
      const [rx1, tx1] = pipe();
      const [rx2, tx2] = pipe();
      void copy(tx2, rx1);
      void copy(sink, rx2, { closeDst: false });
      return { sender: tx1, close: async () => tx1.close() };
    }
    case "local-proxy": {
      const [a, b] = memoryConnection();
      const server = new WireSession(a, { client: false, handler: sink });
      const client = new WireSession(b, { client: true });
      return {
        sender: client.openChannel(),
        close: async () => {
          client.close();
          server.close();
        },
      };
    }
    case "no-proxy": {
      const far = await listenOn(transport, sink, ep, 0);
      const s = await dial(far.url, clientOpts(transport, ep));
      return {
        sender: s.openChannel(),
        close: async () => {
          s.close();
          await far.close();
        },
      };
    }
    case "network-proxy": {
      const far = await listenOn(transport, sink, ep, 1);
      const onward = await dial(far.url, clientOpts(transport, ep));
      const proxy = await listenOn(transport, onward.openChannel(), ep, 2);
      const s = await dial(proxy.url, clientOpts(transport, ep));
      return {
        sender: s.openChannel(),
        close: async () => {
          s.close();
          onward.close();
          await proxy.close();
          await far.close();
        },
      };
    }
    default:
      return topology satisfies never;
  }
}

function listenOn(transport: Transport, handler: Sender, ep: Endpoint, n: number): Promise<WireListener> {
  if (transport === "unix") return serve(`unix://${ep.unix(n)}`, handler);
  if (transport === "tls") return serve("tcp://127.0.0.1:0", handler, { tls: ep.tls("server") });
  return serve("tcp://127.0.0.1:0", handler);
}

function clientOpts(transport: Transport, ep: Endpoint) {
  return transport === "tls" ? { tls: ep.tls("client") } : {};
}
