import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Packr } from "msgpackr";
import { ErrorCodes, SwarmError } from "../core/errors.ts";
import { ByteStreamRef, ChannelRef, decodeMessage, encodeMessage } from "./codec.ts";

const limits = { maxArgs: 16 };
const plain = new Packr({ useRecords: false });
const isProtocol = (e: unknown) => e instanceof SwarmError && e.code === ErrorCodes.Protocol;

describe("wire codec (docs/transport.md §3)", () => {
  it("round-trips every shape: plain, with ret, with att, with both", () => {
    for (const m of [
      { verb: "Log", args: ["a", ""], ret: undefined, att: undefined },
      { verb: "Spawn", args: [], ret: new ChannelRef(7), att: undefined },
      { verb: "Connect", args: ["x"], ret: undefined, att: new ByteStreamRef(9) },
      { verb: "File", args: ["f"], ret: new ChannelRef(0xffff_fffe), att: new ByteStreamRef(3) },
    ]) {
      assert.deepEqual(decodeMessage(encodeMessage(m), limits), m);
    }
  });

  it("is a msgpack array [verb, args, ret, att] with extension 1 (channel) and 2 (byte stream)", () => {
    const bytes = encodeMessage({
      verb: "Ack",
      args: ["x"],
      ret: new ChannelRef(5),
      att: new ByteStreamRef(6),
    });
    assert.equal(bytes[0], 0x94); // fixarray of 4
    assert.deepEqual(
      [...bytes.subarray(-12)],
      [0xd6, 1, 0, 0, 0, 5, 0xd6, 2, 0, 0, 0, 6], // fixext4, type, big-endian stream id
    );
  });

  it("refuses anything that is not the message shape with SWARM_ERR_PROTOCOL", () => {
    const bad: unknown[] = [
      42,
      "Log",
      ["Log"],
      ["Log", ["a"], null, null, null],
      ["bad verb!", []],
      ["", []],
      ["Log", "notarray"],
      ["Log", [1, 2]],
      ["Log", [["nested"]]],
      ["Log", [], "ret"],
      ["Log", [], null, 5],
      ["Log", Array.from({ length: 17 }, () => "a")],
    ];
    for (const v of bad)
      assert.throws(() => decodeMessage(plain.pack(v), limits), isProtocol, JSON.stringify(v));
  });

  it("refuses bad bytes: truncation, unknown extensions, wrong reference size, deep nesting", () => {
    const good = encodeMessage({ verb: "Log", args: ["hello"], ret: new ChannelRef(1), att: undefined });
    for (let n = 0; n < good.length; n++)
      assert.throws(() => decodeMessage(good.subarray(0, n), limits), isProtocol);
    assert.throws(
      () => decodeMessage(Buffer.from([0x92, 0xa3, 76, 111, 103, 0x90, 0xd4, 0x09, 0]), limits),
      isProtocol,
    );
    assert.throws(
      () => decodeMessage(Buffer.from([0x93, 0xa1, 76, 0x90, 0xd5, 0x01, 0, 1]), limits),
      isProtocol,
    );
    const deep = Buffer.concat([
      Buffer.from([0x92, 0xa3, 76, 111, 103]),
      Buffer.alloc(100_000, 0x91),
      Buffer.from([0x90]),
    ]);
    assert.throws(() => decodeMessage(deep, limits), isProtocol);
    // …and the decoder still works afterwards.
    assert.equal(decodeMessage(good, limits).verb, "Log");
  });
});
