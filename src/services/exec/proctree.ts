import { readdirSync, readFileSync } from "node:fs";

/** Fields of /proc/PID/stat that the supervisor needs. The command name may contain spaces and ')'. */
function readStat(pid: number): { ppid: number; starttime: string; state: string } | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  const rest = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
  // After the name: state(3) ppid(4) … starttime(22); `rest` starts at field 3.
  return { state: rest[0] ?? "", ppid: Number(rest[1]), starttime: rest[19] ?? "" };
}

/** The kernel's start time of a process (clock ticks since boot), to tell a PID from a reused one. */
export function startTimeOf(pid: number): string | undefined {
  return readStat(pid)?.starttime;
}

/** The kernel's one-letter state of a process (`R`, `S`, `T`…), or undefined when it is gone. */
export function stateOf(pid: number): string | undefined {
  return readStat(pid)?.state;
}

/** Is `pid` alive and still the process that started at `starttime`? Zombies count as gone. */
export function isSameProcess(pid: number, starttime: string | undefined): boolean {
  const st = readStat(pid);
  if (!st || st.state === "Z") return false;
  return starttime === undefined || st.starttime === starttime;
}

/** `pid` and all its descendants, parents before children. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const st = readStat(Number(entry));
    if (!st) continue;
    const list = children.get(st.ppid);
    if (list) list.push(Number(entry));
    else children.set(st.ppid, [Number(entry)]);
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.shift()!;
    if (out.includes(p)) continue;
    if (p === pid && !readStat(p)) continue;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

/** The direct children of `pid` (from the kernel's list, which is cheap). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Send `signal` to a process, ignoring "no such process". */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Signal a whole tree: the process group led by `pid` and every descendant (a shell with job control
 * puts its jobs in groups of their own, which the group signal alone would miss).
 */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  const tree = processTree(pid);
  signalPid(-pid, signal);
  for (const p of tree) signalPid(p, signal);
}
