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
 * sshd comes from Debian openssh-server (test/harness/install-sshd.sh).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./net.ts";

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

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
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

  const proc: ChildProcess = spawn(sshdBin, ["-D", "-e", "-f", configPath], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  proc.stdout!.on("data", (d) => (log += d));
  proc.stderr!.on("data", (d) => (log += d));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  // A test process that dies without stopping it must not leave the server behind.
  const onExit = () => {
    proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  const stop = async () => {
    process.removeListener("exit", onExit);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`sshd did not start on 127.0.0.1:${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, user: userInfo().username, keyPath, knownHostsPath, hostKey, dir, log: () => log, stop };
}
