/**
 * A private OpenSSH server for tests of `ssh://` engines: its own config, host key, client key
 * and authorized_keys in a temp dir, listening on a free port of 127.0.0.1. Sessions get
 * DOCKER_HOST (so `docker system dial-stdio`, run by the client as the docker CLI does, reaches
 * the test engine) and may open direct-streamlocal channels to unix sockets.
 *
 *   const s = await startSshd({ dockerHost: engine.host });
 *   // ssh://${s.user}@127.0.0.1:${s.port}, key s.keyPath, known_hosts s.knownHostsPath
 *   await s.stop();
 *
 * sshd comes from Debian openssh-server (test/harness/install-deb.sh).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { canConnect, freePort } from "./net.ts";
import { startServerProcess } from "./server-process.ts";

export const sshdBin = "/usr/sbin/sshd";

export interface Sshd {
  port: number;
  user: string;
  /** The client's private key (authorized on this server). */
  keyPath: string;
  /** A known_hosts file listing this server's host key as `[127.0.0.1]:port`. */
  knownHostsPath: string;
  /** The server's public host key line (`ssh-ed25519 AAAA…`). */
  hostKey: string;
  dir: string;
  /** Everything sshd wrote (it runs with -e), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

function keygen(path: string): void {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "libswarm-test", "-f", path], {
    stdio: "ignore",
  });
}

export async function startSshd(opts: { dockerHost?: string } = {}): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), "swarm-sshd-"));
  const hostKeyPath = join(dir, "host_ed25519_key");
  const keyPath = join(dir, "id_ed25519");
  keygen(hostKeyPath);
  keygen(keyPath);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(`${keyPath}.pub`));
  const hostKey = readFileSync(`${hostKeyPath}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
  // sshd refuses to start without its privilege separation directory.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${hostKeyPath}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    // The temp dir is not owned the way StrictModes wants for a home directory.
    "StrictModes no",
    "PermitRootLogin prohibit-password",
    "AllowStreamLocalForwarding yes",
    // sshd refuses direct-streamlocal channels when TCP forwarding is off.
    "AllowTcpForwarding local",
    "X11Forwarding no",
    "PrintMotd no",
    "LogLevel VERBOSE",
    ...(opts.dockerHost ? [`SetEnv DOCKER_HOST=${opts.dockerHost}`] : []),
  ];
  const configPath = join(dir, "sshd_config");
  writeFileSync(configPath, `${config.join("\n")}\n`);
  const knownHostsPath = join(dir, "known_hosts");
  writeFileSync(knownHostsPath, `[127.0.0.1]:${port} ${hostKey}\n`);

  const server = await startServerProcess(sshdBin, ["-D", "-e", "-f", configPath], dir, {
    ready: () => canConnect({ host: "127.0.0.1", port }),
    timeoutMs: 10_000,
    failure: `sshd did not start on 127.0.0.1:${port}`,
  });
  return { port, user: userInfo().username, keyPath, knownHostsPath, hostKey, dir, ...server };
}
