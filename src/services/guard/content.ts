import { posix } from "node:path";
import { globMatch } from "./actions.ts";
import { field, list, str } from "./json.ts";
import { normalizeCap } from "./load.ts";
import type { Located, Restrict } from "./policy.ts";

/**
 * Content inspection of `containers.create` configs and `exec.create` configs: what docker-socket-proxy
 * cannot see. Each check returns the rule that refuses the content and why, or undefined.
 */

export interface Violation {
  rule: Located<unknown>;
  reason: string;
}

const HOST_MODES = [
  ["NetworkMode", "host_network", "--network=host"],
  ["PidMode", "host_pid", "--pid=host"],
  ["IpcMode", "host_ipc", "--ipc=host"],
  ["UTSMode", "host_uts", "--uts=host"],
  ["UsernsMode", "host_userns", "--userns=host"],
  ["CgroupnsMode", "host_cgroupns", "--cgroupns=host"],
] as const;

const UNCONFINED = /^(seccomp|apparmor|systempaths)[=:]unconfined$|^label[=:]disable$/i;

/** Check a `POST /containers/create` body against the restrict rules. */
export function checkCreate(config: unknown, r: Restrict): Violation | undefined {
  const hc = field(config, "HostConfig");
  const priv = field(hc, "Privileged");
  if (priv !== undefined && priv !== null && priv !== false && !r.privileged.value) {
    return { rule: r.privileged, reason: "privileged containers are not allowed" };
  }
  for (const [key, rule, flag] of HOST_MODES) {
    if (str(hc, key).toLowerCase() === "host" && !r[rule].value) {
      return { rule: r[rule], reason: `${flag} is not allowed` };
    }
  }
  const endpoints = field(field(config, "NetworkingConfig"), "EndpointsConfig");
  if (endpoints && typeof endpoints === "object" && !r.host_network.value) {
    if (Object.keys(endpoints).some((n) => n.toLowerCase() === "host")) {
      return { rule: r.host_network, reason: "--network=host is not allowed" };
    }
  }
  const caps = capViolation(list(hc, "CapAdd"), r);
  if (caps) return caps;
  if (!r.devices.value) {
    for (const f of ["Devices", "DeviceRequests", "DeviceCgroupRules"]) {
      if (list(hc, f).length > 0) return { rule: r.devices, reason: `host devices (${f}) are not allowed` };
    }
  }
  const binds = bindViolation(hc, r);
  if (binds) return binds;
  if (!r.security_opt.value) {
    for (const o of list(hc, "SecurityOpt")) {
      if (typeof o === "string" && UNCONFINED.test(o.trim())) {
        return { rule: r.security_opt, reason: `--security-opt ${o} is not allowed` };
      }
    }
  }
  const user = userViolation(str(config, "User"), r, "container");
  if (user) return user;
  return imageViolation(str(config, "Image"), r);
}

/** Check an exec config (`POST /containers/{id}/exec` body). */
export function checkExec(config: unknown, r: Restrict): Violation | undefined {
  const priv = field(config, "Privileged");
  if (priv !== undefined && priv !== null && priv !== false && !r.privileged.value) {
    return { rule: r.privileged, reason: "privileged exec is not allowed" };
  }
  return userViolation(str(config, "User"), r, "exec");
}

function capViolation(added: unknown[], r: Restrict): Violation | undefined {
  const allowed = r.capabilities.value;
  if (allowed === "all") return undefined;
  for (const c of added) {
    const cap = typeof c === "string" ? normalizeCap(c.trim()) : String(c);
    if (!allowed.includes(cap)) return { rule: r.capabilities, reason: `--cap-add ${cap} is not allowed` };
  }
  return undefined;
}

/** Host paths a container would see: `Binds` sources, bind `Mounts`, and volumes a local driver binds. */
function bindViolation(hc: unknown, r: Restrict): Violation | undefined {
  const allowed = r.binds.value;
  if (allowed === "all") return undefined;
  const refuse = (path: string, how: string): Violation => ({
    rule: r.binds,
    reason:
      allowed.length === 0
        ? `host bind mounts are not allowed (${how} ${path})`
        : `host bind mount of ${path} is outside the allowed paths ${allowed.join(", ")} (${how})`,
  });
  for (const b of list(hc, "Binds")) {
    if (typeof b !== "string") return refuse(String(b), "-v");
    const src = b.split(":")[0] ?? "";
    if (src.startsWith("/") && !underAny(src, allowed)) return refuse(src, "-v");
  }
  for (const m of list(hc, "Mounts")) {
    const type = str(m, "Type").toLowerCase();
    const src = str(m, "Source");
    if (type === "bind" && !underAny(src, allowed)) return refuse(src || "(no source)", "--mount type=bind");
    // The local driver with `o=bind,device=/x` is a bind mount under another name.
    const opts = field(field(field(m, "VolumeOptions"), "DriverConfig"), "Options");
    const device = str(opts, "device");
    if (device !== "" && !underAny(device, allowed)) return refuse(device, "--mount volume-opt=device");
  }
  if (list(hc, "VolumesFrom").length > 0) {
    return {
      rule: r.binds,
      reason:
        "--volumes-from is not allowed while bind mounts are restricted (the other container's mounts are not checked)",
    };
  }
  return undefined;
}

/** Whether `path` is one of `roots` or below one, after normalisation (`/srv/../etc` is `/etc`). */
export function underAny(path: string, roots: readonly string[]): boolean {
  if (!path.startsWith("/")) return false;
  const p = posix.normalize(path).replace(/\/+$/, "") || "/";
  return roots.some((root) => root === "/" || p === root || p.startsWith(`${root}/`));
}

function userViolation(user: string, r: Restrict, what: string): Violation | undefined {
  const u = user.trim();
  if (u === "" && r.require_user.value) {
    return { rule: r.require_user, reason: `a ${what} must name a non-root --user` };
  }
  const name = u.split(":")[0] ?? "";
  if ((name === "root" || /^0+$/.test(name)) && !r.user_root.value) {
    return { rule: r.user_root, reason: `--user ${u} (root) is not allowed` };
  }
  return undefined;
}

/** `busybox` → `busybox:latest`; `docker.io/library/x` → `x`. Digests are kept. */
export function normalizeImage(ref: string): string {
  let s = ref.trim();
  s = s.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, "").replace(/^library\//, "");
  const lastSlash = s.lastIndexOf("/");
  const lastPart = s.slice(lastSlash + 1);
  if (!lastPart.includes(":") && !s.includes("@")) s = `${s}:latest`;
  return s;
}

/** Whether `ref` matches an image pattern: a glob on the normalised name; a tagless pattern matches every tag. */
export function imageMatches(pattern: string, ref: string): boolean {
  const full = normalizeImage(ref);
  const p = pattern
    .trim()
    .replace(/^(docker\.io)\//, "")
    .replace(/^library\//, "");
  if (globMatch(p, full)) return true;
  const repo = full.replace(/@.*$/, "").replace(/:[^/:]*$/, "");
  const lastPart = p.slice(p.lastIndexOf("/") + 1);
  return !lastPart.includes(":") && !p.includes("@") && globMatch(p, repo);
}

export function imageViolation(ref: string, r: Restrict): Violation | undefined {
  if (ref === "") return undefined;
  const denied = r.images_deny.value.find((p) => imageMatches(p, ref));
  if (denied) return { rule: r.images_deny, reason: `image ${ref} matches the denied pattern ${denied}` };
  if (!r.images_allow.value.some((p) => imageMatches(p, ref))) {
    return {
      rule: r.images_allow,
      reason: `image ${ref} matches none of the allowed patterns ${r.images_allow.value.join(", ")}`,
    };
  }
  return undefined;
}
