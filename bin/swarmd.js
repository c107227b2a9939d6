#!/usr/bin/env node
// Runs the built swarmd (dist/, made by `npm run build`); runs the TypeScript sources through tsx
// when there is no build, or when a source file is newer than the build (a stale dist/ left by an
// earlier `npm test` must not make tests and users run old code).
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const built = new URL("../dist/cli/main.js", import.meta.url);
const sources = new URL("../src/", import.meta.url);

/** Is any file under `dir` modified after `time` (ms)? Stops at the first one. */
function newerThan(dir, time) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory() ? newerThan(path, time) : statSync(path).mtimeMs > time) return true;
  }
  return false;
}

const useBuild =
  existsSync(built) && !(existsSync(sources) && newerThan(fileURLToPath(sources), statSync(built).mtimeMs));
if (useBuild) {
  await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
