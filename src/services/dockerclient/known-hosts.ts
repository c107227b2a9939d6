import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Does an OpenSSH known_hosts text list `key` (the raw public key blob the server offered) for
 * `host`:`port`? Plain, bracketed (`[host]:port`) and hashed (`|1|salt|hash`) entries are read;
 * `@revoked` lines refuse the key; `@cert-authority` lines are ignored.
 */
export function knownHostsAccepts(text: string, host: string, port: number, key: Buffer): boolean {
  const name = port === 22 ? host : `[${host}]:${port}`;
  let accepted = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    let marker = "";
    if (fields[0]!.startsWith("@")) marker = fields.shift()!;
    const [hosts, , blob] = fields;
    if (!hosts || !blob || marker === "@cert-authority") continue;
    if (!hostsMatch(hosts, name)) continue;
    let listed: Buffer;
    try {
      listed = Buffer.from(blob, "base64");
    } catch {
      continue;
    }
    const same = listed.length === key.length && timingSafeEqual(listed, key);
    if (same && marker === "@revoked") return false;
    if (same && marker === "") accepted = true;
  }
  return accepted;
}

function hostsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith("|1|")) {
    const [, , salt, hash] = patterns.split("|");
    if (!salt || !hash) return false;
    const mac = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest();
    const want = Buffer.from(hash, "base64");
    return mac.length === want.length && timingSafeEqual(mac, want);
  }
  let match = false;
  for (const p of patterns.split(",")) {
    const negated = p.startsWith("!");
    const pattern = negated ? p.slice(1) : p;
    if (globMatch(pattern, name)) {
      if (negated) return false;
      match = true;
    }
  }
  return match;
}

/** known_hosts wildcards: `*` and `?`. */
function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );
  return re.test(name);
}
