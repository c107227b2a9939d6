#!/usr/bin/env node
// The README's run command (`npm start`): swarmd with a Docker API on a local address, backed by the
// embedded simulator. SWARMD_ADDR overrides the address; extra arguments are passed to swarmd.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const addr = process.env.SWARMD_ADDR ?? "tcp://127.0.0.1:4243";
const bin = fileURLToPath(new URL("../bin/swarmd.js", import.meta.url));
const args = [bin, ...process.argv.slice(2), `dockerserver ${addr}`, "simulator web db"];
process.stdout.write(
  `swarmd: Docker API on ${addr}, backed by the simulator. Try:\n  docker -H ${addr} ps\n  docker -H ${addr} run --rm busybox echo hi\n`,
);
const child = spawn(process.execPath, args, { stdio: "inherit" });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
// swarmd exits 0 on SIGINT/SIGTERM once its chain has stopped; dying of a signal means it did not.
child.on("exit", (code) => process.exit(code ?? 1));
