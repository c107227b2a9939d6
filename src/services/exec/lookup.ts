import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { InvalidArgumentError } from "../../core/errors.ts";

/** The PATH a container gets when its Env has none (the engine's default). */
export const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Why a program cannot be started, worded as runc words it, so that the docker CLI maps it to the
 * same exit code (127 for "not found" / "no such file or directory", 126 for "permission denied").
 */
export class ExecLookupError extends InvalidArgumentError {}

function executable(path: string): "ok" | "missing" | "denied" {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return "missing";
  }
  if (!st.isFile()) return "denied";
  try {
    accessSync(path, constants.X_OK);
    return "ok";
  } catch {
    return "denied";
  }
}

/** Find `name` the way Go's exec.LookPath does, with the container's PATH and working directory. */
export function lookPath(name: string, pathVar: string, cwd: string): string {
  if (name === "") throw new ExecLookupError('exec: "": executable file not found in $PATH');
  if (name.includes("/")) {
    const full = isAbsolute(name) ? name : resolve(cwd, name);
    const r = executable(full);
    if (r === "missing")
      throw new ExecLookupError(`exec: "${name}": stat ${name}: no such file or directory`);
    if (r === "denied") throw new ExecLookupError(`exec: "${name}": permission denied`);
    return full;
  }
  for (const dir of pathVar.split(delimiter)) {
    if (dir === "") continue;
    const full = join(isAbsolute(dir) ? dir : resolve(cwd, dir), name);
    if (executable(full) === "ok") return full;
  }
  throw new ExecLookupError(`exec: "${name}": executable file not found in $PATH`);
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  home: string;
  name: string;
}

function readDb(path: string): string[][] {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split(":"));
  } catch {
    return [];
  }
}

/**
 * Resolve Docker's `User` (`name`, `uid`, `name:group`, `uid:gid`) against /etc/passwd and /etc/group.
 * An empty user means "whoever runs swarmd".
 */
export function resolveUser(user: string): ResolvedUser | undefined {
  if (user === "") return undefined;
  const [u, g] = user.split(":", 2) as [string, string | undefined];
  const passwd = readDb("/etc/passwd");
  const entry =
    passwd.find((e) => e[0] === u) ?? (/^\d+$/.test(u) ? passwd.find((e) => e[2] === u) : undefined);
  let uid: number;
  let gid: number;
  let home = "/";
  let name = u;
  if (entry) {
    uid = Number(entry[2]);
    gid = Number(entry[3]);
    home = entry[5] || "/";
    name = entry[0]!;
  } else if (/^\d+$/.test(u)) {
    uid = Number(u);
    gid = 0;
  } else {
    throw new InvalidArgumentError(`unable to find user ${u}: no matching entries in passwd file`);
  }
  if (g !== undefined && g !== "") {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const ge = readDb("/etc/group").find((e) => e[0] === g);
      if (!ge) throw new InvalidArgumentError(`unable to find group ${g}: no matching entries in group file`);
      gid = Number(ge[2]);
    }
  }
  const myUid = process.getuid?.() ?? 0;
  if (myUid !== 0 && uid !== myUid) {
    throw new InvalidArgumentError(
      `cannot run as user ${user}: swarmd runs as uid ${myUid}, and only root can switch users`,
    );
  }
  return { uid, gid, home, name };
}
