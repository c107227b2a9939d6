#!/usr/bin/env node
// The README's test command. It installs what the tests need, builds swarmd, then runs every
// *.test.ts under src/ and test/ with node:test (Node 20 does not expand globs, so the files are
// listed here explicitly). `--unit` runs only src/ tests. Exit code: non-zero on any failure or when
// no test ran.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const unitOnly = process.argv.includes("--unit");
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));

function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (entry.endsWith(".test.ts")) out.push(relative(root, p));
  }
  return out.sort();
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
  if (r.status !== 0) {
    console.error(`test: ${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

// Engines of this checkout live apart from any other checkout's, so two runs never share one.
process.env.SWARM_TEST_DIR ??= `/tmp/swarm-engines-${createHash("sha1").update(root).digest("hex").slice(0, 8)}`;

// Real peers first: Docker engines, busybox, sshd, etcd (installed only when missing).
if (!unitOnly && process.env.SWARM_SKIP_INSTALL !== "1") run("bash", ["test/harness/install.sh"]);
run("npx", ["tsc", "-p", "tsconfig.build.json"]);
// Lint and type-check everything (tests, benchmarks, examples too): a warning-free tree is part of passing.
run("npx", ["biome", "check", "."]);
run("npx", ["tsc", "--noEmit", "-p", "tsconfig.json"]);

let files = [...testFiles(join(root, "src")), ...(unitOnly ? [] : testFiles(join(root, "test")))];
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
if (files.length === 0) {
  console.error("test: no test files found");
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=180000", ...files],
  { cwd: root, stdio: "inherit" },
);
process.exit(r.status ?? 1);
