import { InvalidArgumentError } from "../../core/errors.ts";

/**
 * Scheduling expressions, as classic Swarm wrote them: `key==value` or `key!=value`, where value is
 * a glob (`node-*`) or a regular expression between slashes (`/node-[12]/`), and a leading `~` on
 * the value makes the expression soft (preferred, dropped when no node satisfies it).
 */
export interface Expr {
  key: string;
  op: "==" | "!=";
  /** The value as written, without `~`. */
  value: string;
  soft: boolean;
  /** `kind:key==value` as the user wrote it, for error messages. */
  text: string;
  test(candidate: string): boolean;
}

const exprPattern = /^\s*([A-Za-z_][A-Za-z0-9_.\-/]*)\s*(==|!=)\s*(.*?)\s*$/;

/** A glob or a /regex/ as a matcher of whole strings. */
export function valueMatcher(value: string): (s: string) => boolean {
  if (value.length >= 2 && value.startsWith("/") && value.endsWith("/")) {
    let re: RegExp;
    try {
      re = new RegExp(value.slice(1, -1));
    } catch (err) {
      throw new InvalidArgumentError(`invalid regular expression ${value}: ${(err as Error).message}`);
    }
    return (s) => re.test(s);
  }
  const source = value
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  const re = new RegExp(`^${source}$`);
  return (s) => re.test(s);
}

/** Parse one expression; `kind` (constraint, affinity) only names it in errors. */
export function parseExpr(kind: string, text: string): Expr {
  const m = exprPattern.exec(text);
  if (!m || m[3] === "" || m[3] === "~") {
    throw new InvalidArgumentError(
      `invalid ${kind} expression ${JSON.stringify(text)}: expected key==value or key!=value (value a glob or /regex/, ~ for soft)`,
    );
  }
  const soft = m[3]!.startsWith("~");
  const value = soft ? m[3]!.slice(1) : m[3]!;
  const match = valueMatcher(value);
  const op = m[2] as "==" | "!=";
  return {
    key: m[1]!,
    op,
    value,
    soft,
    text: `${kind}:${m[1]}${op}${soft ? "~" : ""}${value}`,
    test: (s) => match(s),
  };
}

/** Does a set of candidate strings satisfy the expression? `==`: one matches; `!=`: none matches. */
export function satisfies(expr: Expr, candidates: readonly string[]): boolean {
  const any = candidates.some((c) => expr.test(c));
  return expr.op === "==" ? any : !any;
}
