import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { InvalidArgumentError } from "../../core/errors.ts";
import {
  actionsNamedBy,
  LIFECYCLE_KEYS,
  type LifecycleKey,
  READABLE_SECTIONS,
  SECTIONS,
  type Section,
  UNCARRIED_SECTIONS,
} from "./actions.ts";
import {
  type Access,
  DEFAULT_RESTRICT,
  emptyPolicy,
  emptyRuleSet,
  type Located,
  type Policy,
  type Restrict,
  type RestrictKey,
  type RuleSet,
} from "./policy.ts";

/**
 * The policy file loader. Anything it does not understand stops guard with a message that points
 * at the line: unknown keys, wrong types, unknown actions, duplicate keys. It never guesses.
 */

const MAX_POLICY_BYTES = 1 << 20;

export class PolicyError extends InvalidArgumentError {}

/** Read and parse a policy file. Throws PolicyError naming `file:line:col` on any problem. */
export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error("not a regular file");
    if (st.size > MAX_POLICY_BYTES) throw new Error(`larger than ${MAX_POLICY_BYTES} bytes`);
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new PolicyError(`guard: cannot read policy ${path}: ${(err as Error).message}`);
  }
  return parsePolicy(text, path);
}

/** Parse policy YAML. `file` names the source in errors and in rule provenance. */
export function parsePolicy(text: string, file = "policy"): Policy {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: true });
  const short = basename(file);
  const where = (offset: number) => {
    const p = lc.linePos(offset);
    return { full: `${file}:${p.line}:${p.col}`, short: `${short}:${p.line}` };
  };
  const first = doc.errors[0];
  if (first) {
    const at = where(first.pos[0]).full;
    const msg = first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    throw new PolicyError(`guard: invalid policy ${at}: ${msg}`);
  }
  return new Reader(doc, where).policy();
}

type Where = (offset: number) => { full: string; short: string };

const RULESET_KEYS = [
  ...SECTIONS,
  ...(Object.keys(LIFECYCLE_KEYS) as LifecycleKey[]),
  "allow",
  "deny",
  "restrict",
  "scope",
] as const;
const TOP_KEYS = [...RULESET_KEYS, "users"] as const;
const RESTRICT_KEYS = [...(Object.keys(DEFAULT_RESTRICT) as RestrictKey[]), "images"].filter(
  (k) => k !== "images_allow" && k !== "images_deny",
);
const BOOL_RESTRICT: ReadonlySet<string> = new Set([
  "privileged",
  "host_network",
  "host_pid",
  "host_ipc",
  "host_uts",
  "host_userns",
  "host_cgroupns",
  "devices",
  "security_opt",
  "user_root",
]);
const USER_NAME = /^[^\s]{1,256}$/;

class Reader {
  constructor(
    private readonly doc: Document,
    private readonly where: Where,
  ) {}

  private fail(node: Node | null | undefined, msg: string): never {
    const at = node?.range ? this.where(node.range[0]).full : this.where(0).full.replace(/:\d+:\d+$/, "");
    throw new PolicyError(`guard: invalid policy ${at}: ${msg}`);
  }

  private loc<T>(node: Node, value: T, rule: string): Located<T> {
    return { value, rule, at: node.range ? this.where(node.range[0]).short : undefined } as Located<T>;
  }

  private deref(node: unknown): Node {
    if (isAlias(node)) return this.deref(node.resolve(this.doc));
    return node as Node;
  }

  /** The entries of a mapping, keys checked against `allowed`. */
  private entries(node: Node, path: string, allowed: readonly string[] | null): [string, Node, Node][] {
    if (!isMap(node)) this.fail(node, `${path || "the policy"} must be a mapping (key: value)`);
    const out: [string, Node, Node][] = [];
    for (const pair of node.items) {
      const k = pair.key as Node;
      if (!isScalar(k) || typeof k.value !== "string") this.fail(k, `keys must be plain strings`);
      const key = k.value;
      if (allowed && !allowed.includes(key)) {
        const near = allowed.filter((a) => similar(a, key));
        const hint = near.length
          ? ` (did you mean ${near.join(" or ")}?)`
          : ` (expected one of: ${allowed.join(", ")})`;
        this.fail(k, `unknown key ${JSON.stringify(key)}${path ? ` in ${path}` : ""}${hint}`);
      }
      if (pair.value === null || pair.value === undefined) this.fail(k, `${join(path, key)} has no value`);
      out.push([key, k, this.deref(pair.value)]);
    }
    return out;
  }

  private str(node: Node, path: string): string {
    if (!isScalar(node) || typeof node.value !== "string") this.fail(node, `${path} must be a string`);
    return node.value;
  }

  private bool(node: Node, path: string): boolean {
    if (!isScalar(node) || typeof node.value !== "boolean") this.fail(node, `${path} must be true or false`);
    return node.value;
  }

  private strList(node: Node, path: string): string[] {
    if (!isSeq(node)) this.fail(node, `${path} must be a list`);
    return node.items.map((item, i) => {
      const n = this.deref(item);
      const s = this.str(n, `${path}[${i}]`);
      if (s === "") this.fail(n, `${path}[${i}] must not be empty`);
      return s;
    });
  }

  private oneOf<T extends string>(node: Node, path: string, choices: readonly T[]): T {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== "string" || !(choices as readonly string[]).includes(v)) {
      this.fail(node, `${path} must be ${choices.join(" or ")}, got ${describeValue(node)}`);
    }
    return v as T;
  }

  policy(): Policy {
    const root = this.doc.contents as Node | null;
    if (root === null || (isScalar(root) && root.value === null)) {
      this.fail(root, "the policy is empty (an empty policy would be the defaults: write them out instead)");
    }
    const policy = emptyPolicy();
    const entries = this.entries(root, "", TOP_KEYS);
    for (const [key, , value] of entries) {
      if (key === "users") {
        for (const [user, k, body] of this.entries(value, "users", null)) {
          if (!USER_NAME.test(user))
            this.fail(k, `user name ${JSON.stringify(user)} must be non-empty, without spaces`);
          policy.users.set(user, this.ruleSet(body, `users.${user}`, RULESET_KEYS));
        }
      }
    }
    const topOnly = entries.filter(([k]) => k !== "users");
    policy.base = this.ruleSetFrom(topOnly, "");
    return policy;
  }

  private ruleSet(node: Node, path: string, allowed: readonly string[]): RuleSet {
    return this.ruleSetFrom(this.entries(node, path, allowed), path);
  }

  private ruleSetFrom(entries: [string, Node, Node][], path: string): RuleSet {
    const rs = emptyRuleSet();
    for (const [key, keyNode, value] of entries) {
      const p = join(path, key);
      if ((SECTIONS as readonly string[]).includes(key)) {
        rs.sections[key as Section] = this.loc(keyNode, this.section(key as Section, value, p), p);
      } else if (key in LIFECYCLE_KEYS) {
        rs.sections[key as LifecycleKey] = this.loc(
          keyNode,
          this.oneOf(value, p, ["allow", "deny"] as const),
          p,
        );
      } else if (key === "allow" || key === "deny") {
        rs[key] = this.actionList(value, p);
      } else if (key === "restrict") {
        rs.restrict = this.restrict(value, p);
      } else if (key === "scope") {
        rs.scope = this.scope(value, p);
      }
    }
    return rs;
  }

  private section(key: Section, node: Node, path: string): Access {
    if (UNCARRIED_SECTIONS.has(key)) {
      const v = isScalar(node) ? node.value : undefined;
      if (v === "deny") return "deny";
      this.fail(
        node,
        `${path}: the Docker mapping carries no ${key} requests, so they are always denied; only "deny" is accepted`,
      );
    }
    if (key === "version" && isScalar(node) && typeof node.value === "number") {
      this.fail(
        node,
        `${path} is the docker version section (allow or deny); policies carry no format version`,
      );
    }
    const choices: Access[] = READABLE_SECTIONS.has(key) ? ["allow", "read", "deny"] : ["allow", "deny"];
    return this.oneOf(node, path, choices);
  }

  private actionList(node: Node, path: string): Located<string>[] {
    if (!isSeq(node)) this.fail(node, `${path} must be a list of actions (e.g. [containers.start, exec.*])`);
    return node.items.map((item, i) => {
      const n = this.deref(item);
      const word = this.str(n, `${path}[${i}]`);
      if (actionsNamedBy(word).length === 0) {
        this.fail(
          n,
          `${path}[${i}]: ${JSON.stringify(word)} names no action (see docs/services/guard.md for the list)`,
        );
      }
      return this.loc(n, word, `${path}[${i}]`);
    });
  }

  private restrict(node: Node, path: string): Partial<Restrict> {
    const out: Partial<Record<RestrictKey, Located<unknown>>> = {};
    for (const [key, keyNode, value] of this.entries(node, path, RESTRICT_KEYS)) {
      const p = join(path, key);
      if (BOOL_RESTRICT.has(key)) {
        out[key as RestrictKey] = this.loc(
          keyNode,
          this.oneOf(value, p, ["allow", "deny"] as const) === "allow",
          p,
        );
      } else if (key === "require_user") {
        out.require_user = this.loc(keyNode, this.bool(value, p), p);
      } else if (key === "capabilities") {
        out.capabilities = this.loc(keyNode, this.listOrAll(value, p, normalizeCap), p);
      } else if (key === "binds") {
        out.binds = this.loc(
          keyNode,
          this.listOrAll(value, p, (s, n) => this.hostPath(s, n, p)),
          p,
        );
      } else if (key === "images") {
        for (const [k2, kn2, v2] of this.entries(value, p, ["allow", "deny"])) {
          out[k2 === "allow" ? "images_allow" : "images_deny"] = this.loc(
            kn2,
            this.strList(v2, join(p, k2)),
            join(p, k2),
          );
        }
      }
    }
    return out as Partial<Restrict>;
  }

  /** `allow` (anything), `deny` (nothing) or a list. */
  private listOrAll(
    node: Node,
    path: string,
    norm: (s: string, n: Node) => string,
  ): readonly string[] | "all" {
    if (isScalar(node)) {
      const v = this.oneOf(node, path, ["allow", "deny"] as const);
      return v === "allow" ? "all" : [];
    }
    if (!isSeq(node)) this.fail(node, `${path} must be allow, deny or a list`);
    return node.items.map((item, i) => {
      const n = this.deref(item);
      return norm(this.str(n, `${path}[${i}]`), n);
    });
  }

  private hostPath(s: string, n: Node, path: string): string {
    if (!s.startsWith("/")) this.fail(n, `${path}: ${JSON.stringify(s)} must be an absolute host path`);
    if (s.split("/").includes("..")) this.fail(n, `${path}: ${JSON.stringify(s)} must not contain ".."`);
    return s.length > 1 ? s.replace(/\/+$/, "") : s;
  }

  private scope(node: Node, path: string): RuleSet["scope"] {
    const out: RuleSet["scope"] = {};
    for (const [key, keyNode, value] of this.entries(node, path, ["labels", "names"])) {
      const p = join(path, key);
      if (key === "labels") {
        const labels: Record<string, string> = {};
        for (const [lk, , lv] of this.entries(value, p, null)) {
          if (isScalar(lv) && (typeof lv.value === "number" || typeof lv.value === "boolean")) {
            labels[lk] = String(lv.value);
          } else labels[lk] = this.str(lv, join(p, lk));
        }
        if (Object.keys(labels).length === 0) this.fail(value, `${p} must name at least one label`);
        out.labels = this.loc(keyNode, labels, p);
      } else {
        out.names = this.loc(keyNode, this.strList(value, p), p);
      }
    }
    return out;
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** `cap_net_admin` → `NET_ADMIN`: the engine accepts both spellings. */
export function normalizeCap(s: string): string {
  const u = s.toUpperCase();
  return u.startsWith("CAP_") ? u.slice(4) : u;
}

function describeValue(node: Node): string {
  if (isScalar(node)) return JSON.stringify(node.value);
  if (isSeq(node)) return "a list";
  if (isMap(node)) return "a mapping";
  return "something else";
}

/** Keys one edit apart, or differing only in case, `-`/`_`: the likely typos. */
function similar(a: string, b: string): boolean {
  const na = a.toLowerCase().replace(/-/g, "_");
  const nb = b.toLowerCase().replace(/-/g, "_");
  if (na === nb) return true;
  if (Math.abs(na.length - nb.length) > 1) return false;
  let i = 0;
  while (i < na.length && na[i] === nb[i]) i++;
  const rest = (x: string, n: number) => x.slice(i + n);
  return rest(na, 1) === rest(nb, 1) || rest(na, 1) === rest(nb, 0) || rest(na, 0) === rest(nb, 1);
}
