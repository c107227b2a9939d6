import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Client, request } from "./client.ts";
import {
  ConflictError,
  ErrorCodes,
  fromErrorArgs,
  NotFoundError,
  type SwarmError,
  toErrorArgs,
} from "./errors.ts";
import { handler } from "./handler.ts";
import { message } from "./message.ts";
import { pipe } from "./pipe.ts";
import { ack, reply, Server } from "./server.ts";
import { Tree } from "./tree.ts";

const code = (c: string) => (e: SwarmError) => e.code === c;

describe("handler (PROTOCOL §3.4, §4)", () => {
  it("answers Error [message, code] when the function throws, then closes ret", async () => {
    const h = handler(() => {
      throw new NotFoundError("No such container: x");
    });
    const replies = await request(h, "Get");
    const m = await replies.receive();
    assert.equal(m?.verb, "Error");
    assert.deepEqual(m?.args, ["No such container: x", ErrorCodes.NotFound]);
    assert.equal(await replies.receive(), undefined);
  });

  it("closes ret when the function returns without replying", async () => {
    const h = handler(() => {});
    const replies = await request(h, "Start");
    assert.equal(await replies.receive(), undefined);
  });

  it("limits concurrency: send waits for a free slot (back-pressure)", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let running = 0;
    let peak = 0;
    const h = handler(
      async () => {
        running++;
        peak = Math.max(peak, running);
        await gate;
        running--;
      },
      { concurrency: 2 },
    );
    await h.send(message("Log"));
    await h.send(message("Log"));
    let thirdAccepted = false;
    const third = h.send(message("Log")).then(() => (thirdAccepted = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(thirdAccepted, false);
    release();
    await third;
    assert.equal(peak, 2);
  });

  it("reports errors it cannot deliver (no ret)", async () => {
    const seen: unknown[] = [];
    const h = handler(
      () => {
        throw new Error("boom");
      },
      { onUndeliveredError: (e) => seen.push(e) },
    );
    await h.send(message("Log"));
    await new Promise((r) => setImmediate(r));
    assert.equal((seen[0] as Error).message, "boom");
  });

  it("a closed handler still answers, with Error SWARM_ERR_CLOSED (3.2), and closes ret", async () => {
    const h = handler(() => {});
    h.close();
    const replies = await request(h, "Get");
    const m = await replies.receive();
    assert.equal(m?.verb, "Error");
    assert.equal(m?.args[1], ErrorCodes.Closed);
    assert.equal(await replies.receive(), undefined);
  });

  it("a request waiting for a slot when the handler closes is answered CLOSED, not run", async () => {
    let release!: () => void;
    const ran: string[] = [];
    const h = handler(
      async (msg) => {
        ran.push(msg.args[0]!);
        if (msg.args[0] === "1") await new Promise<void>((r) => (release = r));
      },
      { concurrency: 1 },
    );
    await h.send(message("Get", ["1"]));
    const [replies, ret] = pipe();
    const waiting = h.send(message("Get", ["2"], { ret }));
    h.close();
    release();
    await waiting;
    const m = await replies.receive();
    assert.equal(m?.args[1], ErrorCodes.Closed);
    assert.deepEqual(ran, ["1"]);
  });

  it("an onUndeliveredError that throws does not escape as an unhandled rejection", async () => {
    const escaped: unknown[] = [];
    const onRejection = (e: unknown) => escaped.push(e);
    process.on("unhandledRejection", onRejection);
    try {
      const h = handler(
        () => {
          throw new Error("boom");
        },
        {
          onUndeliveredError: () => {
            throw new Error("the reporter failed too");
          },
        },
      );
      await h.send(message("Log"));
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(escaped, []);
      assert.equal(h.active, 0);
    } finally {
      process.off("unhandledRejection", onRejection);
    }
  });
});

describe("errors", () => {
  it("round-trips every code through Error args", () => {
    for (const c of Object.values(ErrorCodes)) {
      const e = fromErrorArgs(["msg", c]);
      assert.equal(e.code, c);
      assert.equal(e.message, "msg");
      assert.deepEqual(toErrorArgs(e), ["msg", c]);
    }
  });
  it("treats a missing or unknown code as SWARM_ERR_INTERNAL (4.1)", () => {
    assert.equal(fromErrorArgs(["x"]).code, ErrorCodes.Internal);
    assert.equal(fromErrorArgs(["x", "WHATEVER"]).code, ErrorCodes.Internal);
    assert.equal(fromErrorArgs([]).message, "unknown error");
    assert.deepEqual(toErrorArgs("plain"), ["plain", ErrorCodes.Internal]);
  });
});

describe("Server", () => {
  it("dispatches by verb and answers unknown verbs Error 'not implemented' (2.1)", async () => {
    const s = new Server().on("Get", (m) => reply(m, "Set", ["state"]).then(() => {}));
    const c = new Client(s);
    assert.equal(await c.get(), "state");
    await assert.rejects(c.start(), code(ErrorCodes.NotImplemented));
    const replies = await request(s, "Frobnicate");
    assert.deepEqual((await replies.receive())?.args, ["not implemented", ErrorCodes.NotImplemented]);
  });

  it("sends unrouted verbs to the catch-all", async () => {
    const s = new Server().catchAll((m) => reply(m, "Ack", [m.verb]).then(() => {}));
    assert.deepEqual(await new Client(s).call("Kill", ["TERM"]).then((m) => m.args), ["Kill"]);
  });
});

describe("Client", () => {
  const backend = new Server()
    .on("Ls", (m) => reply(m, "Set", ["a", "b"]).then(() => {}))
    .on("Spawn", async (m) => {
      const obj = new Server().on("Get", (g) =>
        reply(g, "Set", [`child of ${m.args.join(",")}`]).then(() => {}),
      );
      await ack(m, [], obj);
    })
    .on("Start", () => {
      throw new ConflictError("already started");
    })
    .on("Stop", () => {}) // answers nothing: the caller must not hang
    .on("Get", (m) => reply(m, "Ack").then(() => {})) // wrong reply verb
    .on("Watch", async (m) => {
      await ack(m);
      for (const e of ["e1", "e2"]) await reply(m, "Set", [e]);
    })
    .on("Connect", (m) => reply(m, "Connect").then(() => {})); // no att

  const c = new Client(backend);

  it("ls returns the names of the Set reply", async () => {
    assert.deepEqual(await c.ls(), ["a", "b"]);
  });
  it("spawn returns the object handed back in the Ack's ret", async () => {
    const child = await c.spawn("x", "y");
    assert.equal(await child.get(), "child of x,y");
  });
  it("an Error reply becomes a thrown typed error with a stable code", async () => {
    await assert.rejects(
      c.start(),
      (e: SwarmError) => e instanceof ConflictError && e.code === ErrorCodes.Conflict,
    );
  });
  it("no reply becomes SWARM_ERR_NO_REPLY (3.4)", async () => {
    await assert.rejects(c.stop(), code(ErrorCodes.NoReply));
  });
  it("an Error reply that carries an object closes that object (nobody will use it)", async () => {
    const [objInput, obj] = pipe();
    const target = handler(async (msg) => {
      await msg.ret!.send(message("Error", ["refused", ErrorCodes.Forbidden], { ret: obj }));
    });
    await assert.rejects(new Client(target).spawn(), code(ErrorCodes.Forbidden));
    assert.equal(await objInput.receive(), undefined, "the handed-back object was left open");
  });

  it("an unexpected reply verb becomes SWARM_ERR_PROTOCOL", async () => {
    await assert.rejects(c.get(), code(ErrorCodes.Protocol));
    await assert.rejects(c.connect(), code(ErrorCodes.Protocol));
    await assert.rejects(c.getJSON(), code(ErrorCodes.Protocol));
  });
  it("watch yields notifications after the Ack, then EOF", async () => {
    const events: string[] = [];
    for await (const m of await c.watch()) events.push(m.args[0]!);
    assert.deepEqual(events, ["e1", "e2"]);
  });
  it("one-way set/log/error reach the target", async () => {
    const [r, s] = pipe();
    const oneWay = new Client(s);
    await oneWay.set("k", "v");
    await oneWay.log("line");
    await oneWay.error("bad", ErrorCodes.Internal);
    assert.deepEqual(
      [await r.receive(), await r.receive(), await r.receive()].map((m) => [m?.verb, ...(m?.args ?? [])]),
      [
        ["Set", "k", "v"],
        ["Log", "line"],
        ["Error", "bad", ErrorCodes.Internal],
      ],
    );
  });
  it("request on a closed target fails with SWARM_ERR_CLOSED", async () => {
    const [r, s] = pipe();
    r.close();
    await assert.rejects(new Client(s).ls(), code(ErrorCodes.Closed));
  });
  it("pending reply waiters fail instead of hanging when the channel closes (3.6)", async () => {
    const [r, s] = pipe();
    const pending = new Client(s).ls();
    r.close(); // drops the queued request and closes its ret
    await assert.rejects(pending, code(ErrorCodes.NoReply));
  });
});

describe("Tree", () => {
  it("Attach gives a named child, Ls lists names, unknown names are NOT_FOUND", async () => {
    const child = new Server().on("Get", (m) => reply(m, "Set", ["leaf"]).then(() => {}));
    const t = new Tree().bind("a", child).bind("b", child);
    const c = new Client(t);
    assert.deepEqual(await c.ls(), ["a", "b"]);
    assert.equal(await (await c.open("a")).get(), "leaf");
    await assert.rejects(c.open("zzz"), code(ErrorCodes.NotFound));
    assert.deepEqual(await (await c.open("")).ls(), ["a", "b"], "Attach '' is the tree itself");
    t.unbind("b");
    assert.deepEqual(t.names(), ["a"]);
  });
});
