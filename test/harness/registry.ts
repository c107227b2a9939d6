/**
 * A private Docker registry for tests (Debian docker-registry, test/harness/install-deb.sh):
 * filesystem storage in a temp dir, plain HTTP on a free port of 127.0.0.1. Engines treat
 * 127.0.0.0/8 registries as insecure by default, so they push and pull from it without TLS.
 *
 *   const r = await startRegistry();   // r.host = "127.0.0.1:PORT"
 *   docker -H … tag busybox:latest ${r.host}/busybox:x && docker push …
 *   await r.stop();
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./net.ts";
import { startServerProcess } from "./server-process.ts";

export const registryBin = "/usr/bin/docker-registry";

export interface Registry {
  /** `127.0.0.1:PORT`, the prefix of image names in this registry. */
  host: string;
  log(): string;
  stop(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/v2/" }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once("error", () => resolve(false));
    req.end();
  });
}

export async function startRegistry(): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "swarm-registry-"));
  const port = await freePort();
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "data")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  const server = await startServerProcess(registryBin, ["serve", config], dir, {
    ready: () => answers(port),
    timeoutMs: 15_000,
    failure: `docker-registry did not answer on 127.0.0.1:${port}`,
  });
  return { host: `127.0.0.1:${port}`, ...server };
}
