import { Agent, type AgentOptions, type ClientRequestArgs } from "node:http";
import { Duplex } from "node:stream";
import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import { knownHostsAccepts } from "./known-hosts.ts";
import type { SshMaterial } from "./options.ts";

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  ssh: SshMaterial;
}

/**
 * An http.Agent whose connections are ssh channels, the way the docker CLI reaches an `ssh://`
 * engine: each HTTP connection runs `docker system dial-stdio` on the remote (or, with
 * --ssh-socket, opens a direct-streamlocal channel to the engine's socket). Unlike docker-modem's
 * ssh agent, SSH sessions are kept and shared by HTTP connections, so a request costs a channel
 * open, not a key exchange. A session carries at most `channelsPerSession` channels, below
 * OpenSSH's default MaxSessions (10): past that another session is opened, and extra sessions
 * close when their last channel does.
 *
 * When a session drops (the ssh connection closes or fails), ssh2 ends its channels' readable side
 * but leaves them writable, and a write to one then waits forever: an idle channel in the HTTP
 * pool would hang the next request. So every channel of a dropped session is destroyed (which
 * takes it out of the pool, and fails a request in flight on it), and the next request opens a
 * new session.
 */
export class SshAgent extends Agent {
  static readonly channelsPerSession = 8;
  private readonly sessions: Session[] = [];

  constructor(
    private readonly target: SshTarget,
    options: AgentOptions = {},
  ) {
    super(options);
  }

  override createConnection(
    _options: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    this.openChannel().then(
      (channel) => callback?.(null, asSocket(channel)),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }

  /** A channel to the engine outside any HTTP connection (a raw pass-through). */
  async openStream(): Promise<Duplex> {
    return asSocket(await this.openChannel());
  }

  private async openChannel(): Promise<ClientChannel> {
    const session = this.pick();
    session.channels++;
    let ch: ClientChannel;
    try {
      ch = await this.channelOn(await session.client);
    } catch (err) {
      this.release(session);
      throw err;
    }
    // Whoever holds the channel learns of a failure from its close (and node:http from its own
    // listener); without this one, an error on a channel nobody listens to would crash swarmd.
    ch.on("error", () => {});
    // Registered before node:http's own "close" listener, which drops a socket from its idle pool
    // only if it is no longer writable: a closed ssh2 channel still says it is.
    ch.once("close", () => {
      if (!ch.destroyed) Duplex.prototype.destroy.call(ch);
      session.open.delete(ch);
      this.release(session);
    });
    session.open.add(ch);
    if (session.gone) kill(ch, session.gone);
    return ch;
  }

  /** A session with room for one more channel, or a new one. */
  private pick(): Session {
    const free = this.sessions.find((s) => s.channels < SshAgent.channelsPerSession);
    if (free) return free;
    const session: Session = {
      client: this.connect((why) => this.drop(session, why)),
      channels: 0,
      open: new Set(),
      gone: undefined,
    };
    this.sessions.push(session);
    return session;
  }

  private release(session: Session): void {
    session.channels--;
    // Keep the first session for the next request; close the extra ones once idle.
    if (session.channels === 0 && this.sessions.indexOf(session) > 0) {
      this.forget(session);
      session.client.then((c) => c.end()).catch(() => {});
    }
  }

  /** The session's ssh connection closed or failed: it is not picked again; its channels die. */
  private drop(session: Session, why: Error): void {
    this.forget(session);
    if (session.gone) return;
    session.gone = why;
    // At once, so that node:http hands none of them to a request (it skips destroyed sockets); a
    // request in flight on one fails with `why`.
    for (const ch of session.open) if (!ch.destroyed) Duplex.prototype.destroy.call(ch, why);
    // ssh2 emits "close" on each as it cleans up after the connection's "close"; any it missed
    // (after an "error" alone) gets one here, so node:http and the channel count learn of it.
    setImmediate(() => {
      for (const ch of [...session.open]) ch.emit("close");
    });
  }

  private forget(session: Session): void {
    const i = this.sessions.indexOf(session);
    if (i >= 0) this.sessions.splice(i, 1);
  }

  private channelOn(client: Client): Promise<ClientChannel> {
    const { remoteSocket } = this.target.ssh;
    return new Promise<ClientChannel>((resolve, reject) => {
      if (remoteSocket) {
        client.openssh_forwardOutStreamLocal(remoteSocket, (err, ch) => (err ? reject(err) : resolve(ch)));
        return;
      }
      client.exec("docker system dial-stdio", (err, ch) => {
        if (err) return reject(err);
        // A remote without docker, or with no engine, exits at once: say so instead of "socket hang up".
        let stderr = "";
        ch.stderr.on("data", (d: Buffer) => {
          if (stderr.length < 2048) stderr += d.toString("utf8");
        });
        ch.on("exit", (code: number | null) => {
          if (code && code !== 0) {
            const why = stderr.trim() || `exit code ${code}`;
            (ch as unknown as Duplex).destroy(new Error(`remote "docker system dial-stdio" failed: ${why}`));
          }
        });
        resolve(ch);
      });
    });
  }

  /** A new SSH session; `onGone` runs when it fails or closes, so it is not picked again. */
  private connect(onGone: (why: Error) => void): Promise<Client> {
    const { host, port, username, ssh } = this.target;
    const session = new Promise<Client>((resolve, reject) => {
      const client = new Client();
      client.once("ready", () => resolve(client));
      // ECONNRESET like a dropped TCP connection, so that a request written to a kept-alive channel
      // is retried once on a new session, as Engine does for any reused connection.
      client.on("error", (err: NodeJS.ErrnoException) => {
        onGone(gone(`ssh connection to ${host}:${port} failed: ${err.message}`, err.code));
        reject(err);
      });
      client.on("close", () => onGone(gone(`ssh connection to ${host}:${port} closed`)));
      const config: ConnectConfig = {
        host,
        port,
        username,
        readyTimeout: 15_000,
        keepaliveInterval: 15_000,
        hostVerifier: (key: Buffer) => knownHostsAccepts(ssh.knownHosts, host, port, key),
      };
      if (ssh.privateKey) config.privateKey = ssh.privateKey;
      if (ssh.agent) config.agent = ssh.agent;
      client.connect(config);
    });
    session.catch(() => {});
    return session;
  }

  override destroy(): void {
    super.destroy();
    for (const s of this.sessions.splice(0)) s.client.then((c) => c.end()).catch(() => {});
  }
}

interface Session {
  client: Promise<Client>;
  /** Channels open or being opened on it. */
  channels: number;
  /** Its channels that are open. */
  open: Set<ClientChannel>;
  /** Why its ssh connection ended, once it has. */
  gone: Error | undefined;
}

function gone(message: string, code = "ECONNRESET"): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * Really destroy a channel of a dead session. ssh2's Channel.destroy() only sends a close over the
 * (dead) connection, and its streams never emit "close" themselves (emitClose: false), so destroy
 * the stream and emit the "close" that node:http and our bookkeeping wait for.
 */
function kill(ch: ClientChannel, why: Error): void {
  if (ch.destroyed) return;
  Duplex.prototype.destroy.call(ch, why);
  ch.emit("close");
}

/** node:http treats its connection as a net.Socket; an ssh channel lacks a few no-op methods. */
function asSocket(ch: ClientChannel): Duplex {
  const s = ch as unknown as Record<string, unknown>;
  for (const m of ["setKeepAlive", "setNoDelay", "setTimeout", "ref", "unref"]) {
    if (typeof s[m] !== "function") s[m] = () => ch;
  }
  return ch;
}
