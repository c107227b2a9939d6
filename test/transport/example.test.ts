import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { it } from "node:test";
import { tempDir } from "./fixtures.ts";

// The guide's example (docs/guide-write-a-service.md) must keep running as documented.
it("examples/kv-service.ts runs end to end over a unix socket", () => {
  const root = join(import.meta.dirname, "../..");
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", "examples/kv-service.ts", `unix://${join(tempDir(), "kv.sock")}`],
    { cwd: root, encoding: "utf8", timeout: 20_000 },
  );
  assert.equal(
    out,
    [
      "keys: colour, shape",
      "colour = blue",
      "change: colour = blue",
      "change: shape = round",
      "size: SWARM_ERR_NOT_FOUND - no such key: size",
      "",
    ].join("\n"),
  );
});
