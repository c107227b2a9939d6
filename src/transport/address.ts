import { InvalidArgumentError } from "../core/errors.ts";

/** Where to listen or dial: `unix:///path/to.sock` or `tcp://host:port`. */
export type Address = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number };

export function parseAddress(url: string): Address {
  if (url.startsWith("unix://")) {
    const path = url.slice("unix://".length);
    if (!path) throw new InvalidArgumentError(`unix address has no path: ${url}`);
    return { kind: "unix", path };
  }
  if (url.startsWith("tcp://")) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new InvalidArgumentError(`bad tcp address: ${url}`);
    }
    const port = Number(u.port);
    if (!u.port || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new InvalidArgumentError(`tcp address needs a port: ${url}`);
    }
    const host = u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
    return { kind: "tcp", host, port };
  }
  throw new InvalidArgumentError(`unsupported address (want unix:// or tcp://): ${url}`);
}

export function formatAddress(a: Address): string {
  if (a.kind === "unix") return `unix://${a.path}`;
  return `tcp://${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`;
}
