import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { knownHostsAccepts } from "./known-hosts.ts";

const key = randomBytes(51);
const other = randomBytes(51);
const b64 = key.toString("base64");

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(name).digest("base64")}`;
}

describe("known_hosts checking for ssh:// engines", () => {
  test("plain, bracketed-port, list and wildcard entries", () => {
    assert.ok(knownHostsAccepts(`example.com ssh-ed25519 ${b64}\n`, "example.com", 22, key));
    assert.ok(knownHostsAccepts(`[127.0.0.1]:2222 ssh-ed25519 ${b64}`, "127.0.0.1", 2222, key));
    assert.ok(!knownHostsAccepts(`127.0.0.1 ssh-ed25519 ${b64}`, "127.0.0.1", 2222, key), "port must match");
    assert.ok(knownHostsAccepts(`a,b,example.com ssh-ed25519 ${b64}`, "example.com", 22, key));
    assert.ok(knownHostsAccepts(`*.example.com ssh-ed25519 ${b64}`, "h.example.com", 22, key));
    assert.ok(
      !knownHostsAccepts(`*.example.com,!bad.example.com ssh-ed25519 ${b64}`, "bad.example.com", 22, key),
    );
  });

  test("hashed entries; a different key, a revoked key and an empty file refuse", () => {
    assert.ok(knownHostsAccepts(`${hashed("[127.0.0.1]:2222")} ssh-ed25519 ${b64}`, "127.0.0.1", 2222, key));
    assert.ok(!knownHostsAccepts(`${hashed("[127.0.0.1]:2223")} ssh-ed25519 ${b64}`, "127.0.0.1", 2222, key));
    assert.ok(!knownHostsAccepts(`example.com ssh-ed25519 ${b64}`, "example.com", 22, other));
    assert.ok(
      !knownHostsAccepts(
        `example.com ssh-ed25519 ${b64}\n@revoked * ssh-ed25519 ${b64}`,
        "example.com",
        22,
        key,
      ),
    );
    assert.ok(!knownHostsAccepts("# nothing\n\n", "example.com", 22, key));
  });
});
