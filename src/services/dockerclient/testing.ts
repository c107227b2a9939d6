/**
 * Helpers for dockerclient's in-process tests: a dockerclient instance spawned the way swarmd
 * spawns it, a Client on its input, and small readers of reply streams.
 */
import assert from "node:assert/strict";
import type { Duplex } from "node:stream";
import { Client } from "../../core/client.ts";
import { fromErrorArgs, SwarmError } from "../../core/errors.ts";
import { silentLogger } from "../../core/logger.ts";
import type { Receiver } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";
import { buildCatalogue, spawnService } from "../registry.ts";
import type { ServiceDefinition, SpawnedService } from "../service.ts";

/** Spawn `commandLine` (e.g. `dockerclient unix:///…`) from a catalogue of `defs`. */
export async function spawnBackend(
  defs: readonly ServiceDefinition[],
  commandLine: string,
): Promise<SpawnedService> {
  return spawnService(buildCatalogue(defs, silentLogger), commandLine, silentLogger);
}

/** A container config for busybox with no network (the tests' rule). */
export function busybox(cmd: string[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Image: "busybox:latest",
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    ...extra,
    HostConfig: { NetworkMode: "none", ...((extra.HostConfig as object) ?? {}) },
  });
}

export interface Collected {
  stdout: string;
  stderr: string;
  sets: string[];
  error?: SwarmError;
}

/** Read a reply stream to EOF: Log chunks by stream (bytes as latin1), Set args, and any Error. */
export async function collect(replies: Receiver): Promise<Collected> {
  const out: Collected = { stdout: "", stderr: "", sets: [] };
  for await (const m of replies) {
    if (m.verb === Verbs.Log && m.args[0] === "stdout") out.stdout += m.args[1];
    else if (m.verb === Verbs.Log && m.args[0] === "stderr") out.stderr += m.args[1];
    else if (m.verb === Verbs.Set) out.sets.push(m.args[0] ?? "");
    else if (m.verb === Verbs.Error) out.error = fromErrorArgs(m.args);
  }
  return out;
}

/** Attach to all of `c`'s output (the Ack checked), start it, and read the output to its end. */
export async function startAttached(c: Client): Promise<Collected> {
  const attached = await c.request(Verbs.Attach, [
    "",
    JSON.stringify({ stream: true, stdout: true, stderr: true }),
  ]);
  assert.equal((await attached.receive())?.verb, Verbs.Ack);
  await c.start();
  return collect(attached);
}

/** The typed error a call failed with (the assertion fails if it succeeded). */
export async function failure(p: Promise<unknown>): Promise<SwarmError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SwarmError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

/** One HTTP/1.1 exchange on a fresh raw stream: status line and body. */
export async function rawExchange(
  stream: Duplex,
  request: string,
): Promise<{ status: number; body: string }> {
  const chunks: Buffer[] = [];
  stream.on("data", (d: Buffer) => chunks.push(d));
  const ended = new Promise<void>((resolve, reject) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", reject);
  });
  stream.write(request);
  await ended;
  const text = Buffer.concat(chunks).toString("latin1");
  const [head, ...rest] = text.split("\r\n\r\n");
  return { status: Number(head!.split(" ")[1]), body: rest.join("\r\n\r\n") };
}

export { Client };
