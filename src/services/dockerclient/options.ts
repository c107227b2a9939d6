import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "../../core/errors.ts";

/** Where the engine is and how to reach it, parsed from DOCKER_HOST-style arguments. */
export type EngineTarget =
  | { kind: "unix"; socketPath: string }
  | { kind: "tcp"; host: string; port: number; tls?: TlsMaterial }
  | { kind: "ssh"; host: string; port: number; username: string; ssh: SshMaterial };

/** TLS material, read when the service is spawned so a bad path fails the Spawn. */
export interface TlsMaterial {
  /** `--tlsverify`: check the engine's certificate against `ca`. `--tls` alone encrypts only. */
  verify: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface SshMaterial {
  /** Private key (`--ssh-key`); when absent, the ssh agent of SSH_AUTH_SOCK is used. */
  privateKey?: Buffer;
  agent?: string;
  /** known_hosts text the host key must appear in. */
  knownHosts: string;
  knownHostsPath: string;
  /** Reach this socket on the remote with direct-streamlocal instead of `docker system dial-stdio`. */
  remoteSocket?: string;
}

export interface EngineOptions {
  target: EngineTarget;
  /** The host as given, without any password: used in every message that names the engine. */
  label: string;
}

export const usage =
  "dockerclient [--tls] [--tlsverify] [--tlscacert FILE] [--tlscert FILE] [--tlskey FILE] " +
  "[--ssh-key FILE] [--ssh-known-hosts FILE] [--ssh-socket PATH] [HOST]";

const valueFlags = new Set([
  "--tlscacert",
  "--tlscert",
  "--tlskey",
  "--ssh-key",
  "--ssh-known-hosts",
  "--ssh-socket",
]);
const boolFlags = new Set(["--tls", "--tlsverify"]);

/**
 * Parse `dockerclient` arguments the way the docker CLI reads `-H` and its TLS flags. HOST defaults
 * to $DOCKER_HOST, then unix:///var/run/docker.sock. `env` and `home` are parameters for tests.
 */
export function parseEngineArgs(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): EngineOptions {
  const flags = new Map<string, string>();
  const hosts: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (boolFlags.has(name)) {
      const v = eq > 0 ? arg.slice(eq + 1) : "true";
      if (v !== "true" && v !== "false")
        throw new InvalidArgumentError(`${name} takes true or false, got ${v}`);
      flags.set(name, v);
    } else if (valueFlags.has(name)) {
      const v = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (v === undefined || v === "") throw new InvalidArgumentError(`${name} needs a value`);
      flags.set(name, v);
    } else if (arg.startsWith("-")) {
      throw new InvalidArgumentError(`unknown option ${arg}; usage: ${usage}`);
    } else {
      hosts.push(arg);
    }
  }
  if (hosts.length > 1)
    throw new InvalidArgumentError(`one engine host expected, got ${hosts.length}; usage: ${usage}`);
  const host = hosts[0] ?? (env.DOCKER_HOST || "unix:///var/run/docker.sock");
  const url = parseHost(host);
  const label = labelOf(url, host);

  if (url.protocol === "unix:") {
    rejectFlags(flags, ["--tls", "--tlsverify", "--tlscacert", "--tlscert", "--tlskey"], "a unix:// host");
    rejectFlags(flags, ["--ssh-key", "--ssh-known-hosts", "--ssh-socket"], "a unix:// host");
    const socketPath = decodeURIComponent(url.pathname);
    if (!socketPath) throw new InvalidArgumentError(`${host}: a unix:// host needs a socket path`);
    return { target: { kind: "unix", socketPath }, label };
  }
  if (url.protocol === "tcp:") {
    rejectFlags(flags, ["--ssh-key", "--ssh-known-hosts", "--ssh-socket"], "a tcp:// host");
    const port = portOf(url, host, null);
    const tls = tlsOf(flags, env, home);
    return { target: { kind: "tcp", host: bareHost(url.hostname), port, ...(tls && { tls }) }, label };
  }
  if (url.protocol === "ssh:") {
    rejectFlags(flags, ["--tls", "--tlsverify", "--tlscacert", "--tlscert", "--tlskey"], "an ssh:// host");
    if (url.pathname && url.pathname !== "/") {
      throw new InvalidArgumentError(`${label}: an ssh:// host takes no path (use --ssh-socket PATH)`);
    }
    const username = decodeURIComponent(url.username) || env.USER || "root";
    return {
      target: {
        kind: "ssh",
        host: bareHost(url.hostname),
        port: portOf(url, host, 22),
        username,
        ssh: sshOf(flags, env, home),
      },
      label,
    };
  }
  throw new InvalidArgumentError(
    `${label}: unsupported scheme ${url.protocol} (want unix://, tcp:// or ssh://)`,
  );
}

function parseHost(host: string): URL {
  // The docker CLI accepts "host:port" as tcp.
  const withScheme = host.includes("://") ? host : `tcp://${host}`;
  try {
    return new URL(withScheme);
  } catch {
    throw new InvalidArgumentError(`invalid engine host ${JSON.stringify(redact(host))}`);
  }
}

/** The host for messages: a password in the URL is never shown (PROTOCOL.md 4.3). */
function labelOf(url: URL, given: string): string {
  if (!url.password) return given.includes("://") ? given : `tcp://${given}`;
  const u = new URL(url.href);
  u.password = "";
  return u.href.replace(/\/$/, "");
}

function redact(host: string): string {
  return host.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

function bareHost(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}

function portOf(url: URL, host: string, fallback: number | null): number {
  if (url.port === "") {
    if (fallback === null) throw new InvalidArgumentError(`${redact(host)}: a tcp:// host needs a port`);
    return fallback;
  }
  return Number(url.port);
}

function rejectFlags(flags: Map<string, string>, names: string[], what: string): void {
  for (const n of names) if (flags.has(n)) throw new InvalidArgumentError(`${n} does not apply to ${what}`);
}

function readFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InvalidArgumentError(
      `${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
}

/** TLS as the docker CLI decides it: --tlsverify (or DOCKER_TLS_VERIFY) implies --tls. */
function tlsOf(flags: Map<string, string>, env: NodeJS.ProcessEnv, home: string): TlsMaterial | undefined {
  const verify = flags.has("--tlsverify")
    ? flags.get("--tlsverify") === "true"
    : Boolean(env.DOCKER_TLS_VERIFY);
  const anyFile = flags.has("--tlscacert") || flags.has("--tlscert") || flags.has("--tlskey");
  const tls = verify || flags.get("--tls") === "true" || anyFile;
  if (!tls) return undefined;
  const dir = env.DOCKER_CERT_PATH || join(home, ".docker");
  const pick = (flag: string, file: string, needed: boolean): Buffer | undefined => {
    const given = flags.get(flag);
    if (given) return readFile(given, flag);
    const path = join(dir, file);
    try {
      return readFileSync(path);
    } catch {
      if (needed) throw new InvalidArgumentError(`${flag}: cannot read ${path} (needed by --tlsverify)`);
      return undefined;
    }
  };
  const out: TlsMaterial = { verify };
  const ca = pick("--tlscacert", "ca.pem", verify);
  const cert = pick("--tlscert", "cert.pem", false);
  const key = pick("--tlskey", "key.pem", false);
  if (Boolean(cert) !== Boolean(key)) throw new InvalidArgumentError("--tlscert and --tlskey go together");
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  return out;
}

function sshOf(flags: Map<string, string>, env: NodeJS.ProcessEnv, home: string): SshMaterial {
  const keyPath = flags.get("--ssh-key");
  const knownHostsPath = flags.get("--ssh-known-hosts") ?? join(home, ".ssh", "known_hosts");
  const knownHosts = readFile(knownHostsPath, "--ssh-known-hosts").toString("utf8");
  const out: SshMaterial = { knownHosts, knownHostsPath };
  if (keyPath) out.privateKey = readFile(keyPath, "--ssh-key");
  else if (env.SSH_AUTH_SOCK) out.agent = env.SSH_AUTH_SOCK;
  else {
    for (const name of ["id_ed25519", "id_ecdsa", "id_rsa"]) {
      try {
        out.privateKey = readFileSync(join(home, ".ssh", name));
        break;
      } catch {}
    }
    if (!out.privateKey)
      throw new InvalidArgumentError("ssh: no --ssh-key, no SSH_AUTH_SOCK and no key in ~/.ssh");
  }
  const socket = flags.get("--ssh-socket");
  if (socket) out.remoteSocket = socket;
  return out;
}
