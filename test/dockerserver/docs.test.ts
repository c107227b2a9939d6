/** docs/errors.md and docs/docker-api-coverage.md stay in sync with the code they describe. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ErrorCodes } from "../../src/core/errors.ts";
import { httpStatusOf } from "../../src/docker/status.ts";
import { endpoints } from "../../src/services/dockerserver/router.ts";

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), "utf8");

test("docs/errors.md lists every error code with its HTTP status", () => {
  const doc = read("docs/errors.md");
  for (const code of Object.values(ErrorCodes)) {
    const row = doc.split("\n").find((l) => l.startsWith(`| \`${code}\``));
    assert.ok(row, `${code} is missing from docs/errors.md`);
    assert.ok(
      row.includes(`| ${httpStatusOf[code]}`),
      `${code}: docs/errors.md does not say ${httpStatusOf[code]}`,
    );
  }
});

test("docs/docker-api-coverage.md has a row for every routed endpoint", () => {
  const doc = read("docs/docker-api-coverage.md");
  for (const e of endpoints) {
    const path = e.path.replace(/:id/g, "{id}").replace("/images/*", "/images/{name}/json");
    assert.ok(
      doc.includes(`| ${e.method} | \`${path}\``),
      `${e.method} ${path} is missing from docs/docker-api-coverage.md`,
    );
  }
});
