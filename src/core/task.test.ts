import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Client } from "./client.ts";
import { ErrorCodes, type SwarmError } from "./errors.ts";
import { message } from "./message.ts";
import { pipe } from "./pipe.ts";
import { task } from "./task.ts";

describe("Task (PROTOCOL §5.3)", () => {
  it("Attach '' hands back the input and streams the output; Start runs the body once", async () => {
    let runs = 0;
    const t = task(async ({ input, output }) => {
      runs++;
      for await (const m of input) await output.send(message("Log", [`echo ${m.args[0]}`]));
    });
    const inst = new Client(t);
    const { object: input, output } = await inst.attach("");
    await inst.start();
    await inst.start();
    await input.log("a");
    await input.log("b");
    assert.equal((await output.receive())?.args[0], "echo a");
    assert.equal((await output.receive())?.args[0], "echo b");
    assert.equal(JSON.parse(await inst.get()).state, "running");
    await inst.stop();
    assert.equal(await output.receive(), undefined, "output ends when the body returns");
    assert.equal(runs, 1);
    assert.equal(JSON.parse(await inst.get()).state, "exited");
  });

  it("a second Attach is a conflict", async () => {
    const inst = new Client(task(() => {}));
    await inst.attach("");
    await assert.rejects(inst.attach(""), (e: SwarmError) => e.code === ErrorCodes.Conflict);
  });

  it("a body that throws sends Error on the output and is marked failed", async () => {
    const inst = new Client(
      task(() => {
        throw new Error("cannot bind");
      }),
    );
    const { output } = await inst.attach("");
    await inst.start();
    const m = await output.receive();
    assert.equal(m?.verb, "Error");
    assert.equal(m?.args[0], "cannot bind");
    assert.equal(await output.receive(), undefined);
    assert.equal(JSON.parse(await inst.get()).state, "failed");
  });

  it("Stop aborts the signal and waits for the body", async () => {
    let aborted = false;
    const inst = new Client(
      task(
        ({ signal }) =>
          new Promise<void>((resolve) =>
            signal.addEventListener("abort", () => {
              aborted = true;
              resolve();
            }),
          ),
      ),
    );
    await inst.start();
    await inst.stop();
    assert.equal(aborted, true);
  });

  it("Stop answers after stopTimeoutMs even if the body ignores the signal", async () => {
    const inst = new Client(task(() => new Promise<void>(() => {}), { stopTimeoutMs: 50 }));
    await inst.start();
    const t0 = Date.now();
    await inst.stop();
    assert.ok(Date.now() - t0 >= 40);
  });

  it("Stop before Start ends the output", async () => {
    const inst = new Client(task(() => {}));
    const { output } = await inst.attach("");
    await inst.stop();
    assert.equal(await output.receive(), undefined);
  });

  it("an Attach whose caller left before the Ack does not lock the instance", async () => {
    const t = task(async ({ output }) => {
      await output.send(message("Log", ["hello"]));
    });
    const [gone, ret] = pipe();
    gone.close(); // the caller stopped listening before the Ack came
    await t.send(message("Attach", [""], { ret }));
    await new Promise((r) => setImmediate(r));
    const inst = new Client(t);
    const { output } = await inst.attach("");
    await inst.start();
    assert.equal((await output.receive())?.args[0], "hello");
    assert.equal(await output.receive(), undefined);
  });

  it("Start after Stop does not run the body", async () => {
    let runs = 0;
    const inst = new Client(
      task(() => {
        runs++;
      }),
    );
    await inst.stop();
    await inst.start();
    assert.equal(runs, 0);
    assert.equal(JSON.parse(await inst.get()).state, "exited");
  });
});
