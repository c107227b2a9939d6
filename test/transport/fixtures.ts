import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnavailableError } from "../../src/core/errors.ts";
import { type Message, message, type Receiver, type Sender } from "../../src/core/message.ts";
import { pipe } from "../../src/core/pipe.ts";
import { Verbs } from "../../src/core/verbs.ts";
import { dial, serve, type WireListener } from "../../src/transport/connect.ts";
import type { WireLimits } from "../../src/transport/limits.ts";
import { memoryConnection } from "../../src/transport/memory.ts";
import { Redialer } from "../../src/transport/redial.ts";
import type { TlsFlags } from "../../src/transport/tls-flags.ts";
import { WireSession } from "../../src/transport/wire.ts";

/** A served target, reached through one transport. */
export interface Harness {
  /** A new connection's channel to the target. */
  connect(): Promise<Sender>;
  /** The serving side dies abruptly: connections drop, replies it owed never come. */
  crash(): Promise<void>;
  /** The serving side comes back at the same address. */
  restart(): Promise<void>;
  /** A Sender that reconnects after a crash (the `dial` service's behaviour). */
  redialer(): Sender;
  /** Streams still open on every session of this harness (0 when nothing leaked). */
  openStreams(): number;
  close(): Promise<void>;
}

export interface Fixture {
  name: string;
  /** Whether messages cross a wire (size limits apply). */
  wire: boolean;
  setup(target: Sender, limits?: Partial<WireLimits>): Promise<Harness>;
}

/** The in-process reference: a pipe and a copy loop, no wire at all. */
export const pipeFixture: Fixture = {
  name: "in-process pipe",
  wire: false,
  async setup(target) {
    let up = true;
    const links = new Set<Receiver>();
    const owed = new Set<Sender>();
    const link = (): Sender => {
      const [rx, tx] = pipe();
      links.add(rx);
      void (async () => {
        for await (const m of rx) {
          // Track every reply channel the "process" holds, as a crash must settle them.
          const ret = m.ret ? trackRet(m.ret, owed) : undefined;
          await target.send(ret ? { ...m, ret } : m).catch(() => ret?.close());
        }
      })();
      return tx;
    };
    return {
      connect: async () => link(),
      async crash() {
        up = false;
        for (const rx of links) rx.close();
        links.clear();
        for (const r of owed) {
          void r
            .send(message(Verbs.Error, ["connection lost", "SWARM_ERR_UNAVAILABLE"]))
            .catch(() => {})
            .finally(() => r.close());
        }
        owed.clear();
      },
      async restart() {
        up = true;
      },
      redialer() {
        let cur: Sender | undefined;
        return {
          async send(m: Message) {
            if (!up) throw new UnavailableError("not connected");
            cur ??= link();
            try {
              await cur.send(m);
            } catch {
              cur = link();
              await cur.send(m);
            }
          },
          close() {
            cur?.close();
          },
        };
      },
      openStreams: () => 0,
      async close() {
        for (const rx of links) rx.close();
      },
    };
  },
};

function trackRet(ret: Sender, owed: Set<Sender>): Sender {
  const wrapped: Sender = {
    send: (m) => ret.send(m),
    close() {
      owed.delete(wrapped);
      ret.close();
    },
  };
  owed.add(wrapped);
  return wrapped;
}

/** The wire protocol over an in-memory duplex: no socket, same bytes. */
export const memoryFixture: Fixture = {
  name: "wire over memory",
  wire: true,
  async setup(target, limits) {
    let up = true;
    const sessions = new Set<WireSession>();
    const open = async () => {
      if (!up) throw new UnavailableError("connection refused");
      const [a, b] = memoryConnection();
      const server = new WireSession(a, { client: false, handler: target, ...(limits && { limits }) });
      const client = new WireSession(b, { client: true, ...(limits && { limits }) });
      sessions.add(server).add(client);
      return client;
    };
    return {
      connect: async () => (await open()).openChannel(),
      async crash() {
        up = false;
        for (const s of sessions) s.mux.conn.destroy();
        sessions.clear();
      },
      async restart() {
        up = true;
      },
      redialer: () => new Redialer(open, { minDelayMs: 10, maxDelayMs: 50 }),
      openStreams: () => [...sessions].reduce((n, s) => n + s.mux.streamCount, 0),
      async close() {
        for (const s of sessions) s.close();
      },
    };
  },
};

function socketFixture(
  name: string,
  url: () => string,
  tls?: (side: "server" | "client") => TlsFlags,
): Fixture {
  return {
    name,
    wire: true,
    async setup(target, limits) {
      const opts = (side: "server" | "client") => ({
        ...(tls && { tls: tls(side) }),
        ...(limits && { limits }),
      });
      let listener: WireListener | undefined = await serve(url(), target, opts("server"));
      const address = listener.url;
      const clients = new Set<WireSession>();
      const open = async () => {
        const s = await dial(address, opts("client"));
        clients.add(s);
        void s.done.then(() => clients.delete(s));
        return s;
      };
      const all = () => [...clients, ...(listener ? listener.sessions : [])];
      return {
        connect: async () => (await open()).openChannel(),
        async crash() {
          const l = listener;
          listener = undefined;
          if (!l) return;
          for (const s of l.sessions) s.mux.conn.destroy();
          await l.close();
        },
        async restart() {
          listener = await serve(address, target, opts("server"));
        },
        redialer: () => new Redialer(open, { minDelayMs: 10, maxDelayMs: 50 }),
        openStreams: () => all().reduce((n, s) => n + s.mux.streamCount, 0),
        async close() {
          for (const s of clients) s.close();
          await listener?.close();
        },
      };
    },
  };
}

let dir: string | undefined;
/** A temp dir for sockets and certificates, made once per process. */
export function tempDir(): string {
  dir ??= mkdtempSync(join(tmpdir(), "swarm-transport-"));
  return dir;
}

let certs: string | undefined;
/** Test CA, server and client certificates (test/harness/certs.sh, openssl). */
export function certDir(): string {
  certs ??= execFileSync(
    "bash",
    [join(import.meta.dirname, "../harness/certs.sh"), join(tempDir(), "certs")],
    {
      encoding: "utf8",
    },
  ).trim();
  return certs;
}

let socketN = 0;
export const unixFixture = socketFixture(
  "unix socket",
  () => `unix://${join(tempDir(), `s${socketN++}.sock`)}`,
);
export const tcpFixture = socketFixture("tcp", () => "tcp://127.0.0.1:0");
/** Mutual TLS: the server checks the client's certificate and the client the server's. */
export const tlsFixture = socketFixture("tls (mutual)", () => "tcp://127.0.0.1:0", tlsFlags);

export function tlsFlags(side: "server" | "client"): TlsFlags {
  const d = certDir();
  return side === "server"
    ? {
        verify: true,
        cacert: join(d, "ca.pem"),
        cert: join(d, "server-cert.pem"),
        key: join(d, "server-key.pem"),
      }
    : { verify: true, cacert: join(d, "ca.pem"), cert: join(d, "cert.pem"), key: join(d, "key.pem") };
}

export const allFixtures: readonly Fixture[] = [
  pipeFixture,
  memoryFixture,
  unixFixture,
  tcpFixture,
  tlsFixture,
];
