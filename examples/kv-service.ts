/**
 * A key-value service in 30 lines, served over the libswarm wire, and a client that uses it.
 * Run: node --import tsx examples/kv-service.ts [unix:///tmp/kv.sock | tcp://127.0.0.1:7000]
 */
import { NotFoundError, pipe, type Receiver, reply, type Sender, Server, Verbs } from "../src/core/index.ts";
import { connect, serve } from "../src/transport/index.ts";

// ---- the service ------------------------------------------------------------------------------
export function kvService(): Server {
  const data = new Map<string, string>();
  const watchers = new Set<Sender>();
  return new Server()
    .on(Verbs.Ls, async (m) => void (await reply(m, Verbs.Set, [...data.keys()])))
    .on(Verbs.Get, async (m) => {
      const v = data.get(m.args[0] ?? "");
      if (v === undefined) throw new NotFoundError(`no such key: ${m.args[0]}`);
      await reply(m, Verbs.Set, [v]);
    })
    .on(Verbs.Set, async (m) => {
      const [key = "", value = ""] = m.args;
      data.set(key, value);
      for (const w of watchers) await w.send({ verb: Verbs.Log, args: [key, value] }).catch(() => w.close());
      await reply(m, Verbs.Ack);
    })
    .on(Verbs.Watch, async (m) => {
      if (!m.ret || !(await reply(m, Verbs.Ack))) return;
      const [done, closed] = pipe(); // keep the reply stream open until the watcher leaves
      const w: Sender = {
        send: (x) => m.ret!.send(x),
        close: () => watchers.delete(w) && closed.close(),
      };
      watchers.add(w);
      await done.receive();
    });
}
// -------------------------------------------------------------------------------------------------

async function main(url: string): Promise<void> {
  const listener = await serve(url, kvService());
  const kv = await connect(listener.url);
  const changes: Receiver = await kv.watch();
  await kv.call(Verbs.Set, ["colour", "blue"]);
  await kv.call(Verbs.Set, ["shape", "round"]);
  console.log("keys:", (await kv.ls()).join(", "));
  console.log("colour =", await kv.get("colour"));
  for (let i = 0; i < 2; i++) console.log("change:", (await changes.receive())?.args.join(" = "));
  await kv.get("size").catch((err) => console.log("size:", err.code, "-", err.message));
  changes.close();
  kv.close();
  await listener.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv[2] ?? "tcp://127.0.0.1:0");
