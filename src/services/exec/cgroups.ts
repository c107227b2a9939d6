import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError } from "../../core/errors.ts";

/** The resource limits of a container that the exec service can apply. */
export interface Limits {
  /** Bytes; 0 = none (`-m`, `--memory`). */
  memory: number;
  /** Billionths of a CPU; 0 = none (`--cpus`). */
  nanoCpus: number;
}

/** Where the cgroup filesystems are mounted (a parameter so that tests can use a directory). */
const defaultCgroupRoot = "/sys/fs/cgroup";
const cpuPeriodUs = 100_000;
const groupName = "libswarm-exec";

/** Where the limits of one container live, for cgroup v2 (one directory) or v1 (one per controller). */
export interface CgroupHandle {
  /** `cgroup.procs` files a process must join (written by a shell wrapper before it execs). */
  procsFiles: string[];
  dirs: string[];
  /** Whether the kernel OOM-killed a process in it. */
  oomKilled(): boolean;
  /** Remove the directories (they must be empty: call after every process exited). */
  remove(): void;
}

function isV2(cgroupRoot: string): boolean {
  return existsSync(join(cgroupRoot, "cgroup.controllers"));
}

function fail(what: string, why: string): never {
  throw new InvalidArgumentError(
    `exec: cannot apply ${what}: ${why}. The exec service applies limits with cgroups (v2 at ${defaultCgroupRoot}, or the v1 memory and cpu hierarchies) and needs write access there`,
  );
}

function tryWrite(file: string, value: string, what: string): void {
  try {
    writeFileSync(file, value);
  } catch (err) {
    fail(what, `writing ${file} failed (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function makeDir(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    fail(what, `creating ${dir} failed (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** Check, without changing anything lasting, that this machine can apply `limits`. */
export function checkLimits(limits: Limits, cgroupRoot = defaultCgroupRoot): void {
  if (limits.memory < 0) throw new InvalidArgumentError("invalid memory limit: it must be positive");
  if (limits.nanoCpus < 0) throw new InvalidArgumentError("invalid CPU limit: it must be positive");
  if (limits.memory > 0 && limits.memory < 6 * 1024 * 1024) {
    throw new InvalidArgumentError("Minimum memory limit allowed is 6MB");
  }
  if (limits.memory === 0 && limits.nanoCpus === 0) return;
  if (isV2(cgroupRoot)) {
    const controllers = readFileSync(join(cgroupRoot, "cgroup.controllers"), "utf8").split(/\s+/);
    if (limits.memory > 0 && !controllers.includes("memory"))
      fail("--memory", "the cgroup v2 memory controller is not enabled");
    if (limits.nanoCpus > 0 && !controllers.includes("cpu"))
      fail("--cpus", "the cgroup v2 cpu controller is not enabled");
    return;
  }
  if (limits.memory > 0 && !existsSync(join(cgroupRoot, "memory", "memory.limit_in_bytes"))) {
    fail("--memory", "no cgroup memory controller is mounted");
  }
  if (limits.nanoCpus > 0 && !existsSync(join(cgroupRoot, "cpu", "cpu.cfs_quota_us"))) {
    fail("--cpus", "no cgroup cpu controller with CFS quota is mounted");
  }
}

/** Create the cgroup(s) for one run of a container and set its limits. Undefined when there are none. */
export function createCgroup(
  name: string,
  limits: Limits,
  cgroupRoot = defaultCgroupRoot,
): CgroupHandle | undefined {
  if (limits.memory === 0 && limits.nanoCpus === 0) return undefined;
  checkLimits(limits, cgroupRoot);
  const quota = Math.max(1000, Math.round((limits.nanoCpus * cpuPeriodUs) / 1e9));
  if (isV2(cgroupRoot)) {
    const parent = join(cgroupRoot, groupName);
    makeDir(parent, "limits");
    const wanted = [limits.memory > 0 ? "+memory" : "", limits.nanoCpus > 0 ? "+cpu" : ""]
      .filter(Boolean)
      .join(" ");
    tryWrite(join(cgroupRoot, "cgroup.subtree_control"), wanted, "limits");
    tryWrite(join(parent, "cgroup.subtree_control"), wanted, "limits");
    const dir = join(parent, name);
    makeDir(dir, "limits");
    if (limits.memory > 0) tryWrite(join(dir, "memory.max"), String(limits.memory), "--memory");
    if (limits.nanoCpus > 0) tryWrite(join(dir, "cpu.max"), `${quota} ${cpuPeriodUs}`, "--cpus");
    return handle([dir], () => oomCount(join(dir, "memory.events")) > 0);
  }
  const dirs: string[] = [];
  let memDir: string | undefined;
  if (limits.memory > 0) {
    memDir = join(cgroupRoot, "memory", groupName, name);
    makeDir(memDir, "--memory");
    dirs.push(memDir);
    tryWrite(join(memDir, "memory.limit_in_bytes"), String(limits.memory), "--memory");
  }
  if (limits.nanoCpus > 0) {
    const cpuDir = join(cgroupRoot, "cpu", groupName, name);
    makeDir(cpuDir, "--cpus");
    dirs.push(cpuDir);
    tryWrite(join(cpuDir, "cpu.cfs_period_us"), String(cpuPeriodUs), "--cpus");
    tryWrite(join(cpuDir, "cpu.cfs_quota_us"), String(quota), "--cpus");
  }
  return handle(dirs, () => {
    return memDir !== undefined && oomCount(join(memDir, "memory.oom_control")) > 0;
  });
}

/** The `oom_kill` counter of memory.events (v2) or memory.oom_control (v1); 0 when absent. */
function oomCount(file: string): number {
  return Number(/oom_kill (\d+)/.exec(readOr(file))?.[1] ?? 0);
}

function readOr(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function handle(dirs: string[], oom: () => boolean): CgroupHandle {
  return {
    dirs,
    procsFiles: dirs.map((d) => join(d, "cgroup.procs")),
    oomKilled: oom,
    remove() {
      removeDirs(dirs, 20);
    },
  };
}

/** Removals still retrying, so that a stopping service can wait for them. */
const removing = new Set<Promise<void>>();

/** Settles once every cgroup removal under way has finished (or given up, after about a second). */
export async function cgroupRemovals(): Promise<void> {
  while (removing.size > 0) await Promise.all([...removing]);
}

/** Remove cgroup directories; one whose last processes are still dying is retried a little later. */
function removeDirs(dirs: string[], attempts: number): void {
  const busy = dirs.filter((d) => {
    try {
      rmdirSync(d);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "EBUSY";
    }
  });
  if (busy.length === 0 || attempts <= 1) return;
  const retry = new Promise<void>((resolve) =>
    setTimeout(() => {
      removing.delete(retry);
      removeDirs(busy, attempts - 1);
      resolve();
    }, 50),
  );
  removing.add(retry);
}

/**
 * A cgroup without limits, only to know every process of a container (a program that daemonizes
 * leaves its process group, not its cgroup). Best effort: undefined where cgroups are not writable.
 */
export function trackingCgroup(name: string, cgroupRoot = defaultCgroupRoot): CgroupHandle | undefined {
  const dir = isV2(cgroupRoot)
    ? join(cgroupRoot, groupName, name)
    : existsSync(join(cgroupRoot, "pids", "cgroup.procs"))
      ? join(cgroupRoot, "pids", groupName, name)
      : undefined;
  if (!dir) return undefined;
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return undefined;
  }
  return handle([dir], () => false);
}

/** The PIDs in a cgroup: every process of a container, wherever it moved in the process tree. */
export function cgroupPids(h: CgroupHandle): number[] {
  const pids = new Set<number>();
  for (const f of h.procsFiles) {
    for (const l of readOr(f).split("\n")) if (l) pids.add(Number(l));
  }
  return [...pids];
}
