import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import { UnavailableError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import type { SshOptions } from "./args.ts";
import { type HostKey, hostKeyOf, judgeHostKey, knownHostsLine } from "./hostkey.ts";

/**
 * An ssh tunnel to the remote engine's socket, like `ssh -L local.sock:/var/run/docker.sock`: a
 * unix socket in a private (0700) temp dir whose every connection becomes a direct-streamlocal
 * channel over one shared ssh session. dockerclient's engine then talks HTTP to the local socket.
 *
 * The session is opened on demand and opened again after it drops (the next request reconnects).
 * The host key is judged on every connection: known keys pass; an unknown host is refused unless
 * --insecure-accept-host-key, which pins the first key seen so a later change is refused; a key
 * that contradicts known_hosts is always refused, and that refusal is final.
 */
export class SshTunnel {
  readonly socketPath: string;
  private readonly dir: string;
  private readonly server: Server;
  private readonly locals = new Set<Socket>();
  private session: Promise<Client> | undefined;
  private pinned: string | undefined;
  private refusal: UnavailableError | undefined;
  private everConnected = false;
  private closed = false;

  constructor(
    private readonly o: SshOptions,
    private readonly log: Logger,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "swarm-ssh-"));
    this.socketPath = join(this.dir, "docker.sock");
    this.server = createServer((local) => this.forward(local));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.socketPath, () => resolve());
    });
  }

  /** The ssh session, opened if needed; rejects with a clear UnavailableError naming the reason. */
  ready(): Promise<Client> {
    if (this.refusal) return Promise.reject(this.refusal);
    if (this.closed) return Promise.reject(new UnavailableError(`ssh tunnel to ${this.o.label} is closed`));
    this.session ??= this.connect();
    return this.session;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.locals) s.destroy();
    this.server.close();
    const s = this.session;
    this.session = undefined;
    s?.then((c) => c.end()).catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  private forward(local: Socket): void {
    this.locals.add(local);
    local.once("close", () => this.locals.delete(local));
    local.on("error", () => {});
    this.ready()
      .then((client) => this.channel(client))
      .then((ch) => {
        if (local.destroyed) return void ch.close();
        // Either side ending ends both: a dead link must not leave a half-open socket in the
        // HTTP agent's pool.
        local.pipe(ch).pipe(local);
        ch.once("close", () => local.destroy());
        local.once("close", () => ch.close());
      })
      .catch(() => local.destroy());
  }

  private channel(client: Client): Promise<ClientChannel> {
    return new Promise((resolve, reject) =>
      client.openssh_forwardOutStreamLocal(this.o.socket, (err, ch) => (err ? reject(err) : resolve(ch))),
    );
  }

  private connect(): Promise<Client> {
    const o = this.o;
    let denied: UnavailableError | undefined;
    const session = new Promise<Client>((resolve, reject) => {
      const client = new Client();
      const forget = () => {
        if (this.session === session) this.session = undefined;
      };
      client.once("ready", () => {
        if (this.everConnected) this.log.info({ engine: o.label }, "ssh: reconnected");
        this.everConnected = true;
        resolve(client);
      });
      client.on("error", (err) => {
        forget();
        if (denied) return reject(denied);
        const why = `cannot reach ${o.label}: ${err.message}`;
        this.log.warn({ engine: o.label }, `ssh: ${why}`);
        reject(new UnavailableError(why));
      });
      client.on("close", () => {
        forget();
        if (this.everConnected && !this.closed)
          this.log.warn({ engine: o.label }, "ssh: link dropped; the next request reconnects");
      });
      const config: ConnectConfig = {
        host: o.host,
        port: o.port,
        username: o.username,
        readyTimeout: 15_000,
        keepaliveInterval: 15_000,
        hostVerifier: (blob: Buffer) => {
          denied = this.judge(hostKeyOf(blob));
          return denied === undefined;
        },
      };
      if (o.privateKey) config.privateKey = o.privateKey;
      if (o.agent) config.agent = o.agent;
      client.connect(config);
    });
    session.catch(() => {});
    return session;
  }

  /** undefined when the key may be used; otherwise the refusal (logged once, final). */
  private judge(key: HostKey): UnavailableError | undefined {
    const o = this.o;
    const knownHosts = this.pinned ?? o.knownHosts;
    const verdict = judgeHostKey(knownHosts, o.host, o.port, key);
    if (verdict === "known") return undefined;
    const facts = {
      engine: o.label,
      hostKey: `${key.type} ${key.fingerprint}`,
      knownHosts: o.knownHostsPath,
    };
    if (verdict === "unknown" && o.insecureAcceptHostKey && this.pinned === undefined) {
      this.log.warn(
        facts,
        "ssh: accepting an unknown host key (--insecure-accept-host-key); pinned for reconnections",
      );
      this.pinned = `${o.knownHosts}\n${knownHostsLine(o.host, o.port, key)}\n`;
      return undefined;
    }
    const why =
      verdict === "changed" || this.pinned !== undefined
        ? `host key of ${o.label} (${key.type} ${key.fingerprint}) does not match ${
            this.pinned !== undefined ? "the key accepted earlier" : o.knownHostsPath
          }: the host key has changed or someone is in the middle; refusing`
        : `host key of ${o.label} (${key.type} ${key.fingerprint}) is unknown: not in ${o.knownHostsPath}; ` +
          "refusing (add it to known_hosts, or pass --insecure-accept-host-key)";
    this.log.error(facts, `ssh: ${why}`);
    this.refusal = new UnavailableError(why);
    return this.refusal;
  }
}
