import { Agent, type AgentOptions, type ClientRequestArgs } from "node:http";
import type { Duplex } from "node:stream";
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
    ch.once("close", () => this.release(session));
    return ch;
  }

  /** A session with room for one more channel, or a new one. */
  private pick(): Session {
    const free = this.sessions.find((s) => s.channels < SshAgent.channelsPerSession);
    if (free) return free;
    const session: Session = { client: this.connect(() => this.forget(session)), channels: 0 };
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
  private connect(onGone: () => void): Promise<Client> {
    const { host, port, username, ssh } = this.target;
    const session = new Promise<Client>((resolve, reject) => {
      const client = new Client();
      client.once("ready", () => resolve(client));
      client.on("error", (err) => {
        onGone();
        reject(err);
      });
      client.on("close", onGone);
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
}

/** node:http treats its connection as a net.Socket; an ssh channel lacks a few no-op methods. */
function asSocket(ch: ClientChannel): Duplex {
  const s = ch as unknown as Record<string, unknown>;
  for (const m of ["setKeepAlive", "setNoDelay", "setTimeout", "ref", "unref"]) {
    if (typeof s[m] !== "function") s[m] = () => ch;
  }
  return ch;
}
