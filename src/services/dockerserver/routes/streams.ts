import { InvalidArgumentError } from "../../../core/errors.ts";
import type { Receiver } from "../../../core/message.ts";
import { Verbs } from "../../../core/verbs.ts";
import { normalizeFilters } from "../../../docker/filters.ts";
import { DockerVerbs, type LogsOptions, type WatchOptions } from "../../../docker/verbs.ts";
import { openContainer, openStream } from "../backend.ts";
import { type Ctx, q, qBool } from "../context.ts";
import { writeWait } from "../hijack.ts";
import { startStream } from "../response.ts";
import { encodeOutput } from "../stdcopy.ts";

/**
 * Streamed endpoints: headers are flushed as soon as the backend has acknowledged, then one
 * chunk per item. A client that goes away closes the reply Receiver (PROTOCOL §6.6.3).
 */

/** Stop reading when the client hangs up. */
function closeOnHangup(ctx: Ctx, replies: Receiver): void {
  ctx.res!.once("close", () => replies.close());
}

/** Docker time parameters as the CLI sends them: `<seconds>.<nanos>`, or plain seconds. */
export function parseTime(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === "") return undefined;
  if (!/^-?\d+(\.\d+)?$/.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t / 1000;
    throw new InvalidArgumentError(`invalid value for ${name}: ${JSON.stringify(v)}`);
  }
  return Number(v);
}

const WAIT_CONDITIONS = new Set(["not-running", "next-exit", "removed"]);

/** POST /containers/{id}/wait?condition= → `Wait [condition]`: Ack, then `Set [result]`. */
export async function wait(ctx: Ctx): Promise<void> {
  const condition = q(ctx, "condition") || "not-running";
  if (!WAIT_CONDITIONS.has(condition)) throw new InvalidArgumentError(`invalid condition: "${condition}"`);
  const c = await openContainer(ctx.root, ctx.params.id!);
  const { replies } = await openStream(c.object, DockerVerbs.Wait, [condition]);
  const res = ctx.res!;
  startStream(res, "application/json");
  closeOnHangup(ctx, replies);
  let result: string | undefined;
  for await (const m of replies) {
    if (m.verb === Verbs.Set) {
      result = m.args[0];
      break;
    }
    if (m.verb === Verbs.Error) {
      result = JSON.stringify({ Error: { Message: m.args[0] ?? "wait failed" }, StatusCode: -1 });
      break;
    }
  }
  replies.close();
  if (result === undefined)
    result = JSON.stringify({ Error: { Message: "wait ended without a result" }, StatusCode: -1 });
  res.end(`${result}\n`);
}

/** GET /containers/{id}/logs → `Logs [options]`: Ack [tty], then `Log [stream, chunk]`…, EOF. */
export async function logs(ctx: Ctx): Promise<void> {
  const opts: LogsOptions = {
    follow: qBool(ctx, "follow"),
    stdout: qBool(ctx, "stdout"),
    stderr: qBool(ctx, "stderr"),
    timestamps: qBool(ctx, "timestamps"),
    tail: q(ctx, "tail") || "all",
  };
  const since = parseTime(q(ctx, "since"), "since");
  const until = parseTime(q(ctx, "until"), "until");
  if (since !== undefined) opts.since = since;
  if (until !== undefined) opts.until = until;
  if (opts.tail !== "all" && !/^\d+$/.test(opts.tail!)) {
    throw new InvalidArgumentError(`invalid value for tail: ${JSON.stringify(opts.tail)}`);
  }
  if (!opts.stdout && !opts.stderr)
    throw new InvalidArgumentError("Bad parameters: you must choose at least one stream");
  const c = await openContainer(ctx.root, ctx.params.id!);
  const { ack, replies } = await openStream(c.object, DockerVerbs.Logs, [JSON.stringify(opts)]);
  const tty = ack.args[0] === "true";
  const res = ctx.res!;
  startStream(res, undefined); // API 1.41 logs carry no Content-Type
  closeOnHangup(ctx, replies);
  for await (const m of replies) {
    if (m.verb === Verbs.Log && m.args.length >= 2) {
      if (!(await writeWait(res, encodeOutput(m.args[0]!, m.args[1]!, tty)))) break;
    }
  }
  replies.close();
  res.end();
}

/** GET /events?since=&until=&filters= → `Watch [options]` on the root: Ack, then `Set [event]`… */
export async function events(ctx: Ctx): Promise<void> {
  const opts: WatchOptions = { filters: normalizeFilters(q(ctx, "filters")) };
  const since = parseTime(q(ctx, "since"), "since");
  const until = parseTime(q(ctx, "until"), "until");
  if (since !== undefined) opts.since = since;
  if (until !== undefined) opts.until = until;
  const { replies } = await openStream(ctx.root, Verbs.Watch, [JSON.stringify(opts)]);
  const res = ctx.res!;
  startStream(res, "application/json");
  closeOnHangup(ctx, replies);
  for await (const m of replies) {
    // Passed through unparsed: timeNano does not fit a JS number.
    if (m.verb === Verbs.Set && m.args[0] !== undefined) {
      if (!(await writeWait(res, `${m.args[0]}\n`))) break;
    }
  }
  replies.close();
  res.end();
}

/** POST /images/create?fromImage=&tag= → `Pull [image, tag]`: progress lines end with \r\n. */
export async function pull(ctx: Ctx): Promise<void> {
  const image = q(ctx, "fromImage") ?? "";
  if (image === "") {
    throw new InvalidArgumentError(
      "only pulling is supported: fromImage is required (import with fromSrc is not)",
    );
  }
  const { replies } = await openStream(ctx.root, DockerVerbs.Pull, [image, q(ctx, "tag") ?? ""]);
  const res = ctx.res!;
  startStream(res, "application/json");
  closeOnHangup(ctx, replies);
  for await (const m of replies) {
    let line: string | undefined;
    if (m.verb === Verbs.Log) line = m.args[m.args.length - 1];
    else if (m.verb === Verbs.Error) {
      const msg = m.args[0] ?? "pull failed";
      line = JSON.stringify({ errorDetail: { message: msg }, error: msg });
    }
    if (line !== undefined && !(await writeWait(res, `${line}\r\n`))) break;
  }
  replies.close();
  res.end();
}
