import type { Logger } from "../../core/logger.ts";
import type { Decision } from "./engine.ts";

/**
 * Decision logging: one structured line per decision with user, action, allow/deny and rule, and
 * the container it was about. Request content (env values, configs, auth) is never logged: only
 * names guard itself computed.
 */

export interface DecisionRecord {
  guard: "decision";
  user: string;
  action: string;
  decision: "allow" | "deny";
  rule: string;
  container?: string;
  reason?: string;
}

export interface DecisionLog {
  record(user: string, d: Decision, container?: string): void;
  /** Counts since start, for tests and `Get` introspection. */
  readonly counts: { allow: number; deny: number };
}

export function decisionLog(log: Logger): DecisionLog {
  const counts = { allow: 0, deny: 0 };
  return {
    counts,
    record(user, d, container) {
      const rec: DecisionRecord = {
        guard: "decision",
        user,
        action: d.action,
        decision: d.allow ? "allow" : "deny",
        rule: d.rule,
      };
      if (container) rec.container = container;
      if (!d.allow) rec.reason = d.reason;
      counts[rec.decision]++;
      const who = user === "" ? "anonymous" : user;
      if (d.allow) log.info(rec, `guard allow ${d.action} (${who}, ${d.rule})`);
      else log.warn(rec, `guard deny ${d.action} (${who}, ${d.rule}): ${d.reason}`);
    },
  };
}
