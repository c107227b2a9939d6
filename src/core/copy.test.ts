import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { copy } from "./copy.ts";
import { ClosedError } from "./errors.ts";
import { message } from "./message.ts";
import { pipe } from "./pipe.ts";

describe("copy", () => {
  it("forwards every message in order and closes the destination at EOF", async () => {
    const [srcR, srcS] = pipe();
    const [dstR, dstS] = pipe();
    const done = copy(dstS, srcR);
    for (let i = 0; i < 100; i++) await srcS.send(message("Log", [String(i)]));
    srcS.close();
    const got: string[] = [];
    for await (const m of dstR) got.push(m.args[0]!);
    assert.equal(await done, 100);
    assert.deepEqual(
      got,
      Array.from({ length: 100 }, (_, i) => String(i)),
    );
  });

  it("stops and closes the source when the destination goes away, settling the stuck message's ret", async () => {
    const [srcR, srcS] = pipe();
    const [dstR, dstS] = pipe({ highWaterMark: 1 });
    const done = copy(dstS, srcR);
    dstR.close();
    const [replies, ret] = pipe();
    await srcS.send(message("Get", [], { ret }));
    assert.equal(await done, 0);
    assert.equal(await replies.receive(), undefined);
    await assert.rejects(srcS.send(message("Log")));
  });

  it("leaves the destination open with closeDst: false", async () => {
    const [srcR, srcS] = pipe();
    const [dstR, dstS] = pipe();
    const done = copy(dstS, srcR, { closeDst: false });
    srcS.close();
    await done;
    await dstS.send(message("Log", ["still open"]));
    assert.equal((await dstR.receive())?.args[0], "still open");
  });

  it("waits on the destination's back-pressure: a stalled reader bounds what is taken from the source (3.5)", async () => {
    const [srcR, srcS] = pipe({ highWaterMark: 2 });
    const [dstR, dstS] = pipe({ highWaterMark: 2 });
    const done = copy(dstS, srcR);
    let accepted = 0;
    const sends = Array.from({ length: 20 }, (_, i) =>
      srcS.send(message("Log", [String(i)])).then(() => accepted++),
    );
    await new Promise((r) => setTimeout(r, 20));
    // 2 queued in dst, 1 held by copy, 2 queued in src: nothing more until the reader reads.
    assert.equal(accepted, 5);
    const got: string[] = [];
    for (let i = 0; i < 20; i++) got.push((await dstR.receive())!.args[0]!);
    await Promise.all(sends);
    srcS.close();
    assert.equal(await done, 20);
    assert.deepEqual(
      got,
      Array.from({ length: 20 }, (_, i) => String(i)),
    );
    assert.equal(await dstR.receive(), undefined);
  });

  it("a message in flight when the destination closes has its ret closed and its att destroyed", async () => {
    const [srcR, srcS] = pipe();
    const [dstR, dstS] = pipe({ highWaterMark: 1 });
    const done = copy(dstS, srcR);
    await srcS.send(message("Log", ["fills dst"]));
    const [replies, ret] = pipe();
    const att = new PassThrough();
    await srcS.send(message("Get", [], { ret, att }));
    await new Promise((r) => setImmediate(r));
    dstR.close();
    assert.equal(await done, 1);
    assert.equal(await replies.receive(), undefined);
    assert.equal(att.destroyed, true);
    await assert.rejects(srcS.send(message("Log")), ClosedError);
  });
});
