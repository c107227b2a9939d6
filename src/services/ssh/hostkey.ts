import { createHash } from "node:crypto";
import { knownHostsAccepts } from "../dockerclient/known-hosts.ts";

/** The host key a server offers: its raw blob, as known_hosts stores it in base64. */
export interface HostKey {
  blob: Buffer;
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, … (the blob's first field). */
  type: string;
  /** OpenSSH's `SHA256:…` fingerprint: public, safe to log. */
  fingerprint: string;
}

export function hostKeyOf(blob: Buffer): HostKey {
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  const type =
    len > 0 && len < 64 && blob.length >= 4 + len ? blob.subarray(4, 4 + len).toString("latin1") : "unknown";
  const fingerprint = `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
  return { blob, type, fingerprint };
}

export type Verdict = "known" | "unknown" | "changed";

/** What known_hosts says about `key` for host:port: listed, not listed at all, or listed with another key. */
export function judgeHostKey(knownHosts: string, host: string, port: number, key: HostKey): Verdict {
  if (knownHostsAccepts(knownHosts, host, port, key.blob)) return "known";
  // Is the host listed with any other key? Each line is asked on its own, with its own key.
  for (const raw of knownHosts.split("\n")) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0]?.startsWith("@") || fields.length < 3 || raw.trim().startsWith("#")) continue;
    let blob: Buffer;
    try {
      blob = Buffer.from(fields[2]!, "base64");
    } catch {
      continue;
    }
    if (blob.length > 0 && knownHostsAccepts(raw, host, port, blob)) return "changed";
  }
  return "unknown";
}

/** The known_hosts line that pins `key` for host:port (OpenSSH's `[host]:port` form off port 22). */
export function knownHostsLine(host: string, port: number, key: HostKey): string {
  return `${port === 22 ? host : `[${host}]:${port}`} ${key.type} ${key.blob.toString("base64")}`;
}
