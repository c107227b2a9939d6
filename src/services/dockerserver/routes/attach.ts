import type { Writable } from "node:stream";
import { InvalidArgumentError, NotFoundError } from "../../../core/errors.ts";
import type { Message, Receiver } from "../../../core/message.ts";
import { Verbs } from "../../../core/verbs.ts";
import { type AttachOptions, DockerVerbs, type ExecStartOptions } from "../../../docker/verbs.ts";
import { ackOf, get, openContainer, openStream } from "../backend.ts";
import { type Ctx, type ExecRef, parseJSONBody, q, qBool, readBody } from "../context.ts";
import { pumpStreams, readUpgradeBody } from "../hijack.ts";
import { ATTACH_UPGRADED, EXEC_UPGRADED, sendEmpty, sendJSON } from "../response.ts";
import { sizeArgs, validateConfig } from "./containers.ts";

/** Attach and exec: the hijacked endpoints (PROTOCOL §6.2, §6.3, §6.6). */

/** Hand an acknowledged stream to the client: hijacked after a 101, or as a plain 200 stream. */
async function deliver(
  ctx: Ctx,
  ack: Message,
  replies: Receiver,
  upgraded: string,
  rest: Buffer,
): Promise<void> {
  const tty = ack.args[0] === "true";
  const stdin = ack.ret;
  if (ctx.upgrade) {
    const socket = ctx.upgrade.socket;
    ctx.upgrade.upgraded = true;
    socket.write(upgraded);
    await pumpStreams({
      replies,
      tty,
      out: socket,
      stdin,
      stdinSrc: socket,
      firstStdin: rest,
      endOut: () => socket.end(),
    });
    return;
  }
  // No Upgrade header: the engine still streams, as 200 + raw-stream. Stdin is not read then, but
  // stays open (its EOF could end the container) until the stream is over.
  const res = ctx.res!;
  res.writeHead(200, ["Content-Type", "application/vnd.docker.raw-stream"]);
  res.flushHeaders();
  await pumpStreams({
    replies,
    tty,
    out: res as Writable,
    stdin,
    stdinSrc: undefined,
    endOut: () => res.end(),
  });
}

/** POST /containers/{id}/attach → `Attach ["", options]` on the container object. */
export async function attach(ctx: Ctx): Promise<void> {
  const opts: AttachOptions = {
    stream: qBool(ctx, "stream"),
    stdin: qBool(ctx, "stdin"),
    stdout: qBool(ctx, "stdout"),
    stderr: qBool(ctx, "stderr"),
    logs: qBool(ctx, "logs"),
  };
  const keys = q(ctx, "detachKeys");
  if (keys) opts.detachKeys = keys;
  let rest: Buffer = Buffer.alloc(0);
  if (ctx.upgrade) {
    const len = Number(ctx.req.headers["content-length"] ?? 0) || 0;
    rest = (await readUpgradeBody(ctx.upgrade.socket, ctx.upgrade.head, len, ctx.state.maxBody)).rest;
  }
  const c = await openContainer(ctx.root, ctx.params.id!);
  const { ack, replies } = await openStream(c.object, Verbs.Attach, ["", JSON.stringify(opts)]);
  await deliver(ctx, ack, replies, ATTACH_UPGRADED, rest);
}

function execOf(ctx: Ctx): ExecRef {
  const id = ctx.params.id!;
  const e = ctx.state.execs.get(id);
  if (!e) throw new NotFoundError(`No such exec instance: ${id}`);
  return e;
}

/** Exec IDs we keep (§6.4.1); the oldest are forgotten past this many. */
const MAX_EXECS = 10_000;

/** POST /containers/{id}/exec → `Exec [config]`: Ack [execId] with the exec object. */
export async function execCreate(ctx: Ctx): Promise<void> {
  const body = parseJSONBody(await readBody(ctx.req, ctx.state.maxBody));
  const config = validateConfig(body ?? {}, "ExecConfig");
  if (!Array.isArray(config.Cmd) || config.Cmd.length === 0)
    throw new InvalidArgumentError("No exec command specified");
  const c = await openContainer(ctx.root, ctx.params.id!);
  const m = await ackOf(c.object, DockerVerbs.Exec, [JSON.stringify(config)]);
  const id = m.args[0];
  if (!id || !m.ret) throw new InvalidArgumentError("the backend's Exec reply carries no exec object");
  const execs = ctx.state.execs;
  if (execs.size >= MAX_EXECS) execs.delete(execs.keys().next().value!);
  execs.set(id, { object: m.ret, containerId: c.id });
  sendJSON(ctx.res!, 201, JSON.stringify({ Id: id }));
}

/** POST /exec/{id}/start → `Start [options]` on the exec object; hijacked unless Detach. */
export async function execStart(ctx: Ctx): Promise<void> {
  let raw: Buffer;
  let rest: Buffer = Buffer.alloc(0);
  if (ctx.upgrade) {
    const len = Number(ctx.req.headers["content-length"] ?? 0) || 0;
    ({ body: raw, rest } = await readUpgradeBody(
      ctx.upgrade.socket,
      ctx.upgrade.head,
      len,
      ctx.state.maxBody,
    ));
  } else {
    raw = await readBody(ctx.req, ctx.state.maxBody);
  }
  const doc = parseJSONBody(raw) ?? {};
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new InvalidArgumentError(
      "json: cannot unmarshal the body into Go value of type types.ExecStartCheck",
    );
  }
  const opts = doc as ExecStartOptions;
  if (opts.Detach !== undefined && typeof opts.Detach !== "boolean") {
    throw new InvalidArgumentError("json: cannot unmarshal Detach: expected a bool");
  }
  const e = execOf(ctx);
  const { ack, replies } = await openStream(e.object, Verbs.Start, [
    JSON.stringify({ Detach: !!opts.Detach, Tty: !!opts.Tty }),
  ]);
  if (opts.Detach) {
    replies.close();
    ack.ret?.close();
    if (ctx.upgrade) ctx.upgrade.socket.end(EXEC_UPGRADED);
    else sendEmpty(ctx.res!, 200);
    return;
  }
  await deliver(ctx, ack, replies, EXEC_UPGRADED, rest);
}

/** GET /exec/{id}/json → `Get` on the exec object. */
export async function execInspect(ctx: Ctx): Promise<void> {
  sendJSON(ctx.res!, 200, await get(execOf(ctx).object, []));
}

/** POST /exec/{id}/resize?h=&w= → `Resize [h, w]`. */
export async function execResize(ctx: Ctx): Promise<void> {
  const a = sizeArgs(ctx);
  await ackOf(execOf(ctx).object, DockerVerbs.Resize, a);
  sendEmpty(ctx.res!, 200);
}
