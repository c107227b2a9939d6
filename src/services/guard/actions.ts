/**
 * The actions guard decides on. Every request that reaches guard is classified as exactly one of
 * these (classify.ts); a request that is none of them is denied. Each action belongs to a policy
 * section (docker-socket-proxy's URL prefixes) and is either a read or a write.
 */

/** Sections a policy file can grant. The last group exists for parity only: §6 carries none of them. */
export const SECTIONS = [
  "ping",
  "version",
  "info",
  "system",
  "events",
  "containers",
  "images",
  "exec",
  "networks",
  "volumes",
  "auth",
  "build",
  "commit",
  "configs",
  "distribution",
  "grpc",
  "nodes",
  "plugins",
  "secrets",
  "services",
  "session",
  "swarm",
  "tasks",
] as const;
export type Section = (typeof SECTIONS)[number];

/** Sections that the Docker mapping (docs/PROTOCOL.md §6) has no request for: only `deny` is accepted. */
export const UNCARRIED_SECTIONS: ReadonlySet<Section> = new Set([
  "auth",
  "build",
  "commit",
  "configs",
  "distribution",
  "grpc",
  "nodes",
  "plugins",
  "secrets",
  "services",
  "session",
  "swarm",
  "tasks",
]);

/** Sections whose value may be `read` (reads pass, writes do not) besides `allow` and `deny`. */
export const READABLE_SECTIONS: ReadonlySet<Section> = new Set([
  "containers",
  "images",
  "networks",
  "volumes",
]);

export interface ActionInfo {
  section: Section;
  /** Reads change nothing; `read` grants them, and they are the only actions `--read-only` can pass. */
  read: boolean;
  /** The protocol verb that carries it (for `--allow VERB`). */
  verb: string;
  /** What a person would type: the docker command or endpoint. */
  doc: string;
}

export const ACTIONS = {
  "system.ping": {
    section: "ping",
    read: true,
    verb: "-",
    doc: "HEAD/GET /_ping (answered by the frontend)",
  },
  "system.version": { section: "version", read: true, verb: "Get", doc: "docker version" },
  "system.info": { section: "info", read: true, verb: "Get", doc: "docker info" },
  "system.df": { section: "system", read: true, verb: "Get", doc: "docker system df" },
  events: { section: "events", read: true, verb: "Watch", doc: "docker events" },
  "containers.list": { section: "containers", read: true, verb: "Ls", doc: "docker ps" },
  "containers.inspect": { section: "containers", read: true, verb: "Get", doc: "docker inspect" },
  "containers.logs": { section: "containers", read: true, verb: "Logs", doc: "docker logs" },
  // Not a read for policy purposes: process command lines can carry secrets.
  "containers.top": { section: "containers", read: false, verb: "Get", doc: "docker top" },
  "containers.wait": { section: "containers", read: false, verb: "Wait", doc: "docker wait, docker run" },
  "containers.create": {
    section: "containers",
    read: false,
    verb: "Spawn",
    doc: "docker create, docker run",
  },
  "containers.start": { section: "containers", read: false, verb: "Start", doc: "docker start" },
  "containers.stop": { section: "containers", read: false, verb: "Stop", doc: "docker stop" },
  "containers.kill": { section: "containers", read: false, verb: "Kill", doc: "docker kill" },
  "containers.restart": { section: "containers", read: false, verb: "Restart", doc: "docker restart" },
  "containers.pause": { section: "containers", read: false, verb: "Pause", doc: "docker pause" },
  "containers.unpause": { section: "containers", read: false, verb: "Unpause", doc: "docker unpause" },
  "containers.rename": { section: "containers", read: false, verb: "Rename", doc: "docker rename" },
  "containers.remove": { section: "containers", read: false, verb: "Remove", doc: "docker rm" },
  "containers.attach": {
    section: "containers",
    read: false,
    verb: "Attach",
    doc: "docker attach, docker run",
  },
  "containers.resize": { section: "containers", read: false, verb: "Resize", doc: "tty resize" },
  "exec.create": { section: "exec", read: false, verb: "Exec", doc: "docker exec (create)" },
  "exec.start": { section: "exec", read: false, verb: "Start", doc: "docker exec (start)" },
  "exec.inspect": { section: "exec", read: true, verb: "Get", doc: "docker exec (exit code)" },
  "exec.resize": { section: "exec", read: false, verb: "Resize", doc: "exec tty resize" },
  "images.list": { section: "images", read: true, verb: "Get", doc: "docker images" },
  "images.inspect": { section: "images", read: true, verb: "Get", doc: "docker image inspect" },
  "images.pull": { section: "images", read: false, verb: "Pull", doc: "docker pull" },
} as const satisfies Record<string, ActionInfo>;

export type Action = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as Action[];

export function isAction(s: string): s is Action {
  return Object.hasOwn(ACTIONS, s);
}

/**
 * What passes with no policy, and exactly what `--read-only` lets through: ping, version, info,
 * listing, inspect, logs and events.
 */
export const READ_ONLY_SET: ReadonlySet<Action> = new Set<Action>([
  "system.ping",
  "system.version",
  "system.info",
  "events",
  "containers.list",
  "containers.inspect",
  "containers.logs",
  "images.list",
  "images.inspect",
]);

/** docker-socket-proxy's ALLOW_START / ALLOW_STOP / ALLOW_RESTARTS, as policy keys. */
export const LIFECYCLE_KEYS = {
  start: ["containers.start"],
  stop: ["containers.stop"],
  restart: ["containers.restart", "containers.stop", "containers.kill"],
} as const satisfies Record<string, readonly Action[]>;
export type LifecycleKey = keyof typeof LIFECYCLE_KEYS;

/** Glob match of `*` (any run of characters, including none). Everything else is literal. */
export function globMatch(pattern: string, s: string): boolean {
  if (!pattern.includes("*")) return pattern === s;
  const re = new RegExp(`^${pattern.split("*").map(escapeRe).join(".*")}$`, "s");
  return re.test(s);
}

function escapeRe(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

/** The actions an `allow`/`deny` entry or an `--allow` word names: an action glob, a section, or a verb. */
export function actionsNamedBy(word: string): Action[] {
  if ((SECTIONS as readonly string[]).includes(word)) {
    return ACTION_NAMES.filter((a) => ACTIONS[a].section === word);
  }
  if (/^[A-Z]/.test(word)) return ACTION_NAMES.filter((a) => ACTIONS[a].verb === word);
  return ACTION_NAMES.filter((a) => globMatch(word, a));
}
