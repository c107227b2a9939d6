import { InvalidArgumentError } from "../core/errors.ts";
import { consulDriver } from "./consul.ts";
import type { DiscoveryDriver, WatchOptions } from "./driver.ts";
import { etcdDriver } from "./etcd.ts";
import { fileDriver } from "./file.ts";
import { nodesDriver } from "./nodes.ts";

export type { DiscoveryDriver, WatchOptions } from "./driver.ts";
export { commandLineOf } from "./entries.ts";

/** Every discovery driver, by scheme. A new store is one driver here. */
export const drivers: readonly DiscoveryDriver[] = [etcdDriver, fileDriver, nodesDriver, consulDriver];

/** The driver for a discovery URL; throws a clear InvalidArgumentError for an unknown or bad URL. */
export function driverFor(url: string): DiscoveryDriver {
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(url)?.[1]?.toLowerCase();
  const driver = drivers.find((d) => scheme && d.schemes.includes(scheme));
  if (!driver) {
    const known = drivers.flatMap((d) => d.schemes.map((s) => `${s}//`)).join(", ");
    throw new InvalidArgumentError(`unsupported discovery URL ${JSON.stringify(url)} (want one of ${known})`);
  }
  driver.check(url);
  return driver;
}

/** Watch a discovery URL: the full node list now and after each change, until `signal` aborts. */
export function watchNodes(url: string, options: WatchOptions): AsyncIterable<string[]> {
  return driverFor(url).watch(url, options);
}
