import { Client } from "../../core/client.ts";
import { silentLogger } from "../../core/logger.ts";
import type { Message, Receiver } from "../../core/message.ts";
import { task } from "../../core/task.ts";
import { Verbs } from "../../core/verbs.ts";
import { simulator } from "./index.ts";

/**
 * Test helpers: a simulator instance driven in-process through the real Task/Client path
 * (Spawn → Attach "" → Start), no sockets.
 */
export interface Harness {
  /** The backend root (the instance's input). */
  root: Client;
  stop(): Promise<void>;
}

export async function startSimulator(...args: string[]): Promise<Harness> {
  const body = await simulator.create(args, {
    log: silentLogger,
    spawn: () => Promise.reject(new Error("not in tests")),
  });
  const instance = new Client(task(body, { stopTimeoutMs: 2000 }));
  const { object: root, output } = await instance.attach("");
  await instance.start();
  return {
    root,
    async stop() {
      await instance.stop();
      output.close();
    },
  };
}

/** Read a reply stream to EOF. */
export async function drain(r: Receiver): Promise<Message[]> {
  const out: Message[] = [];
  for await (const m of r) out.push(m);
  return out;
}

/** The concatenated chunks of `Log [stream, chunk]` messages, per stream. */
export function output(messages: Message[]): { stdout: string; stderr: string } {
  const o = { stdout: "", stderr: "" };
  for (const m of messages) {
    if (m.verb !== Verbs.Log) continue;
    if (m.args[0] === "stdout") o.stdout += m.args[1];
    if (m.args[0] === "stderr") o.stderr += m.args[1];
  }
  return o;
}

/** `Spawn` a container from a partial create body; returns its object and ID. */
export async function create(
  root: Client,
  body: Record<string, unknown>,
  name = "",
): Promise<{ c: Client; id: string }> {
  const m = await root.call(
    Verbs.Spawn,
    [JSON.stringify({ Image: "busybox:latest", ...body }), name],
    [Verbs.Ack],
  );
  return { c: new Client(m.ret!), id: m.args[0]! };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
