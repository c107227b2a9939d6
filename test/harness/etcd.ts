/**
 * A private etcd (Debian etcd-server, test/harness/install.sh) on loopback ports, with its data
 * in a temp dir that `stop()` removes.
 *
 *   const e = await startEtcd();   // e.url = "http://127.0.0.1:PORT", e.hostPort = "127.0.0.1:PORT"
 *   await e.stop();
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Etcd {
  /** `http://127.0.0.1:PORT`, the client URL. */
  url: string;
  /** `127.0.0.1:PORT`, for `etcd://127.0.0.1:PORT/prefix`. */
  hostPort: string;
  dir: string;
  log(): string;
  /** Kill etcd (SIGKILL), stay down `downMs`, and start it again on the same ports and data. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/health`, { timeout: 1000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(res.statusCode === 200 && body.includes("true")));
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

export async function startEtcd(): Promise<Etcd> {
  const dir = mkdtempSync(join(tmpdir(), "swarm-etcd-"));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    "--name",
    "test",
    "--data-dir",
    join(dir, "data"),
    "--listen-client-urls",
    url,
    "--advertise-client-urls",
    url,
    "--listen-peer-urls",
    peer,
    "--initial-advertise-peer-urls",
    peer,
    "--initial-cluster",
    `test=${peer}`,
    "--log-level",
    "warn",
  ];
  let log = "";
  let proc: ChildProcess;
  let exited: Promise<void>;
  const launch = async () => {
    proc = spawn("etcd", args, { stdio: ["ignore", "pipe", "pipe"] });
    running.add(proc);
    proc.stdout!.on("data", (d) => (log += d));
    proc.stderr!.on("data", (d) => (log += d));
    exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    const deadline = Date.now() + 20_000;
    while (!(await healthy(url))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        await halt();
        throw new Error(`etcd did not start on ${url}:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const halt = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    running.delete(proc);
  };
  const stop = async () => {
    await halt();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    hostPort: `127.0.0.1:${clientPort}`,
    dir,
    log: () => log,
    stop,
    async restart(downMs = 0) {
      await halt("SIGKILL");
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
  };
}
