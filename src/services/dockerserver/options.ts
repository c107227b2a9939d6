import { InvalidArgumentError } from "../../core/errors.ts";

/** One address to listen on. */
export type Address =
  | { kind: "tcp"; host: string; port: number; url: string }
  | { kind: "unix"; path: string; url: string };

export interface Options {
  addresses: Address[];
  /** TLS for tcp listeners: dockerd's flags. `verify` asks for and checks client certificates. */
  tls: { verify: boolean; ca?: string; cert?: string; key?: string } | undefined;
}

export const DEFAULT_URL = "tcp://127.0.0.1:4243";

export const USAGE =
  "dockerserver [--tls] [--tlsverify] [--tlscacert F] [--tlscert F] [--tlskey F] [tcp://host:port | unix:///path]…";

/** Parse `tcp://host:port` or `unix:///path`. */
export function parseAddress(url: string): Address {
  if (url.startsWith("unix://")) {
    const path = url.slice("unix://".length);
    if (!path.startsWith("/"))
      throw new InvalidArgumentError(
        `invalid address ${url}: a unix address needs an absolute path (unix:///path)`,
      );
    return { kind: "unix", path, url };
  }
  if (url.startsWith("tcp://")) {
    let u: URL;
    try {
      u = new URL(`http://${url.slice("tcp://".length)}`);
    } catch {
      throw new InvalidArgumentError(`invalid address ${url}: expected tcp://host:port`);
    }
    if (u.pathname !== "/" || u.search || u.username)
      throw new InvalidArgumentError(`invalid address ${url}: expected tcp://host:port`);
    const port = u.port === "" ? 2375 : Number(u.port);
    const host = u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
    return { kind: "tcp", host, port, url };
  }
  throw new InvalidArgumentError(`invalid address ${url}: use tcp://host:port or unix:///path`);
}

const VALUE_FLAGS = new Set(["--tlscacert", "--tlscert", "--tlskey"]);

/** The service's arguments: flags (dockerd's names, `--flag value` or `--flag=value`) and URLs. */
export function parseOptions(args: readonly string[]): Options {
  const urls: string[] = [];
  const files: Record<string, string> = {};
  let tls = false;
  let verify = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf("=");
    const flag = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    if (VALUE_FLAGS.has(flag)) {
      const v = eq > 0 && a.startsWith("--") ? a.slice(eq + 1) : args[++i];
      if (v === undefined || v === "") throw new InvalidArgumentError(`${flag} needs a file name`);
      files[flag.slice(2)] = v;
    } else if (a === "--tls" || a === "--tls=true") tls = true;
    else if (a === "--tlsverify" || a === "--tlsverify=true") verify = tls = true;
    else if (a.startsWith("-")) throw new InvalidArgumentError(`unknown flag ${a}; usage: ${USAGE}`);
    else urls.push(a);
  }
  if (!tls && Object.keys(files).length > 0) tls = true;
  const addresses = (urls.length ? urls : [DEFAULT_URL]).map(parseAddress);
  if (!tls) return { addresses, tls: undefined };
  if (!files.tlscert || !files.tlskey) throw new InvalidArgumentError("TLS needs --tlscert and --tlskey");
  if (verify && !files.tlscacert)
    throw new InvalidArgumentError("--tlsverify needs --tlscacert to check client certificates");
  return { addresses, tls: { verify, ca: files.tlscacert, cert: files.tlscert, key: files.tlskey } };
}

/** Loopback hosts, which need no TLS warning. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}
