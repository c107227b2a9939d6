/**
 * End-to-end rig for guard: `swarmd 'dockerserver …' 'guard …' BACKEND` as a child process, and the
 * real docker CLI pointed at it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SwarmdProcess, startSwarmd } from "../harness/swarmd.ts";

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Chain {
  dir: string;
  host: string;
  swarmd: SwarmdProcess;
  /** Run the docker CLI against the chain (extra env, e.g. TLS settings, may be given). */
  docker(args: string[], env?: NodeJS.ProcessEnv): Promise<DockerResult>;
  /** Decision records guard logged so far. */
  decisions(): Record<string, unknown>[];
  /** The same, once swarmd's output has been quiet for 100 ms (log lines arrive through a pipe). */
  settledDecisions(): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

export interface ChainOptions {
  guard: string;
  /** A policy file's text; its path is appended as `--policy FILE`. */
  policy?: string;
  backend?: string;
  /** dockerserver options before the URL (TLS). */
  server?: (dir: string) => { args: string; url: string };
  /** Runs in the chain's directory before swarmd starts (make certificates…). */
  before?: (dir: string) => Promise<void>;
}

export function runDocker(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<DockerResult> {
  return new Promise((resolve) => {
    execFile(
      "docker",
      args,
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export async function startChain(opts: ChainOptions): Promise<Chain> {
  const dir = mkdtempSync(join(tmpdir(), "guard-e2e-"));
  let guardLine = opts.guard;
  if (opts.policy !== undefined) {
    const file = join(dir, "policy.yaml");
    writeFileSync(file, opts.policy);
    guardLine = `${guardLine} --policy ${file}`;
  }
  await opts.before?.(dir);
  const sock = join(dir, "docker.sock");
  const server = opts.server?.(dir) ?? { args: "", url: `unix://${sock}` };
  const swarmd = startSwarmd([
    `dockerserver ${server.args} ${server.url}`.replace(/\s+/g, " "),
    guardLine,
    opts.backend ?? "simulator web db",
  ]);
  try {
    await swarmd.waitFor(/dockerserver listening/, 20_000);
  } catch (err) {
    await swarmd.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const host = server.url;
  const configDir = join(dir, "docker-config");
  return {
    dir,
    host,
    swarmd,
    docker: (args, env = {}) => runDocker(args, { DOCKER_HOST: host, DOCKER_CONFIG: configDir, ...env }),
    decisions: () => parseDecisions(swarmd.output()),
    async settledDecisions() {
      let last = -1;
      for (let i = 0; i < 40 && swarmd.output().length !== last; i++) {
        last = swarmd.output().length;
        await new Promise((r) => setTimeout(r, 100));
      }
      return parseDecisions(swarmd.output());
    },
    async stop() {
      await swarmd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function parseDecisions(output: string): Record<string, unknown>[] {
  return output
    .split("\n")
    .filter((l) => l.includes('"guard":"decision"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `Error response from daemon: guard: … by rule R: …` with the rule matching `rule`. */
export function deniedBy(r: DockerResult, rule: RegExp | string): boolean {
  if (r.code === 0) return false;
  const m = r.stderr.match(
    /Error response from daemon: guard: (\S+) denied(?: for user "[^"]*")? by rule (.*?): /,
  );
  if (!m) return false;
  return typeof rule === "string" ? m[2] === rule : rule.test(m[2]!);
}
