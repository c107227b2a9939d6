#!/usr/bin/env node
// Runs the built swarmd (dist/, made by `npm run build`); falls back to the TypeScript sources
// through tsx when there is no build, so a fresh checkout works too.
import { existsSync } from "node:fs";

const built = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
