import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCodes } from "../core/errors.ts";
import { digestOf, isFullId, newDaemonId, newId, shortId } from "./ids.ts";
import { checkName, isValidName, parseImageRef, randomName, registryOf } from "./names.ts";

test("IDs look like the engine's", () => {
  const id = newId();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.ok(isFullId(id));
  assert.notEqual(newId(), id);
  assert.equal(shortId(id), id.slice(0, 12));
  assert.equal(shortId(`sha256:${id}`), id.slice(0, 12));
  assert.match(digestOf("x"), /^sha256:[0-9a-f]{64}$/);
  assert.equal(digestOf("x"), digestOf("x"));
  assert.match(newDaemonId(), /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
});

test("random names are adjective_surname and avoid taken ones", () => {
  assert.match(randomName(), /^[a-z]+_[a-z]+$/);
  const taken = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const n = randomName((x) => taken.has(x));
    assert.ok(!taken.has(n));
    assert.ok(isValidName(n));
    taken.add(n);
  }
});

test("container names follow the engine's pattern", () => {
  assert.equal(checkName("/web-1"), "web-1");
  assert.equal(checkName("a.b_c"), "a.b_c");
  for (const bad of ["a", "-x", "with space", "x/y", ""]) {
    assert.throws(
      () => checkName(bad),
      (e: { code: string; message: string }) =>
        e.code === ErrorCodes.InvalidArgument &&
        e.message === `Invalid container name (${bad}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
});

test("image references normalise to the familiar form", () => {
  assert.equal(parseImageRef("busybox").familiar, "busybox:latest");
  assert.equal(parseImageRef("docker.io/library/busybox").familiar, "busybox:latest");
  assert.equal(parseImageRef("docker.io/nonexisting/image").familiar, "nonexisting/image:latest");
  assert.equal(parseImageRef("127.0.0.1:5999/missing/image:v2").familiar, "127.0.0.1:5999/missing/image:v2");
  assert.equal(parseImageRef("alpine@sha256:abc").familiar, "alpine@sha256:abc");
  assert.throws(() => parseImageRef("Busybox"), { code: ErrorCodes.InvalidArgument });
  assert.throws(() => parseImageRef(""), { code: ErrorCodes.InvalidArgument });
  assert.equal(registryOf("nonexisting/image"), "registry-1.docker.io");
  assert.equal(registryOf("127.0.0.1:5999/missing/image"), "127.0.0.1:5999");
});
