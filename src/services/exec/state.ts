import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The create body of POST /containers/create (the parts the exec service reads are typed). */
export interface ContainerConfig {
  Hostname?: string;
  User?: string;
  Env?: string[] | null;
  Cmd?: string[] | string | null;
  Entrypoint?: string[] | string | null;
  Image?: string;
  WorkingDir?: string;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number | null;
  HostConfig?: HostConfig;
  [key: string]: unknown;
}

export interface HostConfig {
  NetworkMode?: string;
  AutoRemove?: boolean;
  Memory?: number;
  NanoCpus?: number;
  ConsoleSize?: [number, number];
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
  [key: string]: unknown;
}

/** The engine's State object, as persisted. */
export interface ContainerState {
  Status: "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
}

/** Everything the exec service keeps about a container, in `<root>/containers/<id>/state.json`. */
export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  /** Path and Args as the engine reports them. */
  path: string;
  args: string[];
  config: ContainerConfig;
  hostConfig: HostConfig;
  state: ContainerState;
  restartCount: number;
  /** Stopped by `docker stop`/`kill`: restart policies no longer apply, until the next start. */
  manuallyStopped?: boolean;
  /** The spawned leader (unshare with --isolate) and the kernel start time of the program. */
  leaderPid: number;
  startTime?: string;
  isolated: boolean;
}

/** The on-disk layout under --root. */
export class StateDir {
  constructor(readonly root: string) {
    mkdirSync(this.containersDir, { recursive: true, mode: 0o700 });
  }

  get containersDir(): string {
    return join(this.root, "containers");
  }

  dirOf(id: string): string {
    return join(this.containersDir, id);
  }

  logPath(id: string): string {
    return join(this.dirOf(id), `${id}-json.log`);
  }

  /** Write atomically (temp file + rename), so a crash never leaves half a record. */
  save(rec: ContainerRecord): void {
    const dir = this.dirOf(rec.id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, "state.json.tmp");
    writeFileSync(tmp, `${JSON.stringify(rec, null, 1)}\n`, { mode: 0o600 });
    renameSync(tmp, join(dir, "state.json"));
  }

  remove(id: string): void {
    rmSync(this.dirOf(id), { recursive: true, force: true });
  }

  /** Every readable record; unreadable ones are reported, not fatal. */
  loadAll(onBad: (id: string, err: unknown) => void): ContainerRecord[] {
    const out: ContainerRecord[] = [];
    for (const id of readdirSync(this.containersDir)) {
      try {
        out.push(JSON.parse(readFileSync(join(this.dirOf(id), "state.json"), "utf8")) as ContainerRecord);
      } catch (err) {
        onBad(id, err);
      }
    }
    return out;
  }
}
