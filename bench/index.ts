/**
 * Runs benchmarks on demand: `npm run bench` runs all that exist, `npm run bench -- core proxy`
 * runs the named ones. Each writes bench/results/<name>.json.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const all = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`${here}/${d.name}/index.ts`))
  .map((d) => d.name);
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`bench: unknown benchmark(s): ${unknown.join(", ")}; available: ${all.join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : all) {
  console.error(`bench: ${name}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", `${here}/${name}/index.ts`], {
    stdio: "inherit",
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
