import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { copy } from "./copy.ts";
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
});
