import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "../../core/errors.ts";
import { flags } from "../flags.ts";

export interface SshOptions {
  username: string;
  host: string;
  port: number;
  /** The private key (never logged, never in a message). */
  privateKey?: Buffer;
  /** An ssh agent socket, used when no --identity is given. */
  agent?: string;
  knownHostsPath: string;
  /** known_hosts text ("" when the file does not exist: every host is then unknown). */
  knownHosts: string;
  insecureAcceptHostKey: boolean;
  /** The engine's socket on the remote host, reached with a direct-streamlocal channel. */
  socket: string;
  /** `ssh://user@host:port`, for messages. */
  label: string;
}

export const usage =
  "ssh [--identity FILE] [--known-hosts FILE] [--insecure-accept-host-key] [--socket /var/run/docker.sock] user@host[:port]";

/** Parse `ssh` arguments; files are read here so a bad path fails the Spawn, not the first request. */
export function parseSshArgs(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): SshOptions {
  let identity: string | undefined;
  let knownHostsPath = join(home, ".ssh", "known_hosts");
  let insecure = false;
  let socket = "/var/run/docker.sock";
  const targets: string[] = [];
  for (const { arg: a, flag, value } of flags("ssh", args)) {
    if (flag === "--identity" || flag === "-i") identity = value();
    else if (flag === "--known-hosts") knownHostsPath = value();
    else if (flag === "--socket") socket = value();
    else if (flag === "--insecure-accept-host-key") insecure = true;
    else if (a.startsWith("-")) throw new InvalidArgumentError(`ssh: unknown option ${a}; usage: ${usage}`);
    else targets.push(a);
  }
  if (targets.length !== 1) throw new InvalidArgumentError(`ssh needs one user@host[:port]; usage: ${usage}`);
  const { username, host, port } = parseTarget(targets[0]!, env);
  if (!socket.startsWith("/"))
    throw new InvalidArgumentError(`ssh: --socket must be an absolute path, got ${socket}`);

  let privateKey: Buffer | undefined;
  let agent: string | undefined;
  if (identity) privateKey = readOrFail(identity, "--identity");
  else if (env.SSH_AUTH_SOCK) agent = env.SSH_AUTH_SOCK;
  else {
    for (const name of ["id_ed25519", "id_ecdsa", "id_rsa"]) {
      try {
        privateKey = readFileSync(join(home, ".ssh", name));
        break;
      } catch {}
    }
    if (!privateKey)
      throw new InvalidArgumentError("ssh: no --identity, no SSH_AUTH_SOCK and no key in ~/.ssh");
  }
  let knownHosts = "";
  try {
    knownHosts = readFileSync(knownHostsPath, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      throw new InvalidArgumentError(
        `ssh: --known-hosts: cannot read ${knownHostsPath}: ${(err as NodeJS.ErrnoException).code}`,
      );
  }
  const label = `ssh://${username}@${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    username,
    host,
    port,
    ...(privateKey && { privateKey }),
    ...(agent && { agent }),
    knownHostsPath,
    knownHosts,
    insecureAcceptHostKey: insecure,
    socket,
    label,
  };
}

/** `user@host`, `user@host:2222`, `user@[::1]:2222`; the user defaults to $USER. */
function parseTarget(
  target: string,
  env: NodeJS.ProcessEnv,
): { username: string; host: string; port: number } {
  const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s[\]]+)(?::(\d+))?$/.exec(target);
  if (!m) throw new InvalidArgumentError(`ssh: bad target ${JSON.stringify(target)}; want user@host[:port]`);
  const port = m[3] === undefined ? 22 : Number(m[3]);
  if (!(port > 0 && port < 65536)) throw new InvalidArgumentError(`ssh: bad port in ${target}`);
  return { username: m[1] ?? env.USER ?? "root", host: m[2]!.replace(/^\[|\]$/g, ""), port };
}

function readOrFail(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InvalidArgumentError(
      `ssh: ${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
}
