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
 * ssh agent, one SSH session is kept and shared by every HTTP connection, so a request costs a
 * channel open, not a key exchange.
 */
export class SshAgent extends Agent {
  private session: Promise<Client> | undefined;

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
    const client = await this.connect();
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

  private connect(): Promise<Client> {
    if (this.session) return this.session;
    const { host, port, username, ssh } = this.target;
    const session = new Promise<Client>((resolve, reject) => {
      const client = new Client();
      const forget = () => {
        if (this.session === session) this.session = undefined;
      };
      client.once("ready", () => resolve(client));
      client.on("error", (err) => {
        forget();
        reject(err);
      });
      client.on("close", forget);
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
    this.session = session;
    session.catch(() => {});
    return session;
  }

  override destroy(): void {
    super.destroy();
    const s = this.session;
    this.session = undefined;
    s?.then((c) => c.end()).catch(() => {});
  }
}

/** node:http treats its connection as a net.Socket; an ssh channel lacks a few no-op methods. */
function asSocket(ch: ClientChannel): Duplex {
  const s = ch as unknown as Record<string, unknown>;
  for (const m of ["setKeepAlive", "setNoDelay", "setTimeout", "ref", "unref"]) {
    if (typeof s[m] !== "function") s[m] = () => ch;
  }
  return ch;
}
