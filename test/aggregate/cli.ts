/** Helpers of the aggregate end-to-end tests that drive a cluster with the docker CLI. */
import assert from "node:assert/strict";
import { docker } from "../harness/docker-cli.ts";

/** Poll `cond` every 100 ms; the time it took, or a failed assertion after `ms`. */
export async function until(what: string, cond: () => Promise<boolean>, ms: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await cond()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out after ${ms} ms waiting for ${what}`);
}

/** A node's Status ("Healthy", "Unhealthy"…) in the per-node report of `docker info`. */
export async function nodeStatus(host: string, node: string): Promise<string | undefined> {
  const out = (await docker(host, ["info"])).stdout;
  return new RegExp(`^  ${node}: [^\\n]*\\n {3}└ ID: [^\\n]*\\n {3}└ Status: (\\w+)`, "m").exec(out)?.[1];
}
