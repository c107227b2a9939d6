import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCodes, type SwarmError } from "../core/errors.ts";
import { flags } from "./flags.ts";

/** Read every flag that takes a value; collect the others as they are. */
function read(args: string[]): string[] {
  const out: string[] = [];
  for (const f of flags("svc", args)) out.push(f.flag.startsWith("--v") ? `${f.flag}=${f.value()}` : f.arg);
  return out;
}

describe("flags", () => {
  it("takes --flag value and --flag=value alike, and leaves other arguments as they are", () => {
    assert.deepEqual(read(["--va", "1", "--vb=2", "pos", "--switch", "-x"]), [
      "--va=1",
      "--vb=2",
      "pos",
      "--switch",
      "-x",
    ]);
  });
  it("a value may contain '='; a single-dash argument is never split", () => {
    assert.deepEqual(read(["--vk=a=b", "-e=x"]), ["--vk=a=b", "-e=x"]);
  });
  it("a flag without its value (missing or empty) is a clear INVALID_ARGUMENT", () => {
    for (const args of [["--va"], ["--va="]]) {
      assert.throws(
        () => read(args),
        (e: SwarmError) => e.code === ErrorCodes.InvalidArgument && e.message === "svc: --va needs a value",
      );
    }
  });
});
