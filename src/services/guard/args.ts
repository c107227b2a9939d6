import { InvalidArgumentError } from "../../core/errors.ts";
import { actionsNamedBy } from "./actions.ts";
import { loadPolicyFile } from "./load.ts";
import { emptyPolicy, type Policy } from "./policy.ts";

export const USAGE = "guard [--policy FILE] [--read-only] [--allow ACTION|SECTION|VERB …]";

/**
 * `guard [--policy FILE] [--read-only] [--allow WORD…]` → a Policy. `--allow` takes one or more
 * words (also `--allow=a,b`): an action or action glob (`containers.start`, `exec.*`), a section
 * (`exec`), or a protocol verb (`Kill`). Anything unknown is an error, never ignored.
 */
export function parseGuardArgs(args: readonly string[]): Policy {
  let policyFile: string | undefined;
  let readOnly = false;
  const allows: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] =
      a.startsWith("--") && a.includes("=")
        ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
        : [a, undefined];
    if (flag === "--read-only") {
      if (inline !== undefined) throw new InvalidArgumentError("guard: --read-only takes no value");
      readOnly = true;
    } else if (flag === "--policy") {
      const v = inline ?? args[++i];
      if (!v) throw new InvalidArgumentError(`guard: --policy needs a file\nusage: ${USAGE}`);
      if (policyFile) throw new InvalidArgumentError("guard: --policy given twice");
      policyFile = v;
    } else if (flag === "--allow") {
      const words: string[] = [];
      if (inline !== undefined) words.push(inline);
      else while (i + 1 < args.length && !args[i + 1]!.startsWith("-")) words.push(args[++i]!);
      const split = words
        .flatMap((w) => w.split(","))
        .map((w) => w.trim())
        .filter(Boolean);
      if (split.length === 0)
        throw new InvalidArgumentError(`guard: --allow needs an action, section or verb\nusage: ${USAGE}`);
      for (const w of split) {
        if (actionsNamedBy(w).length === 0) {
          throw new InvalidArgumentError(
            `guard: --allow ${w}: names no action (try containers.start, exec, Kill)`,
          );
        }
      }
      allows.push(...split);
    } else {
      throw new InvalidArgumentError(`guard: unexpected argument ${JSON.stringify(a)}\nusage: ${USAGE}`);
    }
  }
  if (readOnly && allows.length > 0) {
    throw new InvalidArgumentError(
      "guard: --read-only lets exactly the read-only set through; it cannot be combined with --allow",
    );
  }
  const policy = policyFile ? loadPolicyFile(policyFile) : emptyPolicy();
  policy.readOnly = readOnly;
  for (const w of allows) policy.base.allow.push({ value: w, rule: `--allow ${w}` });
  return policy;
}
