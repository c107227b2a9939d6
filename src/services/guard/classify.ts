import type { Message } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";
import { dockerApiStream } from "../../docker/passthrough.ts";
import { DockerVerbs } from "../../docker/verbs.ts";
import type { Action } from "./actions.ts";
import type { Request } from "./engine.ts";

/**
 * The request classifier: (what the message is sent to, verb, args) → an action of actions.ts,
 * with the content the engine inspects. It follows docs/PROTOCOL.md §6 exactly; anything else is
 * `unknown` and denied.
 */

/** What a Sender guard hands out stands for. */
export type Kind =
  /** The backend root (§6.1), possibly scoped to a user (§6.7). */
  | "root"
  /** A container object (§6.2). */
  | "container"
  /** An exec object (§6.3). */
  | "exec"
  /** The stdin of an attach or an exec start (§6.6.2): only `Log ["stdin", chunk]` goes there. */
  | "stdin"
  /** An object guard cannot classify: every request to it is denied. */
  | "sealed";

/** How guard treats the replies of an allowed request. */
export type ReplyFilter = "ids" | "summaries" | "events";

export type Classified =
  | {
      type: "action";
      req: Request;
      /** The kind of object the `Ack` hands back, if any (anything unexpected is sealed). */
      handsBack?: Kind;
      filter?: ReplyFilter;
    }
  /** `As [user]` on the root (§6.7). */
  | { type: "identity"; user: string }
  /** `Attach [idOrName]` on the root: a lookup; what is done with the container is checked later. */
  | { type: "open"; idOrName: string }
  /** The frontend's offer of a raw pass-through (`Connect ["docker-api"]`, §6.8): never passed on. */
  | { type: "raw" }
  /** One-way messages that are not requests (a stage's Log lines and fatal Errors), and stdin data. */
  | { type: "pass" }
  | { type: "unknown"; what: string };

const act = (
  action: Action,
  extra: Omit<Request, "action"> = {},
  handsBack?: Kind,
  filter?: ReplyFilter,
): Classified => ({
  type: "action",
  req: { action, ...extra },
  ...(handsBack && { handsBack }),
  ...(filter && { filter }),
});

export function classify(kind: Kind, msg: Message): Classified {
  const { verb, args } = msg;
  if (!msg.ret) {
    // A stage's own Log lines and fatal Errors travel down the chain to swarmd; stdin is data.
    if (kind === "root" && (verb === Verbs.Log || verb === Verbs.Error)) return { type: "pass" };
    if (kind === "stdin" && verb === Verbs.Log) return { type: "pass" };
  }
  switch (kind) {
    case "root":
      return classifyRoot(verb, args);
    case "container":
      return classifyContainer(verb, args);
    case "exec":
      if (verb === Verbs.Get) return act("exec.inspect");
      if (verb === Verbs.Start) return act("exec.start", {}, "stdin");
      if (verb === DockerVerbs.Resize) return act("exec.resize");
      return unknown("exec", verb);
    case "stdin":
      return unknown("stdin stream", verb);
    case "sealed":
      return unknown("unclassified object", verb);
  }
}

const WHERE: Record<string, string> = {
  root: "the root",
  container: "a container",
  exec: "an exec",
  "stdin stream": "a stdin stream",
  "unclassified object": "an unclassified object",
};

function unknown(where: string, verb: string): Classified {
  return { type: "unknown", what: `${verb} on ${WHERE[where] ?? where}` };
}

function classifyRoot(verb: string, args: readonly string[]): Classified {
  switch (verb) {
    case Verbs.Get: {
      const what = args[0] ?? "info";
      if (what === "" || what === "info") return act("system.info");
      if (what === "version") return act("system.version");
      if (what === "df") return act("system.df");
      if (what === "containers") return act("containers.list", {}, undefined, "summaries");
      if (what === "images") return act("images.list");
      if (what === "image") return act("images.inspect");
      return unknown("root", `Get ${JSON.stringify(what)}`);
    }
    case Verbs.Ls:
      return act("containers.list", {}, undefined, "ids");
    case Verbs.Attach:
      if (!args[0]) return unknown("root", "Attach without a container");
      return { type: "open", idOrName: args[0] };
    case Verbs.Spawn: {
      const raw = args[0] ?? "";
      const config = parse(raw);
      const name = args[1] ?? "";
      if (config === undefined) {
        return act(
          "containers.create",
          { name, unreadable: "the create config is not a JSON object" },
          "container",
        );
      }
      return act("containers.create", { config, name }, "container");
    }
    case DockerVerbs.Pull: {
      const image = args[0] ?? "";
      const tag = args[1] ?? "";
      const ref = tag === "" ? image : tag.includes(":") ? `${image}@${tag}` : `${image}:${tag}`;
      return act("images.pull", { image: ref });
    }
    case Verbs.Watch:
      return act("events", {}, undefined, "events");
    case DockerVerbs.As:
      return { type: "identity", user: args[0] ?? "" };
    case Verbs.Connect:
      return args[0] === dockerApiStream ? { type: "raw" } : unknown("root", verb);
    default:
      return unknown("root", verb);
  }
}

function classifyContainer(verb: string, args: readonly string[]): Classified {
  switch (verb) {
    case Verbs.Get: {
      const what = args[0] ?? "";
      if (what === "" || what === "inspect") return act("containers.inspect");
      if (what === "top") return act("containers.top");
      return unknown("container", `Get ${JSON.stringify(what)}`);
    }
    case Verbs.Start:
      return act("containers.start");
    case Verbs.Stop:
      return act("containers.stop");
    case DockerVerbs.Kill:
      return act("containers.kill");
    case DockerVerbs.Restart:
      return act("containers.restart");
    case DockerVerbs.Pause:
      return act("containers.pause");
    case DockerVerbs.Unpause:
      return act("containers.unpause");
    case DockerVerbs.Rename:
      return act("containers.rename", { newName: args[0] ?? "" });
    case DockerVerbs.Remove:
      return act("containers.remove");
    case DockerVerbs.Wait:
      return act("containers.wait");
    case DockerVerbs.Logs:
      return act("containers.logs");
    case Verbs.Attach:
      if ((args[0] ?? "") !== "") return unknown("container", `Attach ${JSON.stringify(args[0])}`);
      return act("containers.attach", {}, "stdin");
    case DockerVerbs.Resize:
      return act("containers.resize");
    case DockerVerbs.Exec: {
      const exec = parse(args[0] ?? "");
      if (exec === undefined)
        return act("exec.create", { unreadable: "the exec config is not a JSON object" }, "exec");
      return act("exec.create", { exec }, "exec");
    }
    default:
      return unknown("container", verb);
  }
}

function parse(raw: string): unknown {
  try {
    const v: unknown = JSON.parse(raw);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
