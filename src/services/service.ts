import type { Client } from "../core/client.ts";
import type { Logger } from "../core/logger.ts";
import type { TaskFn } from "../core/task.ts";

/** What a service instance gets from whoever spawns it (swarmd, or a service such as aggregate). */
export interface ServiceContext {
  /** A logger bound to this instance (`service`, `instance` fields). */
  log: Logger;
  /** Spawn another service from a command line, e.g. `"simulator a b"`: aggregate's nodes. */
  spawn(commandLine: string): Promise<SpawnedService>;
}

/** A running child service: send requests to `input`, read its own output (Log lines) from `output`. */
export interface SpawnedService {
  name: string;
  /** The instance object (Start, Stop, Get). */
  instance: Client;
  /** Where to send requests: the instance's input. */
  input: Client;
  /** The instance's output stream (its Log and Error messages, and requests of a frontend). */
  output: import("../core/message.ts").Receiver;
  stop(): Promise<void>;
}

/**
 * A service in the catalogue. `create` checks the arguments (throwing a clear error when they are
 * wrong) and returns the body that runs when the instance is started.
 */
export interface ServiceDefinition {
  name: string;
  /** One line for `swarmd`'s catalogue listing. */
  summary: string;
  /** `name [options] args…` */
  usage: string;
  create(args: string[], ctx: ServiceContext): TaskFn | Promise<TaskFn>;
}

/** Identity function that keeps the literal type checked: `export default defineService({...})`. */
export function defineService(def: ServiceDefinition): ServiceDefinition {
  return def;
}
