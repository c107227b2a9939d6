import { ack, Server } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { DockerVerbs } from "../../docker/verbs.ts";
import { setDocument } from "./container.ts";
import type { Engine } from "./engine.ts";
import { pumpOutput, StdinSender } from "./io.ts";
import { optionsOf, ref } from "./json.ts";

/** An exec instance on the engine (PROTOCOL.md §6.3). `tty` comes from the ExecConfig it was made with. */
export function execObject(engine: Engine, id: string, tty: boolean): Server {
  const path = `/exec/${ref(id)}`;
  const server = new Server();

  server.on(Verbs.Get, async (msg) => setDocument(msg, await engine.call("GET", `${path}/json`)));

  server.on(Verbs.Start, async (msg) => {
    const o = optionsOf(msg.args[0], "Start");
    const body = msg.args[0] || JSON.stringify({ Detach: false, Tty: tty });
    const useTty = typeof o.Tty === "boolean" ? o.Tty : tty;
    const out = await engine.hijack("POST", `${path}/start`, { body });
    if (!("socket" in out)) {
      // Detached (or an engine that answered without upgrading): nothing to stream but its body.
      const stdin = new StdinSender(undefined, false);
      if (!(await ack(msg, [String(useTty)], stdin))) return void out.response.destroy();
      if (o.Detach === true) return void (await engine.readBody(out.response));
      return pumpOutput(engine, msg, out.response, useTty);
    }
    if (!(await ack(msg, [String(useTty)], new StdinSender(out.socket, true))))
      return void out.socket.destroy();
    await pumpOutput(engine, msg, out.socket, useTty);
  });

  server.on(DockerVerbs.Resize, async (msg) => {
    await engine.call("POST", `${path}/resize`, { query: { h: msg.args[0], w: msg.args[1] } });
    await ack(msg);
  });

  return server;
}
