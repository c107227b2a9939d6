import { execFile } from "node:child_process";
import { split } from "shlex";
import { InvalidArgumentError } from "../../core/errors.ts";

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/**
 * `docker top`: run the host's `ps` with the caller's arguments (default `-ef`, as the engine does)
 * and keep the rows of the container's processes. The last column (the command) keeps its spaces.
 */
export async function top(pids: readonly number[], psArgs: string): Promise<TopResult> {
  const args = split(psArgs.trim() === "" ? "-ef" : psArgs);
  const out = await new Promise<string>((resolve, reject) => {
    execFile("ps", args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new InvalidArgumentError(`ps: ${String(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
  return parsePs(out, pids);
}

/** Parse `ps` output the engine's way: titles from the header, the PID column picks the rows. */
export function parsePs(output: string, pids: readonly number[]): TopResult {
  const lines = output.split("\n").filter((l) => l.trim() !== "");
  const header = lines.shift() ?? "";
  const titles = header.trim().split(/\s+/);
  const pidIndex = titles.indexOf("PID");
  if (pidIndex < 0) throw new InvalidArgumentError("Couldn't find PID field in ps output");
  const wanted = new Set(pids.map(String));
  const processes: string[][] = [];
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    if (!wanted.has(fields[pidIndex] ?? "")) continue;
    const row = fields.slice(0, titles.length - 1);
    row.push(fields.slice(titles.length - 1).join(" "));
    processes.push(row);
  }
  return { Titles: titles, Processes: processes };
}
