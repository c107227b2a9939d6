import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { parseNodeFile } from "./file.ts";
import { driverFor, watchNodes } from "./index.ts";

test("parseNodeFile: one entry per line, comments, blanks and ranges", () => {
  assert.deepEqual(parseNodeFile("# cluster\n10.0.0.[1:2]:2375\n\n  simulator a  # fake node\nb:2375\n"), [
    "10.0.0.1:2375",
    "10.0.0.2:2375",
    "b:2375",
    "simulator a",
  ]);
});

test("driverFor: unknown scheme and bad URL are clear errors", () => {
  assert.throws(() => driverFor("zk://h/p"), /unsupported discovery URL.*etcd:\/\//);
  assert.throws(() => driverFor("file://host/relative"), /file:\/\/\//);
  assert.equal(driverFor("nodes://a:1").schemes[0], "nodes:");
});

test("file:// watch: edits, replacement and removal change the list", async () => {
  const dir = mkdtempSync(join(tmpdir(), "swarm-disc-"));
  const path = join(dir, "nodes");
  writeFileSync(path, "a:2375\n");
  const ac = new AbortController();
  const errors: string[] = [];
  try {
    const it = watchNodes(pathToFileURL(path).href, {
      signal: ac.signal,
      pollMs: 5000, // long: the change must come from the directory watch
      onError: (e) => errors.push(e.message),
    })[Symbol.asyncIterator]();
    assert.deepEqual((await it.next()).value, ["a:2375"]);
    const t0 = Date.now();
    writeFileSync(path, "a:2375\nb:2375\n");
    assert.deepEqual((await it.next()).value, ["a:2375", "b:2375"]);
    assert.ok(Date.now() - t0 < 2000, "an edit is seen without waiting for the poll");
    // An editor's save: write elsewhere, rename over.
    writeFileSync(join(dir, "tmp"), "c:2375\n");
    renameSync(join(dir, "tmp"), path);
    assert.deepEqual((await it.next()).value, ["c:2375"]);
    rmSync(path);
    assert.deepEqual((await it.next()).value, []);
    assert.ok(
      errors.some((e) => e.includes("ENOENT")),
      "a missing file is reported",
    );
    ac.abort();
    assert.equal((await it.next()).done, true);
  } finally {
    ac.abort();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("file:// watch: the poll alone picks up a change, and breaking out ends the watch", async () => {
  const dir = mkdtempSync(join(tmpdir(), "swarm-disc-"));
  const path = join(dir, "nodes");
  writeFileSync(path, "a:1\n");
  const ac = new AbortController();
  try {
    const seen: string[][] = [];
    for await (const list of watchNodes(pathToFileURL(path).href, { signal: ac.signal, pollMs: 50 })) {
      seen.push(list);
      if (seen.length === 1) writeFileSync(path, "a:1\nz:9\n");
      else break;
    }
    assert.deepEqual(seen, [["a:1"], ["a:1", "z:9"]]);
  } finally {
    ac.abort();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("nodes:// watch yields once and ends on abort", async () => {
  const ac = new AbortController();
  const it = watchNodes("nodes://x:1,y:[1:2]", { signal: ac.signal })[Symbol.asyncIterator]();
  assert.deepEqual((await it.next()).value, ["x:1", "y:1", "y:2"]);
  const next = it.next();
  ac.abort();
  assert.equal((await next).done, true);
});
