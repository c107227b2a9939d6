import { createHash, randomBytes } from "node:crypto";

/** A new engine-style ID: 64 lowercase hex digits (containers, execs). */
export function newId(): string {
  return randomBytes(32).toString("hex");
}

/** The 12-digit short form the CLI prints. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

/** A full 64-hex ID. */
export function isFullId(s: string): boolean {
  return /^[0-9a-f]{64}$/.test(s);
}

/** A stable content-style digest for a text, `sha256:` + 64 hex (image IDs that do not change between runs). */
export function digestOf(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

/** The daemon ID format of `docker info`: 12 groups of 4 base32 characters joined by colons. */
export function newDaemonId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bytes = randomBytes(48);
  const groups: string[] = [];
  for (let g = 0; g < 12; g++) {
    let s = "";
    for (let i = 0; i < 4; i++) s += alphabet[bytes[g * 4 + i]! % 32];
    groups.push(s);
  }
  return groups.join(":");
}
