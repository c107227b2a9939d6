import { copy } from "../../core/copy.ts";
import { defineService } from "../service.ts";
import { parseGuardArgs, USAGE } from "./args.ts";
import { decisionLog } from "./log.ts";
import { anonymousSession, Guarded } from "./wrap.ts";

/**
 * `guard`: a policy in the middle of a chain. It reads requests from its input (docs/PROTOCOL.md
 * §6), decides each one, forwards the allowed ones to its output and answers the denied ones itself
 * with `Error [message, SWARM_ERR_FORBIDDEN]`. Default deny: without a policy only the read-only set
 * passes. A bad policy stops it at start, pointing at the line.
 */
export const guard = defineService({
  name: "guard",
  summary:
    "allow or deny each Docker request by policy (default: read-only); denials are 403s naming the rule",
  usage: USAGE,
  create(args, ctx) {
    const policy = parseGuardArgs(args);
    const decisions = decisionLog(ctx.log);
    ctx.log.info(
      { readOnly: policy.readOnly, users: [...policy.users.keys()] },
      `guard ready${policy.readOnly ? " (read-only)" : ""}`,
    );
    return async ({ input, output }) => {
      const root = new Guarded("root", output, anonymousSession(policy, output, decisions));
      await copy(root, input);
    };
  },
});
