import { split } from "shlex";
import { Client } from "../core/client.ts";
import { InvalidArgumentError, NotFoundError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { ack, Server } from "../core/server.ts";
import { task } from "../core/task.ts";
import { Tree } from "../core/tree.ts";
import { Verbs } from "../core/verbs.ts";
import type { ServiceContext, ServiceDefinition, SpawnedService } from "./service.ts";

/** Split a service command line like a shell; quotes nest (`aggregate "simulator a" "simulator b"`). */
export function splitCommandLine(commandLine: string): string[] {
  let words: string[];
  try {
    words = split(commandLine);
  } catch (err) {
    throw new InvalidArgumentError(`cannot parse ${JSON.stringify(commandLine)}: ${(err as Error).message}`);
  }
  if (words.length === 0) throw new InvalidArgumentError("empty service command line");
  return words;
}

let instanceCounter = 0;

/**
 * The catalogue as a Tree: one child per service. Each child answers `Spawn args` with an `Ack`
 * whose `ret` is a new Task instance (Attach "", Start, Stop, Get).
 */
export function buildCatalogue(defs: readonly ServiceDefinition[], log: Logger): Tree {
  const catalogue = new Tree();
  for (const def of defs) {
    const factory = new Server().on(Verbs.Spawn, async (msg) => {
      const id = `${def.name}#${++instanceCounter}`;
      const ctx: ServiceContext = {
        log: log.child({ service: def.name, instance: id }),
        spawn: (commandLine) => spawnService(catalogue, commandLine, log),
      };
      const body = await def.create([...msg.args], ctx);
      await ack(msg, [id], task(body));
    });
    catalogue.bind(def.name, factory);
  }
  return catalogue;
}

/**
 * Spawn one service from a command line: look it up, `Spawn` an instance, `Attach ""` to it and
 * `Start` it. The caller sends requests to `input` and reads the instance's own messages from `output`.
 */
export async function spawnService(
  catalogue: Tree,
  commandLine: string,
  _log: Logger,
): Promise<SpawnedService> {
  const [name, ...args] = splitCommandLine(commandLine);
  const factory = catalogue.child(name!);
  if (!factory)
    throw new NotFoundError(`unknown service: ${name} (run swarmd with no arguments to list services)`);
  const instance = await new Client(factory).spawn(...args);
  const { object: input, output } = await instance.attach("");
  await instance.start();
  return {
    name: name!,
    instance,
    input,
    output,
    async stop() {
      await instance.stop().catch(() => {});
      output.close();
    },
  };
}
