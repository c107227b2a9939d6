import assert from "node:assert/strict";
import { test } from "node:test";
import { humanDuration, nowNanos, parseRfc3339, rfc3339Nano, secondsToNanos, ZERO_TIME } from "./time.ts";

test("rfc3339Nano trims trailing zeros like Go", () => {
  assert.equal(rfc3339Nano(1795398355_102674040n), "2026-11-23T01:45:55.10267404Z");
  assert.equal(rfc3339Nano(1795398355_000000000n), "2026-11-23T01:45:55Z");
  assert.equal(rfc3339Nano(1795398355_000000001n), "2026-11-23T01:45:55.000000001Z");
});

test("parseRfc3339 round-trips and rejects garbage", () => {
  for (const ns of [1795398355_102674040n, 1795398355_000000000n, nowNanos()]) {
    assert.equal(parseRfc3339(rfc3339Nano(ns)), ns);
  }
  assert.equal(parseRfc3339("2026-11-23T02:45:55.5+01:00"), 1795398355_500000000n);
  assert.equal(parseRfc3339("yesterday"), undefined);
  assert.equal(parseRfc3339(ZERO_TIME) !== undefined, true);
});

test("secondsToNanos takes the CLI's seconds.nanos form", () => {
  assert.equal(secondsToNanos("1795397900.000000000"), 1795397900_000000000n);
  assert.equal(secondsToNanos("1795397900.5"), 1795397900_500000000n);
  assert.equal(secondsToNanos(12), 12_000000000n);
  assert.throws(() => secondsToNanos("soon"), RangeError);
});

test("nowNanos is monotonic", () => {
  const a = nowNanos();
  const b = nowNanos();
  assert.ok(b >= a);
});

test("humanDuration matches the engine's wording", () => {
  assert.equal(humanDuration(500), "Less than a second");
  assert.equal(humanDuration(1000), "1 second");
  assert.equal(humanDuration(45_000), "45 seconds");
  assert.equal(humanDuration(59_000), "59 seconds");
  assert.equal(humanDuration(60_000), "About a minute");
  assert.equal(humanDuration(90_000), "About a minute");
  assert.equal(humanDuration(3 * 60_000), "3 minutes");
  assert.equal(humanDuration(60 * 60_000), "About an hour");
  assert.equal(humanDuration(5 * 3_600_000), "5 hours");
  assert.equal(humanDuration(3 * 86_400_000), "3 days");
  assert.equal(humanDuration(21 * 86_400_000), "3 weeks");
  assert.equal(humanDuration(90 * 86_400_000), "3 months");
  assert.equal(humanDuration(3 * 365 * 86_400_000), "3 years");
});

test("RFC3339Nano round-trips any time (property)", async () => {
  const fc = (await import("fast-check")).default;
  const { parseRfc3339, rfc3339Nano } = await import("./time.ts");
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 253402300799999999999n }),
      (ns) => parseRfc3339(rfc3339Nano(ns)) === ns,
    ),
    { numRuns: 2000 },
  );
});
