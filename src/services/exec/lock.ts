import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConflictError } from "../../core/errors.ts";
import { isSameProcess } from "./proctree.ts";

/**
 * One exec service per state directory: two would both believe they own the same processes.
 * The lock is a file holding the owner's PID; a stale one (its process gone) is taken over.
 */
export function lockRoot(root: string): () => void {
  const file = join(root, "swarmd.pid");
  let owner: number | undefined;
  try {
    owner = Number(readFileSync(file, "utf8").trim());
  } catch {
    owner = undefined;
  }
  if (owner && owner !== process.pid && isSameProcess(owner, undefined)) {
    throw new ConflictError(
      `exec: the state directory ${root} is in use by another swarmd (pid ${owner}); use --root`,
    );
  }
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (Number(readFileSync(file, "utf8").trim()) === process.pid) rmSync(file);
    } catch {
      // already gone
    }
  };
}
