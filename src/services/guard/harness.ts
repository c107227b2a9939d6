import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../core/client.ts";
import { copy } from "../../core/copy.ts";
import { ErrorCodes, SwarmError } from "../../core/errors.ts";
import { type LogRecord, recordingLogger } from "../../core/logger.ts";
import { buildCatalogue, spawnService } from "../registry.ts";
import { type FakeEngine, fakeEngine } from "./fake-engine.ts";
import { guard } from "./index.ts";

/** In-process test rig: guard between a Client (the frontend's side) and a fake engine. */
export interface Rig {
  client: Client;
  engine: FakeEngine;
  records: LogRecord[];
  /** A root scoped to `user` via `As` (§6.7). */
  as(user: string): Promise<Client>;
  stop(): Promise<void>;
}

export async function rig(
  args: string[] = [],
  policyYaml?: string,
  setup?: (e: FakeEngine) => void,
): Promise<Rig> {
  const log = recordingLogger();
  const dir = mkdtempSync(join(tmpdir(), "guard-test-"));
  if (policyYaml !== undefined) {
    const file = join(dir, "policy.yaml");
    writeFileSync(file, policyYaml);
    args = ["--policy", file, ...args];
  }
  const engine = fakeEngine();
  setup?.(engine);
  const catalogue = buildCatalogue([guard], log);
  let g: Awaited<ReturnType<typeof spawnService>>;
  try {
    g = await spawnService(catalogue, `guard ${args.map((a) => `'${a}'`).join(" ")}`, log);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const forwarding = copy(engine.root, g.output);
  const client = new Client(g.input.target);
  return {
    client,
    engine,
    records: log.records,
    async as(user) {
      const m = await client.call("As", [user], ["Ack"]);
      return new Client(m.ret!);
    },
    async stop() {
      await g.stop();
      await forwarding;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves to the FORBIDDEN error's message; throws if the call succeeded or failed otherwise. */
export async function forbidden(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SwarmError && err.code === ErrorCodes.Forbidden) return err.message;
    throw err;
  }
  throw new Error("expected the request to be denied, but it was allowed");
}
