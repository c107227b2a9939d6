import { InvalidArgumentError, NotImplementedError } from "../../core/errors.ts";
import type { Message } from "../../core/message.ts";
import { ack, reply, Server } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { ContainerGets, DockerVerbs } from "../../docker/verbs.ts";
import type { Engine, Query } from "./engine.ts";
import { execObject } from "./exec.ts";
import { pumpOutput, StdinSender } from "./io.ts";
import { documentOf, optionsOf, ref } from "./json.ts";

/**
 * A container on the engine (PROTOCOL.md §6.2): every verb is one engine call on
 * /containers/{name}. `name` is the caller's own spelling (from `Attach`), because the engine
 * repeats it in messages the CLI prints ("Cannot kill container: web: …"); after a Rename the ID
 * is used. `tty` (immutable for a container) decides whether its output is multiplexed.
 */
export function containerObject(engine: Engine, id: string, tty: boolean, name: string = id): Server {
  let path = `/containers/${ref(name)}`;
  const post = (action: string, query?: Query) =>
    engine.call("POST", `${path}/${action}`, query ? { query } : {});
  const server = new Server();

  server.on(Verbs.Get, async (msg) => {
    const what = msg.args[0] ?? ContainerGets.inspect;
    if (what === ContainerGets.inspect) return setDocument(msg, await engine.call("GET", `${path}/json`));
    if (what === ContainerGets.top) {
      const psArgs = msg.args[1];
      return setDocument(msg, await engine.call("GET", `${path}/top`, { query: { ps_args: psArgs } }));
    }
    throw new InvalidArgumentError(`unknown container Get: ${what}`);
  });

  server.on(Verbs.Start, async (msg) => {
    await post("start");
    await ack(msg);
  });
  server.on(Verbs.Stop, async (msg) => {
    await post("stop", { t: msg.args[0], signal: msg.args[1] });
    await ack(msg);
  });
  server.on(DockerVerbs.Kill, async (msg) => {
    await post("kill", { signal: msg.args[0] });
    await ack(msg);
  });
  server.on(DockerVerbs.Restart, async (msg) => {
    await post("restart", { t: msg.args[0], signal: msg.args[1] });
    await ack(msg);
  });
  server.on(DockerVerbs.Pause, async (msg) => {
    await post("pause");
    await ack(msg);
  });
  server.on(DockerVerbs.Unpause, async (msg) => {
    await post("unpause");
    await ack(msg);
  });
  server.on(DockerVerbs.Rename, async (msg) => {
    const name = msg.args[0];
    if (!name) throw new InvalidArgumentError("Rename needs a new name");
    await post("rename", { name });
    path = `/containers/${ref(id)}`;
    await ack(msg);
  });
  server.on(DockerVerbs.Remove, async (msg) => {
    const o = optionsOf(msg.args[0], "Remove");
    await engine.call("DELETE", path, {
      query: { force: o.force === true, v: o.v === true, link: o.link === true },
    });
    await ack(msg);
  });
  server.on(DockerVerbs.Resize, async (msg) => {
    await post("resize", { h: msg.args[0], w: msg.args[1] });
    await ack(msg);
  });

  // The engine sends the headers once the wait is registered (so `docker run --rm` cannot miss the exit).
  server.on(DockerVerbs.Wait, async (msg) => {
    const res = await engine.stream("POST", `${path}/wait`, { query: { condition: msg.args[0] } });
    if (!(await ack(msg))) return void res.destroy();
    const body = await engine.readBody(res);
    await setDocument(msg, body);
  });

  server.on(DockerVerbs.Logs, async (msg) => {
    const o = optionsOf(msg.args[0], "Logs");
    const both = o.stdout === undefined && o.stderr === undefined;
    const query: Query = {
      follow: o.follow === true,
      stdout: both || o.stdout === true,
      stderr: both || o.stderr === true,
      since: numberOrUndefined(o.since),
      until: numberOrUndefined(o.until),
      timestamps: o.timestamps === true,
      tail: o.tail === undefined ? undefined : String(o.tail),
    };
    const res = await engine.stream("GET", `${path}/logs`, { query });
    if (!(await ack(msg, [String(tty)]))) return void res.destroy();
    await pumpOutput(engine, msg, res, tty);
  });

  server.on(Verbs.Attach, async (msg) => {
    if ((msg.args[0] ?? "") !== "") throw new NotImplementedError("a container has no children");
    const o = optionsOf(msg.args[1], "Attach");
    const query: Query = {
      stream: o.stream !== false,
      stdin: o.stdin === true,
      stdout: o.stdout !== false,
      stderr: o.stderr !== false,
      logs: o.logs === true,
      detachKeys: typeof o.detachKeys === "string" ? o.detachKeys : undefined,
    };
    const out = await engine.hijack("POST", `${path}/attach`, { query });
    const socket = "socket" in out ? out.socket : out.response;
    const stdin = new StdinSender("socket" in out ? out.socket : undefined, o.stdin === true);
    if (!(await ack(msg, [String(tty)], stdin))) return void socket.destroy();
    await pumpOutput(engine, msg, socket, tty);
  });

  server.on(DockerVerbs.Exec, async (msg) => {
    const config = documentOf(msg.args[0], "Exec");
    const created = JSON.parse(
      (await engine.call("POST", `${path}/exec`, { body: config.raw })).toString("utf8"),
    ) as {
      Id: string;
    };
    await ack(msg, [created.Id], execObject(engine, created.Id, config.value.Tty === true));
  });

  return server;
}

/** `Set [document]`: the engine's JSON as it sent it, minus the trailing newline. */
export async function setDocument(msg: Message, body: Buffer): Promise<void> {
  let s = body.toString("utf8");
  if (s.endsWith("\n")) s = s.slice(0, -1);
  await reply(msg, Verbs.Set, [s]);
}

function numberOrUndefined(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}
