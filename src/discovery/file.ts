import { type FSWatcher, watch as fsWatch } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError } from "../core/errors.ts";
import type { DiscoveryDriver, WatchOptions } from "./driver.ts";
import { normalize } from "./entries.ts";
import { Latest, linkedController, sleep } from "./latest.ts";
import { expandRange } from "./range.ts";

/**
 * `file:///path`: one node entry per line (ranges allowed; blank lines and `#` comments skipped).
 * The file is re-read when its directory reports a change (editors often replace the file, so the
 * directory is watched, not the file) and, as a fallback for filesystems without notifications,
 * every `pollMs`. A missing or unreadable file counts as an empty list and is reported to onError.
 */
export const fileDriver: DiscoveryDriver = {
  schemes: ["file:"],
  check(url) {
    pathOf(url);
  },
  watch(url, options) {
    return watchFile(pathOf(url), options);
  },
};

function pathOf(url: string): string {
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (err) {
    throw new InvalidArgumentError(`${url}: ${(err as Error).message} (want file:///absolute/path)`);
  }
  return path;
}

/** The node entries of a discovery file's text. */
export function parseNodeFile(text: string): string[] {
  const entries: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line) entries.push(...expandRange(line));
  }
  return normalize(entries);
}

async function* watchFile(path: string, options: WatchOptions): AsyncGenerator<string[]> {
  const life = linkedController(options.signal);
  const { signal } = life;
  const out = new Latest(signal);
  let lastError = "";
  const read = async () => {
    try {
      out.push(parseNodeFile(await readFile(path, "utf8")));
      lastError = "";
    } catch (err) {
      const why = `discovery file ${path}: ${(err as Error).message}`;
      if (why !== lastError) options.onError?.(new Error(why));
      lastError = why;
      out.push([]);
    }
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = fsWatch(dirname(path), { signal }, (_event, name) => {
      if (name === null || name === basename(path)) void read();
    });
    watcher.on("error", () => {});
  } catch (err) {
    options.onError?.(new Error(`cannot watch ${dirname(path)}: ${(err as Error).message}; polling`));
  }
  const poll = (async () => {
    while (!signal.aborted) {
      await read();
      await sleep(options.pollMs ?? 1000, signal);
    }
  })();
  try {
    yield* out;
  } finally {
    life.abort();
    watcher?.close();
    await poll;
  }
}
