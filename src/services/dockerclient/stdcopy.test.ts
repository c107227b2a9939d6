import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ErrorCodes, SwarmError } from "../../core/errors.ts";
import { lines } from "./lines.ts";
import { demux, EngineStreamError } from "./stdcopy.ts";

function frame(type: number, payload: string | Buffer): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload) : payload;
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
}

async function* chunks(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function all(buf: Buffer, size: number): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  for await (const [s, b] of demux(chunks(buf, size))) out[s] += b.toString("latin1");
  return out;
}

describe("stdcopy demultiplexing", () => {
  const wire = Buffer.concat([
    frame(1, "out1\n"),
    frame(2, "err\n"),
    frame(1, Buffer.from([0, 255, 10])),
    frame(1, ""),
  ]);
  test("any read size, one byte at a time included, gives the same streams", async () => {
    for (const size of [1, 3, 7, 8, 9, 64, wire.length]) {
      assert.deepEqual(
        await all(wire, size),
        { stdout: "out1\n\u0000\u00ff\n", stderr: "err\n" },
        `read size ${size}`,
      );
    }
  });
  test("a systemerr frame is the engine's error; a cut frame and a bad type are protocol errors", async () => {
    await assert.rejects(
      all(Buffer.concat([frame(1, "x"), frame(3, "boom")]), 5),
      (e) => e instanceof EngineStreamError && e.message === "boom",
    );
    await assert.rejects(
      all(frame(1, "abcdef").subarray(0, 10), 4),
      (e) => e instanceof SwarmError && e.code === ErrorCodes.Protocol,
    );
    await assert.rejects(
      all(frame(9, "x"), 4),
      (e) => e instanceof SwarmError && e.code === ErrorCodes.Protocol,
    );
  });
});

describe("newline-delimited engine documents", () => {
  test("lines split across reads (and inside UTF-8 sequences) are joined; big integers stay text", async () => {
    const text = '{"timeNano":1795397900751019712,"x":"é"}\n\n{"a":1}\r\n{"tail":true}';
    for (const size of [1, 2, 5, 100]) {
      const got: string[] = [];
      for await (const l of lines(chunks(Buffer.from(text), size))) got.push(l);
      assert.deepEqual(got, ['{"timeNano":1795397900751019712,"x":"é"}', '{"a":1}', '{"tail":true}']);
    }
  });
});
