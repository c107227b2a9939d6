import { call } from "../../core/client.ts";
import { ErrorCodes, SwarmError, toErrorArgs } from "../../core/errors.ts";
import { type Message, message, type Sender } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";
import { DockerVerbs } from "../../docker/verbs.ts";
import { type Classified, classify, type Kind } from "./classify.ts";
import { type Decision, decide, denialMessage } from "./engine.ts";
import { filterEvent, filterIds, filterSummaries, inspectContainer } from "./filters.ts";
import type { DecisionLog } from "./log.ts";
import { type Effective, effectiveRules, type Policy, ruleName } from "./policy.ts";
import { type ContainerInfo, hasScope, infoFromCreate, scopeViolation } from "./scope.ts";

/**
 * Object wrappers. guard hands out only wrapped Senders: the root it reads from its input, and every
 * object that comes back in a reply (containers, execs, stdin streams), to any depth. Each request
 * to one of them is classified and decided before it goes any further; a denied request is answered
 * here and never reaches the backend.
 */

/** One caller's view: who they are, their rules, and where their requests go downstream. */
export interface Session {
  user: string;
  rules: Effective;
  /** The root downstream for this user (scoped by a later service if it answered `As`). */
  downstream: Sender;
  policy: Policy;
  decisions: DecisionLog;
  /** Whether this session came from `As` (a scoped root cannot be re-scoped). */
  identified: boolean;
}

export function anonymousSession(policy: Policy, downstream: Sender, decisions: DecisionLog): Session {
  return { user: "", rules: effectiveRules(policy, ""), downstream, policy, decisions, identified: false };
}

/** Answer a request guard refuses: `Error [message, FORBIDDEN]`, then close `ret`; drop its stream. */
async function refuse(msg: Message, text: string): Promise<void> {
  msg.att?.destroy();
  if (!msg.ret) return;
  try {
    await msg.ret.send(message(Verbs.Error, [text, ErrorCodes.Forbidden]));
  } catch {
    // The caller stopped listening; nothing to tell.
  } finally {
    msg.ret.close();
  }
}

async function replyError(msg: Message, err: unknown): Promise<void> {
  if (!msg.ret) return;
  try {
    await msg.ret.send(message(Verbs.Error, toErrorArgs(err)));
  } catch {
    // ignored: see refuse
  } finally {
    msg.ret.close();
  }
}

/** A Sender standing for a downstream object of a known kind. */
export class Guarded implements Sender {
  constructor(
    readonly kind: Kind,
    private readonly target: Sender,
    private readonly session: Session,
    /** The container this object is, or belongs to (container, exec, stdin). */
    private container?: ContainerInfo,
  ) {}

  async send(msg: Message): Promise<void> {
    let c: Classified;
    try {
      c = classify(this.kind, msg);
    } catch (err) {
      c = { type: "unknown", what: `${msg.verb} (${(err as Error).message})` };
    }
    const s = this.session;
    switch (c.type) {
      case "pass":
        return this.target.send(msg);
      case "unknown": {
        const d: Decision = {
          allow: false,
          action: c.what,
          rule: "default-deny",
          reason: "not a request guard knows",
        };
        s.decisions.record(s.user, d, this.container?.name);
        return refuse(msg, denialMessage(d, s.user));
      }
      case "raw":
        // Not a client's request but the frontend asking to stop parsing: bytes would bypass every
        // rule, so the answer is "not here" (the frontend keeps to messages), and no decision is logged.
        msg.att?.destroy();
        if (msg.ret) {
          await msg.ret
            .send(message(Verbs.Error, ["guard keeps the Docker API as messages", ErrorCodes.NotImplemented]))
            .catch(() => {});
          msg.ret.close();
        }
        return;
      case "identity":
        if (this.kind !== "root" || s.identified) {
          const d: Decision = {
            allow: false,
            action: "identity",
            rule: "identity",
            reason: "the identity is already set",
          };
          s.decisions.record(s.user, d);
          return refuse(msg, denialMessage(d, s.user));
        }
        // Not awaited: the answer needs a round trip downstream, and the input must keep flowing.
        void this.identify(msg, c.user);
        return;
      case "open":
        if (!msg.ret) return;
        return this.target.send({ ...msg, ret: this.openReplies(msg.ret, c.idOrName) });
      case "action": {
        const req = this.container ? { ...c.req, target: this.container } : c.req;
        const d = decide(s.rules, req);
        s.decisions.record(s.user, d, this.container?.name || this.container?.id.slice(0, 12));
        if (!d.allow) return refuse(msg, denialMessage(d, s.user));
        if (!msg.ret) return this.target.send(msg);
        const after =
          c.req.action === "containers.rename" ? () => this.renamed(c.req.newName ?? "") : undefined;
        return this.target.send({ ...msg, ret: this.replies(msg.ret, c, after) });
      }
    }
  }

  /**
   * Closing is EOF only where the protocol gives it a meaning: guard's own root (its input ended)
   * and a stdin stream. A scoped root may share guard's output, and a backend may hand the same
   * container object to several callers, so one caller's close must not end them for everyone.
   */
  close(): void {
    if (this.kind === "stdin" || (this.kind === "root" && !this.session.identified)) this.target.close();
  }

  private renamed(name: string): void {
    if (this.container) this.container = { ...this.container, name: name.replace(/^\//, "") };
  }

  /** `As [user]`: pass it on so later services learn the identity too, then hand back a scoped root. */
  private async identify(msg: Message, user: string): Promise<void> {
    const s = this.session;
    try {
      let downstream = this.target;
      try {
        const m = await call(this.target, DockerVerbs.As, [user], [Verbs.Ack]);
        if (m.ret) downstream = m.ret;
      } catch (err) {
        if (!(err instanceof SwarmError && err.code === ErrorCodes.NotImplemented)) throw err;
      }
      const scoped: Session = {
        user,
        rules: effectiveRules(s.policy, user),
        downstream,
        policy: s.policy,
        decisions: s.decisions,
        identified: true,
      };
      if (msg.ret) {
        await msg.ret.send(message(Verbs.Ack, [], { ret: new Guarded("root", downstream, scoped) }));
        msg.ret.close();
      }
    } catch (err) {
      await replyError(msg, err);
    }
  }

  /** Replies to an allowed request: objects handed back are wrapped; listings and events are scoped. */
  private replies(up: Sender, c: Extract<Classified, { type: "action" }>, onAck?: () => void): Sender {
    const s = this.session;
    const parent = this.container;
    return {
      send: async (m: Message): Promise<void> => {
        if (m.verb === Verbs.Ack && onAck) onAck();
        if (m.ret) {
          let info = parent;
          if (c.req.action === "containers.create")
            info = createdInfo(c.req.config, c.req.name ?? "", m.args[0] ?? "");
          const kind: Kind = m.verb === Verbs.Ack && c.handsBack ? c.handsBack : "sealed";
          m = { ...m, ret: new Guarded(kind, m.ret, s, info) };
        }
        if (c.filter && m.verb === Verbs.Set && hasScope(s.rules.scope)) {
          const filtered = await this.filter(c.filter, m);
          if (!filtered) return;
          m = filtered;
        }
        await up.send(m);
      },
      close: () => up.close(),
    };
  }

  private async filter(f: NonNullable<Extract<Classified, { type: "action" }>["filter"]>, m: Message) {
    const s = this.session;
    if (f === "ids") return { ...m, args: await filterIds(s.downstream, s.rules.scope, m.args) };
    if (f === "summaries") return { ...m, args: [filterSummaries(s.rules.scope, m.args[0] ?? "[]")] };
    return (await filterEvent(s.downstream, s.rules.scope, m.args[0] ?? "")) ? m : undefined;
  }

  /**
   * Replies to `Attach [idOrName]` on the root. With a scope in force, the container is inspected
   * before it is handed back, and one outside the scope is refused here.
   */
  private openReplies(up: Sender, idOrName: string): Sender {
    const s = this.session;
    return {
      send: async (m: Message): Promise<void> => {
        if (!(m.verb === Verbs.Ack && m.ret))
          return up.send(m.ret ? { ...m, ret: new Guarded("sealed", m.ret, s) } : m);
        const id = m.args[0] || idOrName;
        let info: ContainerInfo = {
          id,
          name: /^[0-9a-f]{12,64}$/.test(idOrName) ? "" : idOrName,
          labels: {},
        };
        if (hasScope(s.rules.scope)) {
          const inspected = await inspectContainer(m.ret, id);
          const v = inspected ? scopeViolation(s.rules.scope, inspected) : undefined;
          if (!inspected || v) {
            const d: Decision = {
              allow: false,
              action: "containers.open",
              rule: v ? ruleName(v.rule) : "scope",
              reason: v ? v.reason : `container ${idOrName} could not be inspected to check its scope`,
            };
            s.decisions.record(s.user, d, idOrName);
            await up.send(message(Verbs.Error, [denialMessage(d, s.user), ErrorCodes.Forbidden]));
            return;
          }
          info = inspected;
        }
        await up.send({ ...m, ret: new Guarded("container", m.ret, s, info) });
      },
      close: () => up.close(),
    };
  }
}

/** What guard knows of a container it just saw created (its labels cannot change afterwards). */
function createdInfo(config: unknown, name: string, id: string): ContainerInfo {
  try {
    return infoFromCreate(config, name, id);
  } catch {
    // Ambiguous labels: decide() refused that already when a scope is in force; otherwise unused.
    return { id, name, labels: {} };
  }
}
