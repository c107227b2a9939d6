import { type Action, LIFECYCLE_KEYS, type LifecycleKey, type Section } from "./actions.ts";

/**
 * A guard policy, as loaded from YAML (load.ts) or built from the command line. Every value
 * remembers where it came from, so a denial can name the rule that made it (`restrict.privileged`,
 * `users.alice.scope.labels`) and the line it is on.
 */

export type Access = "allow" | "read" | "deny";

/** A value with its provenance: the rule's key path, and `file:line` when it came from a file. */
export interface Located<T> {
  value: T;
  rule: string;
  at?: string;
}

/** Content rules for containers.create and exec.create. `true` means the thing is allowed. */
export interface Restrict {
  privileged: Located<boolean>;
  host_network: Located<boolean>;
  host_pid: Located<boolean>;
  host_ipc: Located<boolean>;
  host_uts: Located<boolean>;
  host_userns: Located<boolean>;
  host_cgroupns: Located<boolean>;
  /** Capabilities that `--cap-add` may name (upper case, without `CAP_`), or every one. */
  capabilities: Located<readonly string[] | "all">;
  devices: Located<boolean>;
  /** Host paths bind mounts may come from (a path and everything below it), or any path. */
  binds: Located<readonly string[] | "all">;
  /** `seccomp=unconfined`, `apparmor=unconfined`, `label=disable`, `systempaths=unconfined`. */
  security_opt: Located<boolean>;
  /** An explicit `--user root` / `0`. */
  user_root: Located<boolean>;
  /** Refuse a container or exec without an explicit user (the image default is often root). */
  require_user: Located<boolean>;
  /** Image patterns (create and pull): allowed ones (`["*"]` = all) and denied ones. */
  images_allow: Located<readonly string[]>;
  images_deny: Located<readonly string[]>;
}
export type RestrictKey = keyof Restrict;

/** Which containers a user may see and touch; a container must match every rule given. */
export interface Scope {
  labels?: Located<Readonly<Record<string, string>>>;
  names?: Located<readonly string[]>;
}

/** One level of rules: the top level of a policy, or one user's overrides. */
export interface RuleSet {
  sections: Partial<Record<Section | LifecycleKey, Located<Access>>>;
  allow: Located<string>[];
  deny: Located<string>[];
  restrict: Partial<Restrict>;
  scope: Scope;
}

export interface Policy {
  base: RuleSet;
  users: Map<string, RuleSet>;
  /** Only actions of the read-only set pass, whatever the rules say. */
  readOnly: boolean;
}

/** The rules in force for one user: the top level, with that user's keys on top. */
export interface Effective {
  user: string;
  sections: Partial<Record<Section | LifecycleKey, Located<Access>>>;
  allow: Located<string>[];
  deny: Located<string>[];
  restrict: Restrict;
  scope: Scope;
  readOnly: boolean;
}

const def = <T>(value: T, key: string): Located<T> => ({ value, rule: `default restrict.${key}` });

/** Dangerous content is refused unless a policy allows it. `user_root` is allowed: see the docs. */
export const DEFAULT_RESTRICT: Restrict = {
  privileged: def(false, "privileged"),
  host_network: def(false, "host_network"),
  host_pid: def(false, "host_pid"),
  host_ipc: def(false, "host_ipc"),
  host_uts: def(false, "host_uts"),
  host_userns: def(false, "host_userns"),
  host_cgroupns: def(false, "host_cgroupns"),
  capabilities: def([], "capabilities"),
  devices: def(false, "devices"),
  binds: def([], "binds"),
  security_opt: def(false, "security_opt"),
  user_root: def(true, "user_root"),
  require_user: def(false, "require_user"),
  images_allow: def(["*"], "images_allow"),
  images_deny: def([], "images_deny"),
};

/**
 * Section defaults, which together are exactly the read-only set: ping, version, info and events
 * pass; containers and images are readable; everything else is denied.
 */
export const DEFAULT_SECTIONS: Partial<Record<Section, Access>> = {
  ping: "allow",
  version: "allow",
  info: "allow",
  events: "allow",
  containers: "read",
  images: "read",
};

export function emptyRuleSet(): RuleSet {
  return { sections: {}, allow: [], deny: [], restrict: {}, scope: {} };
}

export function emptyPolicy(): Policy {
  return { base: emptyRuleSet(), users: new Map(), readOnly: false };
}

/** The rules for `user`: keys the user's entry sets replace the top level's; allow/deny lists add up. */
export function effectiveRules(policy: Policy, user: string): Effective {
  const own = policy.users.get(user);
  const base = policy.base;
  return {
    user,
    sections: { ...base.sections, ...own?.sections },
    allow: [...base.allow, ...(own?.allow ?? [])],
    deny: [...base.deny, ...(own?.deny ?? [])],
    restrict: { ...DEFAULT_RESTRICT, ...base.restrict, ...own?.restrict },
    scope: { ...base.scope, ...own?.scope },
    readOnly: policy.readOnly,
  };
}

/** Actions a lifecycle key (`start`, `stop`, `restart`) grants. */
export function lifecycleActions(key: LifecycleKey): readonly Action[] {
  return LIFECYCLE_KEYS[key];
}

/** How a rule is named in a denial: `restrict.privileged (policy.yaml:12)`. */
export function ruleName(l: { rule: string; at?: string }): string {
  return l.at ? `${l.rule} (${l.at})` : l.rule;
}
