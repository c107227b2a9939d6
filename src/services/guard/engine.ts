import {
  ACTIONS,
  type Action,
  actionsNamedBy,
  LIFECYCLE_KEYS,
  type LifecycleKey,
  READ_ONLY_SET,
} from "./actions.ts";
import { checkCreate, checkExec, imageViolation, type Violation } from "./content.ts";
import { AmbiguousFieldError, field, str } from "./json.ts";
import { DEFAULT_SECTIONS, type Effective, type Located, ruleName } from "./policy.ts";
import { type ContainerInfo, infoFromCreate, scopeViolation } from "./scope.ts";

/**
 * The decision engine: one pure function from (rules, request) to allow/deny and the rule that
 * decided. Order: `--read-only`, then `deny` lists, then what grants the action (`allow` lists,
 * start/stop/restart, the section), then content (restrict) and scope. Nothing grants by default
 * except the read-only set.
 */

export interface Request {
  action: Action;
  /** The container the request is about (known for requests to container and exec objects). */
  target?: ContainerInfo;
  /** containers.create: the config JSON and the requested name. */
  config?: unknown;
  name?: string;
  /** exec.create: the exec config. */
  exec?: unknown;
  /** images.pull: the image reference. */
  image?: string;
  /** containers.rename: the new name. */
  newName?: string;
  /** The request's content could not be read (bad JSON): it is refused rather than passed unchecked. */
  unreadable?: string;
}

export interface Decision {
  allow: boolean;
  /** An action of actions.ts, or a description of a request guard does not know. */
  action: string;
  /** The rule that decided, with its place in the policy file: `restrict.privileged (p.yaml:4)`. */
  rule: string;
  reason: string;
}

const allow = (action: Action, rule: string): Decision => ({ allow: true, action, rule, reason: "allowed" });
const deny = (action: Action, rule: string, reason: string): Decision => ({
  allow: false,
  action,
  rule,
  reason,
});
const denyBy = (action: Action, v: Violation): Decision => deny(action, ruleName(v.rule), v.reason);

export function decide(rules: Effective, req: Request): Decision {
  const { action } = req;
  if (rules.readOnly && !READ_ONLY_SET.has(action)) {
    return deny(action, "--read-only", `${action} is not a read`);
  }
  for (const d of rules.deny) {
    if (actionsNamedBy(d.value).includes(action)) return deny(action, ruleName(d), `${action} is denied`);
  }
  const grant = granted(rules, action);
  if (!grant.allow) return grant;
  if (req.unreadable !== undefined) return deny(action, "unreadable-content", req.unreadable);
  try {
    const v = contentViolation(rules, req);
    if (v) return denyBy(action, v);
  } catch (err) {
    if (err instanceof AmbiguousFieldError) return deny(action, "ambiguous-content", err.message);
    throw err;
  }
  return grant;
}

/** Whether anything grants `action`, before content is looked at. */
function granted(rules: Effective, action: Action): Decision {
  const a = rules.allow.find((l) => actionsNamedBy(l.value).includes(action));
  if (a) return allow(action, ruleName(a));
  // start/stop/restart are more specific than the containers section, both ways.
  for (const key of Object.keys(LIFECYCLE_KEYS) as LifecycleKey[]) {
    const l = rules.sections[key];
    if (l && (LIFECYCLE_KEYS[key] as readonly Action[]).includes(action)) {
      return l.value === "allow"
        ? allow(action, ruleName(l))
        : deny(action, ruleName(l), `${action} is denied`);
    }
  }
  const { section, read } = ACTIONS[action];
  const set: Located<string> | undefined = rules.sections[section];
  const access = set?.value ?? DEFAULT_SECTIONS[section] ?? "deny";
  const rule = set ? ruleName(set) : `default ${section}=${access}`;
  if (access === "allow" || (access === "read" && read)) return allow(action, rule);
  if (access === "read") return deny(action, rule, `${section} is read-only here`);
  return deny(action, set ? rule : "default-deny", `${section} requests are not allowed`);
}

function contentViolation(rules: Effective, req: Request): Violation | undefined {
  const { scope, restrict } = rules;
  if (req.target) {
    const v = scopeViolation(scope, req.target);
    if (v) return v;
  }
  switch (req.action) {
    case "containers.create": {
      const v = checkCreate(req.config, restrict);
      if (v) return v;
      for (const [key, what] of [
        ["NetworkMode", "network"],
        ["PidMode", "pid"],
        ["IpcMode", "ipc"],
      ] as const) {
        const mode = str(field(req.config, "HostConfig"), key);
        if (mode.startsWith("container:") && (scope.labels || scope.names)) {
          return {
            rule: (scope.labels ?? scope.names)!,
            reason: `--${what}=${mode} joins another container, which scoping cannot vouch for`,
          };
        }
      }
      return scopeViolation(scope, infoFromCreate(req.config, req.name ?? ""));
    }
    case "exec.create":
      return checkExec(req.exec, restrict);
    case "images.pull":
      return imageViolation(req.image ?? "", restrict);
    case "containers.rename":
      if (req.target && req.newName !== undefined) {
        return scopeViolation(scope, { ...req.target, name: req.newName.replace(/^\//, "") });
      }
      return undefined;
    default:
      return undefined;
  }
}

/** The message a denied caller sees (the CLI prints it after "Error response from daemon:"). */
export function denialMessage(d: Decision, user: string): string {
  const who = user === "" ? "" : ` for user ${JSON.stringify(user)}`;
  return `guard: ${d.action} denied${who} by rule ${d.rule}: ${d.reason}`;
}
