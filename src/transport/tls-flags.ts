import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ConnectionOptions, TlsOptions } from "node:tls";
import { InvalidArgumentError } from "../core/errors.ts";

/**
 * TLS settings, named after dockerd's flags: `--tls`, `--tlsverify`, `--tlscacert`, `--tlscert`,
 * `--tlskey`. `--tlsverify` implies `--tls` and means mutual authentication: each side presents a
 * certificate signed by the CA in `--tlscacert` and checks the other's.
 */
export interface TlsFlags {
  verify: boolean;
  cacert: string;
  cert: string;
  key: string;
}

export interface TransportArgs {
  url: string;
  /** Present when TLS is on. */
  tls: TlsFlags | undefined;
}

const FLAGS = ["tls", "tlsverify", "tlscacert", "tlscert", "tlskey"] as const;

/** Parse `[--tls] [--tlsverify] [--tlscacert=F] [--tlscert=F] [--tlskey=F] <url>`. */
export function parseTransportArgs(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): TransportArgs {
  const values: Partial<Record<(typeof FLAGS)[number], string>> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = (eq < 0 ? a.slice(2) : a.slice(2, eq)) as (typeof FLAGS)[number];
    if (!FLAGS.includes(name)) throw new InvalidArgumentError(`unknown flag ${a}`);
    if (eq >= 0) values[name] = a.slice(eq + 1);
    else if (name === "tls" || name === "tlsverify") values[name] = "true";
    else {
      const v = args[++i];
      if (v === undefined) throw new InvalidArgumentError(`flag ${a} needs a value`);
      values[name] = v;
    }
  }
  if (rest.length !== 1) throw new InvalidArgumentError(`expected exactly one address, got ${rest.length}`);
  const bool = (v: string | undefined) => v !== undefined && v !== "false" && v !== "0";
  const verify = bool(values.tlsverify);
  const on = verify || bool(values.tls) || ["tlscacert", "tlscert", "tlskey"].some((f) => f in values);
  if (!on) return { url: rest[0]!, tls: undefined };
  const dir = env.DOCKER_CERT_PATH || join(homedir(), ".docker");
  return {
    url: rest[0]!,
    tls: {
      verify,
      cacert: values.tlscacert ?? join(dir, "ca.pem"),
      cert: values.tlscert ?? join(dir, "cert.pem"),
      key: values.tlskey ?? join(dir, "key.pem"),
    },
  };
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InvalidArgumentError(`cannot read TLS ${what} ${path}: ${(err as Error).message}`);
  }
}

/** Options for the listening side. */
export function serverTlsOptions(f: TlsFlags): TlsOptions {
  const o: TlsOptions = { cert: read(f.cert, "certificate"), key: read(f.key, "key"), minVersion: "TLSv1.2" };
  if (f.verify) {
    o.ca = read(f.cacert, "CA certificate");
    o.requestCert = true;
    o.rejectUnauthorized = true;
  }
  return o;
}

/** Options for the dialing side. Without `verify` the server's certificate is not checked (dockerd's --tls). */
export function clientTlsOptions(f: TlsFlags): ConnectionOptions {
  const o: ConnectionOptions = { minVersion: "TLSv1.2", rejectUnauthorized: f.verify };
  if (f.verify) o.ca = read(f.cacert, "CA certificate");
  if (f.verify || f.cert !== undefined) {
    try {
      o.cert = readFileSync(f.cert);
      o.key = readFileSync(f.key);
    } catch (err) {
      if (f.verify)
        throw new InvalidArgumentError(`cannot read TLS client certificate: ${(err as Error).message}`);
    }
  }
  return o;
}
