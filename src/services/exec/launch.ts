import type { CgroupHandle } from "./cgroups.ts";
import type { ResolvedUser } from "./lookup.ts";

/** Everything needed to start one process: a container's main process or an exec. */
export interface LaunchSpec {
  /** The program (already resolved to a path) and its arguments. */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  user: ResolvedUser | undefined;
  tty: boolean;
  /** Initial terminal size (tty only). */
  rows: number;
  cols: number;
  openStdin: boolean;
  /** Run in new namespaces (`--isolate`): the container's main process. */
  isolate?: { hostname: string; network: boolean };
  /** Enter the namespaces of a running isolated container (an exec). */
  enter?: { pid: number; network: boolean };
  cgroup: CgroupHandle | undefined;
}

// Joins the cgroups listed before "--", then execs the rest: the program starts inside its limits.
const joinCgroups = 'while [ "$1" != "--" ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';
// Around `unshare`: its own stderr goes nowhere, the program's is kept as fd 3. util-linux 2.38's
// unshare complains on stderr when its child is SIGKILLed (an OOM kill), and that is not the program's.
const quietHelper = 'exec 3>&2 2>/dev/null; exec "$@"';
// Runs as PID 1 of the new namespaces: takes its stderr back, names the UTS namespace, then becomes
// the program.
const setHostname = 'exec 2>&3 3>&-; echo "$0" > /proc/sys/kernel/hostname 2>/dev/null; exec "$@"';
// The same, in a new network namespace: its loopback starts down, and `--network none` has it up.
const setHostnameAndLo =
  'exec 2>&3 3>&-; echo "$0" > /proc/sys/kernel/hostname 2>/dev/null; command -v ip >/dev/null 2>&1 && ip link set lo up 2>/dev/null; exec "$@"';

/**
 * The command line that runs `spec`, built from util-linux tools: `setpriv` switches user,
 * `unshare` makes namespaces, `nsenter` joins them, and a few lines of sh join the cgroups. Every
 * wrapper ends in `exec`, so without --isolate the spawned PID is the program itself.
 */
export function commandLine(spec: LaunchSpec): string[] {
  const myUid = process.getuid?.() ?? 0;
  let cmd = [...spec.argv];
  if (spec.user && (spec.user.uid !== myUid || spec.user.gid !== (process.getgid?.() ?? 0))) {
    cmd = ["setpriv", `--reuid=${spec.user.uid}`, `--regid=${spec.user.gid}`, "--clear-groups", "--", ...cmd];
  }
  if (spec.isolate) {
    cmd = [
      "/bin/sh",
      "-c",
      quietHelper,
      "swarm-isolate",
      "unshare",
      "--pid",
      "--fork",
      "--mount-proc",
      "--uts",
      "--ipc",
      ...(spec.isolate.network ? ["--net"] : []),
      "--",
      "/bin/sh",
      "-c",
      spec.isolate.network ? setHostnameAndLo : setHostname,
      spec.isolate.hostname,
      ...cmd,
    ];
  } else if (spec.enter) {
    const t = String(spec.enter.pid);
    cmd = [
      "nsenter",
      "-t",
      t,
      "-p",
      "-m",
      "-u",
      "-i",
      ...(spec.enter.network ? ["-n"] : []),
      `--wd=${spec.cwd}`,
      "--",
      ...cmd,
    ];
  }
  if (spec.cgroup)
    cmd = ["/bin/sh", "-c", joinCgroups, "swarm-cgroup", ...spec.cgroup.procsFiles, "--", ...cmd];
  return cmd;
}
