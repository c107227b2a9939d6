import type { Etcd3, Lease } from "etcd3";
import { InvalidArgumentError } from "../core/errors.ts";
import { consulRegistrar } from "./consul-register.ts";
import { nodesKeyPrefix } from "./driver.ts";
import { etcdClient } from "./etcd.ts";
import { parseStoreUrl } from "./store-url.ts";

/**
 * The writing side of discovery, for `join`: one node's key under a lease that lapses unless it is
 * renewed. `renew` is called every heartbeat: it writes the key under a new lease when there is no
 * live one (first call, or the lease expired), and renews the lease otherwise.
 */
export interface Registrar {
  /** The key the node is registered under. */
  readonly key: string;
  /** Throws when the store cannot be reached or refuses; the next call starts over. */
  renew(): Promise<"registered" | "renewed">;
  close(): void;
}

/** The registrar for a discovery URL (etcd:// or consul://) and a node address. */
export function registrarFor(url: string, address: string, ttlMs: number): Registrar {
  const store = parseStoreUrl(url, { etcd: 2379, consul: 8500 });
  const key = nodesKeyPrefix(store.prefix) + address;
  if (store.scheme === "consul") return consulRegistrar(store.hosts, key, address, ttlMs);
  if (store.scheme === "etcd") return etcdRegistrar(etcdClient(url).client, key, address, ttlMs);
  throw new InvalidArgumentError(`cannot register in ${url}`);
}

function etcdRegistrar(client: Etcd3, key: string, address: string, ttlMs: number): Registrar {
  const ttlS = Math.ceil(ttlMs / 1000);
  let lease: Lease | undefined;
  return {
    key,
    async renew() {
      try {
        // etcd answers a keepalive on an expired lease with TTL ≤ 0: the key is gone with it.
        if (lease && Number((await lease.keepaliveOnce()).TTL) > 0) return "renewed";
        lease = client.lease(ttlS, { autoKeepAlive: false });
        lease.on("lost", () => {});
        await lease.put(key).value(address);
        return "registered";
      } catch (err) {
        lease = undefined;
        throw err;
      }
    },
    close() {
      client.close();
    },
  };
}
