import assert from "node:assert/strict";
import { test } from "node:test";
import type { SwarmError } from "../core/errors.ts";
import { commandLineOf, normalize } from "./entries.ts";
import { parseNodesUrl } from "./nodes.ts";
import { expandRange } from "./range.ts";
import { parseStoreUrl } from "./store-url.ts";

test("expandRange: classic Swarm ranges include both ends", () => {
  assert.deepEqual(expandRange("10.0.0.[10:12]:2375"), [
    "10.0.0.10:2375",
    "10.0.0.11:2375",
    "10.0.0.12:2375",
  ]);
  assert.deepEqual(expandRange("plain:2375"), ["plain:2375"]);
  assert.deepEqual(expandRange("n[01:03]"), ["n01", "n02", "n03"]);
  assert.deepEqual(expandRange("h[1:2].x:[5:6]"), ["h1.x:5", "h1.x:6", "h2.x:5", "h2.x:6"]);
});

test("expandRange: a reversed or huge range is a clear INVALID_ARGUMENT", () => {
  assert.throws(
    () => expandRange("10.0.0.[20:10]"),
    (e: SwarmError) => e.code === "SWARM_ERR_INVALID_ARGUMENT",
  );
  assert.throws(
    () => expandRange("h[1:100000]"),
    (e: SwarmError) => e.code === "SWARM_ERR_INVALID_ARGUMENT",
  );
});

test("nodes:// lists, expands, dedupes and sorts", () => {
  assert.deepEqual(parseNodesUrl("nodes://b:2375,a:2375,10.0.0.[1:2]:2375,a:2375"), [
    "10.0.0.1:2375",
    "10.0.0.2:2375",
    "a:2375",
    "b:2375",
  ]);
  assert.throws(() => parseNodesUrl("nodes://"), /no nodes/);
});

test("commandLineOf: addresses, URLs and command lines", () => {
  assert.equal(commandLineOf("10.0.0.1:2375"), "dockerclient tcp://10.0.0.1:2375");
  assert.equal(commandLineOf("engine"), "dockerclient tcp://engine:2375");
  assert.equal(commandLineOf("::1"), "dockerclient 'tcp://[::1]:2375'");
  assert.equal(commandLineOf("[::1]:4243"), "dockerclient 'tcp://[::1]:4243'");
  assert.equal(commandLineOf("unix:///run/docker.sock"), "dockerclient unix:///run/docker.sock");
  assert.equal(commandLineOf("  simulator a b "), "simulator a b");
  assert.throws(() => commandLineOf(" "), /empty/);
  assert.throws(() => commandLineOf("simulator 'a"), /cannot parse/);
  assert.deepEqual(normalize([" b", "a", "", "b"]), ["a", "b"]);
});

test("parseStoreUrl: members, default port, prefix", () => {
  assert.deepEqual(parseStoreUrl("etcd://h1,h2:1234/a/b/", { etcd: 2379 }), {
    scheme: "etcd",
    hosts: ["h1:2379", "h2:1234"],
    prefix: "a/b",
  });
  assert.deepEqual(parseStoreUrl("etcd://127.0.0.1:2379", { etcd: 2379 }).prefix, "");
  assert.throws(() => parseStoreUrl("zk://h/p", { etcd: 2379 }), /want etcd:\/\//);
  assert.throws(() => parseStoreUrl("etcd://u@h/p", { etcd: 2379 }), /bad member/);
});
