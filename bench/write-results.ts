import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";

/** Write a benchmark's results as JSON to bench/results/<name>.json (and echo them on stdout). */
export function writeResults(name: string, results: unknown): string {
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${name}.json`, dir);
  const doc = {
    bench: name,
    date: new Date().toISOString(),
    machine: {
      node: process.version,
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
    },
    results,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  return file.pathname;
}
