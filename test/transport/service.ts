import { createHash } from "node:crypto";
import { request } from "../../src/core/client.ts";
import { NotFoundError, ProtocolError } from "../../src/core/errors.ts";
import { type Message, message, type Receiver } from "../../src/core/message.ts";
import { ack, reply, Server } from "../../src/core/server.ts";
import { Verbs } from "../../src/core/verbs.ts";
import { memoryConnection } from "../../src/transport/memory.ts";

/**
 * The service every transport in the shared suite is tested against. Verbs:
 * Ls, Get (echo), Start ["missing"] (NotFound), Stop (no reply), Spawn (a nested object),
 * Watch [n] (n Log lines, stops when the caller leaves), Attach ["hang"] (never answers),
 * Connect (an echo byte stream), File (+att: reads it, answers its size and sha256),
 * Bounce [k] (nested return channels that alternate direction k times).
 */
export function testService() {
  const hung: (() => void)[] = [];
  let watchStopped: (sent: number) => void = () => {};
  const server = nested("root");
  server.on(Verbs.Ls, async (m) => {
    await reply(m, Verbs.Set, ["a", "b", "c"]);
  });
  server.on(Verbs.Start, (m) => {
    if (m.args[0] === "missing") throw new NotFoundError("no such thing: missing");
    return ack(m).then(() => {});
  });
  server.on(Verbs.Stop, () => {});
  server.on(Verbs.Watch, async (m) => {
    await ack(m);
    const n = Number(m.args[0] ?? 0);
    let i = 0;
    while (i < n && (await reply(m, Verbs.Log, [String(i)]))) i++;
    watchStopped(i);
  });
  server.on(Verbs.Attach, async (m) => {
    await new Promise<void>((r) => hung.push(r));
    await ack(m);
  });
  server.on(Verbs.Connect, async (m) => {
    const [mine, theirs] = memoryConnection();
    mine.pipe(mine);
    await reply(m, Verbs.Connect, [], { att: theirs });
  });
  server.on(Verbs.File, async (m) => {
    if (!m.att) throw new ProtocolError("File needs att");
    const h = createHash("sha256");
    let n = 0;
    for await (const c of m.att.iterator({ destroyOnReturn: false })) {
      h.update(c as Buffer);
      n += (c as Buffer).length;
    }
    m.att.end("received");
    await ack(m, [String(n), h.digest("hex")]);
  });
  server.on("Bounce", (m) => answerBounce(m));
  return {
    server,
    /** Resolves with how many Log lines the next Watch sent before its caller left. */
    nextWatchStop: () => new Promise<number>((r) => (watchStopped = r)),
    release: () => {
      for (const r of hung.splice(0)) r();
    },
  };
}

function nested(path: string): Server {
  const s = new Server();
  s.on(Verbs.Get, async (m) => {
    await reply(m, Verbs.Set, [m.args.length ? m.args.join(",") : path]);
  });
  s.on(Verbs.Spawn, async (m) => {
    await ack(m, [], nested(`${path}/${m.args[0] ?? "child"}`));
  });
  return s;
}

/** Answer `Bounce [k]`: ask the asker `Bounce [k-1]` on its own return channel, then reply. */
export async function answerBounce(m: Message): Promise<void> {
  const k = Number(m.args[0]);
  if (k === 0) {
    await m.ret!.send(message(Verbs.Ack, ["0"]));
    return m.ret!.close();
  }
  const r = await driveBounce(await request(m.ret!, "Bounce", [k - 1]));
  await m.ret!.send(message(Verbs.Ack, [`${r}.${k}`]));
  m.ret!.close();
}

/** Read a Bounce reply stream: answer nested Bounces until the Ack. */
export async function driveBounce(replies: Receiver): Promise<string> {
  for (;;) {
    const m = await replies.receive();
    if (!m) throw new ProtocolError("bounce: EOF before Ack");
    if (m.verb === "Bounce") await answerBounce(m);
    else if (m.verb === Verbs.Ack) {
      replies.close();
      return m.args[0]!;
    } else throw new ProtocolError(`bounce: unexpected ${m.verb}`);
  }
}
