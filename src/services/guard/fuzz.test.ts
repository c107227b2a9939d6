import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ErrorCodes } from "../../core/errors.ts";
import { message } from "../../core/message.ts";
import { pipe } from "../../core/pipe.ts";
import { decide } from "./engine.ts";
import { rig } from "./harness.ts";
import { parsePolicy } from "./load.ts";
import { effectiveRules } from "./policy.ts";

/** Spell `s` with random letter case, as Go's case-insensitive JSON decoding accepts. */
const anyCase = (s: string) =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((flags) => [...s].map((ch, i) => (flags[i] ? ch.toUpperCase() : ch.toLowerCase())).join(""));

describe("guard under random input", () => {
  it("a privileged create is denied however its keys are cased", () => {
    const rules = effectiveRules(parsePolicy("containers: allow\n", "p.yaml"), "");
    fc.assert(
      fc.property(
        anyCase("HostConfig"),
        anyCase("Privileged"),
        fc.constantFrom(true, 1, "yes"),
        (hc, pk, v) => {
          const config = { Image: "busybox", [hc]: { [pk]: v } };
          const d = decide(rules, { action: "containers.create", config, name: "" });
          return !d.allow;
        },
      ),
      { numRuns: 300 },
    );
  });

  it("every request on the root gets exactly one terminal answer; unknown ones never reach the backend", async () => {
    const r = await rig([], "containers: allow\n");
    try {
      const known = new Set(["Get", "Ls", "Attach", "Spawn", "Pull", "Watch", "As", "Log", "Error"]);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.constantFrom(...known, "Start", "Kill", "Build", "Commit"),
            fc.stringMatching(/^[A-Z][a-z]{0,8}$/),
          ),
          fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
          async (verb, args) => {
            const before = r.engine.seen.length;
            const [replies, ret] = pipe();
            await r.client.target.send(message(verb, args, { ret }));
            const got: string[] = [];
            for await (const m of replies) {
              got.push(m.verb);
              if (verb === "Watch" && m.verb !== "Error") break; // a stream: one answer is enough
            }
            assert.ok(got.length >= 1, `${verb}: no answer`);
            if (got[0] === "Error") assert.ok(got.length === 1);
            if (!known.has(verb)) {
              assert.deepEqual(got, ["Error"]);
              assert.equal(r.engine.seen.length, before, `${verb} reached the backend`);
            }
          },
        ),
        { numRuns: 200 },
      );
      // A denied request's error is FORBIDDEN, whatever the verb.
      const [replies, ret] = pipe();
      await r.client.target.send(message("Frobnicate", [], { ret }));
      assert.equal((await replies.receive())?.args[1], ErrorCodes.Forbidden);
    } finally {
      await r.stop();
    }
  });
});
