import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { call } from "../core/client.ts";
import { ErrorCodes, InvalidArgumentError, type SwarmError } from "../core/errors.ts";
import { type LogRecord, recordingLogger } from "../core/logger.ts";
import { message } from "../core/message.ts";
import { ack } from "../core/server.ts";
import { Verbs } from "../core/verbs.ts";
import { buildCatalogue } from "../services/registry.ts";
import type { ServiceDefinition } from "../services/service.ts";
import { buildPipeline } from "./pipeline.ts";

/** Test services: each records what happened to it in `events`. */
function testServices(events: string[]) {
  const def = (name: string, create: ServiceDefinition["create"]): ServiceDefinition => ({
    name,
    summary: name,
    usage: name,
    create,
  });
  return [
    // Sends one request per arg to the next service and logs the reply verb.
    def("asker", (args) => async ({ output, signal }) => {
      for (const verb of args) {
        try {
          const m = await call(output, verb, [], [Verbs.Ack]);
          events.push(`asker got ${m.verb}`);
        } catch (err) {
          events.push(`asker got ${(err as SwarmError).code}`);
        }
      }
      await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
      events.push("asker stopped");
    }),
    // Answers Ack to every request until its input ends.
    def("acker", () => async ({ input }) => {
      for await (const m of input) await ack(m);
      events.push("acker input ended");
    }),
    // Logs a line, then waits for Stop.
    def("logger", () => async ({ output, signal }) => {
      await output.send(message(Verbs.Log, ["hello from the end"]));
      await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
      events.push("logger stopped");
    }),
    // Sends one request carrying a byte stream, and reports what became of both.
    def("streamer", () => async ({ output, signal }) => {
      const att = new PassThrough();
      try {
        await call(output, "Connect", [], ["Connect"], att);
      } catch (err) {
        events.push(`streamer got ${(err as SwarmError).code}`);
      }
      events.push(`att destroyed: ${att.destroyed}`);
      await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
    }),
    // Ends at once, so its input is closed before anything reaches it.
    def("quitter", () => () => {}),
    // Fails at once: the Task sends a one-way Error on its output.
    def("crasher", () => async () => {
      throw new Error("crasher broke");
    }),
    def("picky", (args) => {
      if (args.length) throw new InvalidArgumentError(`picky takes no arguments, got ${args.join(" ")}`);
      return () => {};
    }),
  ];
}

describe("swarmd pipeline (PROTOCOL §5.4, §5.5)", () => {
  it("requests flow to the next service and replies come back", async () => {
    const events: string[] = [];
    const catalogue = buildCatalogue(testServices(events), recordingLogger());
    const p = await buildPipeline(catalogue, ["asker Get", "acker"], recordingLogger());
    while (!events.includes("asker got Ack")) await new Promise((r) => setTimeout(r, 5));
    await p.stop();
    await p.done;
    assert.deepEqual(events, ["asker got Ack", "asker stopped", "acker input ended"]);
  });

  it("a request past the last service gets no reply (its ret is closed), never hangs", async () => {
    const events: string[] = [];
    const catalogue = buildCatalogue(testServices(events), recordingLogger());
    const p = await buildPipeline(catalogue, ["asker Get"], recordingLogger());
    while (events.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(events, [`asker got ${ErrorCodes.NoReply}`]);
    await p.stop();
    await p.done;
  });

  it("a request the next service can no longer take is settled: ret closed, att destroyed", async () => {
    const events: string[] = [];
    const catalogue = buildCatalogue(testServices(events), recordingLogger());
    const p = await buildPipeline(catalogue, ["streamer", "quitter"], recordingLogger());
    while (events.length < 2) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(events, [`streamer got ${ErrorCodes.NoReply}`, "att destroyed: true"]);
    await p.stop();
    await p.done;
  });

  it("Log lines from the last service are logged by swarmd", async () => {
    const records: LogRecord[] = [];
    const catalogue = buildCatalogue(testServices([]), recordingLogger());
    const p = await buildPipeline(catalogue, ["logger"], recordingLogger(records));
    while (!records.some((r) => r.msg === "hello from the end")) await new Promise((r) => setTimeout(r, 5));
    await p.stop();
    await p.done;
  });

  it("a one-way Error from a service rejects done with its message; the services behind see EOF", async () => {
    const events: string[] = [];
    const catalogue = buildCatalogue(testServices(events), recordingLogger());
    const p = await buildPipeline(catalogue, ["crasher", "acker"], recordingLogger());
    await assert.rejects(p.done, /crasher broke/);
    while (!events.includes("acker input ended")) await new Promise((r) => setTimeout(r, 5));
    await p.stop();
  });

  it("a service that refuses its arguments fails the build, and the ones already started are stopped", async () => {
    const events: string[] = [];
    const catalogue = buildCatalogue(testServices(events), recordingLogger());
    await assert.rejects(
      buildPipeline(catalogue, ["logger", "picky nope"], recordingLogger()),
      (e: SwarmError) => e.code === ErrorCodes.InvalidArgument,
    );
    assert.deepEqual(events, ["logger stopped"]);
  });

  it("stop is idempotent and stops front to back", async () => {
    const events: string[] = [];
    const catalogue = buildCatalogue(testServices(events), recordingLogger());
    const p = await buildPipeline(catalogue, ["asker", "logger"], recordingLogger());
    const first = p.stop();
    await p.stop(); // a second call resolves only once the chain has stopped, as the first does
    assert.deepEqual(events, ["asker stopped", "logger stopped"]);
    await first;
    await p.done;
    assert.deepEqual(events, ["asker stopped", "logger stopped"]);
  });
});
