import type { Logger } from "../core/logger.ts";
import type { Message, Receiver, Sender } from "../core/message.ts";
import type { Tree } from "../core/tree.ts";
import { Verbs } from "../core/verbs.ts";
import { spawnService } from "../services/registry.ts";
import type { SpawnedService } from "../services/service.ts";

export interface Pipeline {
  stages: SpawnedService[];
  /** Settles when the last stage's output ends; rejects on a fatal Error from any stage. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Forward a stage's output into the next stage's input. One-way `Error` messages (no `ret`) are a
 * stage reporting a fatal failure: they are raised to swarmd instead of being passed on.
 */
async function link(from: Receiver, to: Sender | undefined, onLog: (m: Message) => void): Promise<void> {
  try {
    for await (const msg of from) {
      if (msg.verb === Verbs.Error && !msg.ret) {
        throw new Error(msg.args[0] ?? "service failed");
      }
      if (!to) {
        if (msg.verb === Verbs.Log) onLog(msg);
        else settle(msg); // nothing after the last stage answers requests
        continue;
      }
      try {
        await to.send(msg);
      } catch {
        settle(msg);
        break;
      }
    }
  } finally {
    to?.close();
  }
}

/** A message nobody will handle: its caller gets NO_REPLY, and its byte stream is released. */
function settle(msg: Message): void {
  msg.ret?.close();
  msg.att?.destroy();
}

/**
 * Build a pipeline as the original swarmd did: for each command line, spawn an instance, attach to it,
 * feed the previous instance's output into its input, and start it (docs/PROTOCOL.md §5.4).
 */
export async function buildPipeline(catalogue: Tree, commandLines: string[], log: Logger): Promise<Pipeline> {
  const stages: SpawnedService[] = [];
  try {
    for (const line of commandLines) stages.push(await spawnService(catalogue, line, log));
  } catch (err) {
    for (const s of stages.reverse()) await s.stop();
    throw err;
  }
  const printLog = (m: Message) => log.info({ from: "pipeline" }, m.args.join(" "));
  const links = stages.map((stage, i) => link(stage.output, stages[i + 1]?.input.target, printLog));
  let stopped: Promise<void> | undefined;
  return {
    stages,
    done: Promise.all(links).then(() => undefined),
    stop() {
      // Every caller waits for the same stop, so none goes on while the chain is still running.
      stopped ??= (async () => {
        // The frontend stops taking requests first; then every service behind it stops at once, so
        // one slow to stop (exec waiting on its processes) does not use up the others' time.
        const [front, ...rest] = stages;
        await front?.stop();
        await Promise.all(rest.map((s) => s.stop()));
      })();
      return stopped;
    },
  };
}
