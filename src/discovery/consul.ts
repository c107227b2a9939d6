import { request } from "node:http";
import type { DiscoveryDriver, WatchOptions } from "./driver.ts";
import { nodesKeyPrefix } from "./driver.ts";
import { normalize } from "./entries.ts";
import { Latest, linkedController, sleep } from "./latest.ts";
import { parseStoreUrl } from "./store-url.ts";

export const consulDefaultPort = 8500;

/** How long one blocking query waits on the server before it answers unchanged. */
const blockingWait = "30s";

/**
 * `consul://host:8500/prefix`: the nodes under `<prefix>/docker/swarm/nodes/` in Consul's KV store,
 * read with blocking queries (`GET /v1/kv/<dir>?recurse&index=N&wait=30s`), so a change arrives
 * as soon as Consul has it. Values are base64 as Consul returns them. Several members are tried
 * in turn when one fails.
 */
export const consulDriver: DiscoveryDriver = {
  schemes: ["consul:"],
  check(url) {
    parseStoreUrl(url, { consul: consulDefaultPort });
  },
  watch(url, options) {
    return watchConsul(url, options);
  },
};

interface KvPair {
  Key: string;
  Value: string | null;
}

async function* watchConsul(url: string, options: WatchOptions): AsyncGenerator<string[]> {
  const life = linkedController(options.signal);
  const { signal } = life;
  const u = parseStoreUrl(url, { consul: consulDefaultPort });
  const dir = nodesKeyPrefix(u.prefix);
  const out = new Latest(signal);
  const loop = (async () => {
    let index = "0";
    let member = 0;
    while (!signal.aborted) {
      const host = u.hosts[member % u.hosts.length]!;
      try {
        const path = `/v1/kv/${encodePath(dir)}?recurse=true&index=${index}&wait=${blockingWait}`;
        const { status, body, headers } = await get(host, path, signal);
        const next = String(headers["x-consul-index"] ?? "");
        // Consul's rule: an index that goes backwards (a restored store) means start over.
        index = /^\d+$/.test(next) && BigInt(next) >= BigInt(index) ? next : "0";
        if (status === 404) out.push([]);
        else if (status === 200) {
          const pairs = JSON.parse(body) as KvPair[];
          out.push(
            normalize(
              pairs
                .filter((p) => p.Key.startsWith(dir) && p.Value)
                .map((p) => Buffer.from(p.Value!, "base64").toString("utf8")),
            ),
          );
        } else throw new Error(`consul ${host}: HTTP ${status}: ${body.slice(0, 200)}`);
      } catch (err) {
        if (signal.aborted) break;
        options.onError?.(err as Error);
        member++;
        index = "0";
        await sleep(options.pollMs ?? 1000, signal);
      }
    }
  })();
  try {
    yield* out;
  } finally {
    life.abort();
    await loop;
  }
}

function encodePath(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

function get(
  host: string,
  path: string,
  signal: AbortSignal,
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const i = host.lastIndexOf(":");
  return new Promise((resolve, reject) => {
    const req = request(
      { host: host.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(host.slice(i + 1)), path, signal },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}
