import { Etcd3, type IOptions } from "etcd3";
import type { DiscoveryDriver, WatchOptions } from "./driver.ts";
import { nodesKeyPrefix } from "./driver.ts";
import { normalize } from "./entries.ts";
import { Latest, linkedController, sleep } from "./latest.ts";
import { parseStoreUrl } from "./store-url.ts";

export const etcdDefaultPort = 2379;

/** An etcd v3 client for `etcd://h1:2379,h2:2379/prefix` (plain HTTP members, as in the tests). */
export function etcdClient(url: string, extra: Partial<IOptions> = {}): { client: Etcd3; prefix: string } {
  const u = parseStoreUrl(url, { etcd: etcdDefaultPort });
  const client = new Etcd3({ hosts: u.hosts.map((h) => `http://${h}`), dialTimeout: 3000, ...extra });
  return { client, prefix: u.prefix };
}

/**
 * `etcd://host:2379/prefix`: the nodes registered under `<prefix>/docker/swarm/nodes/` (by `join`,
 * or by classic Swarm's join), one key per node whose value is the node's address. A watch on the
 * prefix triggers a re-read of the whole list, so a missed or coalesced event cannot leave the
 * list stale; when etcd is unreachable the driver retries every `pollMs`.
 */
export const etcdDriver: DiscoveryDriver = {
  schemes: ["etcd:"],
  check(url) {
    parseStoreUrl(url, { etcd: etcdDefaultPort });
  },
  watch(url, options) {
    return watchEtcd(url, options);
  },
};

async function* watchEtcd(url: string, options: WatchOptions): AsyncGenerator<string[]> {
  const life = linkedController(options.signal);
  const { signal } = life;
  const { client, prefix } = etcdClient(url);
  const dir = nodesKeyPrefix(prefix);
  const out = new Latest(signal);
  let dirty = true;
  let wake: (() => void) | undefined;
  const changed = () => {
    dirty = true;
    wake?.();
  };
  // One loop owns the reads: a change during a read marks the list dirty for one more read.
  const loop = (async () => {
    while (!signal.aborted) {
      try {
        const watcher = await client.watch().prefix(dir).create();
        // A watcher that errs or ends is finished: read again and make a new one.
        let broken: Error | undefined;
        const breaks = (err: Error) => {
          broken = err;
          wake?.();
        };
        watcher.on("put", changed).on("delete", changed).on("connected", changed);
        watcher.on("error", breaks).on("end", () => breaks(new Error("etcd watch ended")));
        try {
          while (!signal.aborted) {
            if (broken) throw broken;
            if (dirty) {
              dirty = false;
              const values = await client.getAll().prefix(dir).strings();
              out.push(normalize(Object.values(values)));
            }
            if (!dirty && !broken) await new Promise<void>((r) => (wake = r));
            wake = undefined;
          }
        } finally {
          await watcher.cancel().catch(() => {});
        }
      } catch (err) {
        if (signal.aborted) break;
        options.onError?.(err as Error);
        dirty = true;
        await sleep(options.pollMs ?? 1000, signal);
      }
    }
  })();
  signal.addEventListener("abort", () => wake?.(), { once: true });
  try {
    yield* out;
  } finally {
    life.abort();
    wake?.();
    await loop;
    client.close();
  }
}
