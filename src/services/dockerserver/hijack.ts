import { STATUS_CODES } from "node:http";
import type { Duplex, Writable } from "node:stream";
import { LimitExceededError } from "../../core/errors.ts";
import { message, type Receiver, type Sender } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";
import { httpErrorOf, rawHead } from "./response.ts";
import { encodeOutput } from "./stdcopy.ts";

/**
 * Hijacked streams (attach, exec start). After `101 UPGRADED` the socket is a raw byte pipe:
 * client → server is stdin, unframed; server → client is output, stdcopy-framed without a TTY.
 * The client half-closes (FIN) at stdin's EOF, and we keep writing until the output ends.
 */

/** Split an Upgrade request's first bytes into its body (Content-Length bytes) and the stdin after it. */
export async function readUpgradeBody(
  socket: Duplex,
  head: Buffer,
  contentLength: number,
  limit: number,
): Promise<{ body: Buffer; rest: Buffer }> {
  if (contentLength > limit)
    throw new LimitExceededError(`request body is larger than the limit of ${limit} bytes`);
  let buf = head;
  while (buf.length < contentLength) {
    const chunk = await new Promise<Buffer | undefined>((resolve) => {
      const onData = (c: Buffer) => done(c);
      const onEnd = () => done(undefined);
      const done = (c: Buffer | undefined) => {
        socket.off("data", onData);
        socket.off("end", onEnd);
        socket.off("close", onEnd);
        socket.pause();
        resolve(c);
      };
      socket.on("data", onData);
      socket.once("end", onEnd);
      socket.once("close", onEnd);
      socket.resume();
    });
    if (!chunk) break;
    buf = Buffer.concat([buf, chunk]);
  }
  return { body: buf.subarray(0, contentLength), rest: buf.subarray(contentLength) };
}

/** Write an HTTP error answer straight on a socket that was never upgraded, then close it. */
export function rawError(socket: Duplex, err: unknown): void {
  const { status, message: msg } = httpErrorOf(err);
  const body = `${JSON.stringify({ message: msg })}\n`;
  const reason = STATUS_CODES[status] ?? "Error";
  if (socket.destroyed) return;
  if (status === 304) socket.end(`${rawHead(304, reason)}`);
  else socket.end(rawHead(status, reason, "application/json", Buffer.byteLength(body)) + body);
}

/** Write with back-pressure; false once the destination is gone. */
export function writeWait(out: Writable, buf: Buffer | string): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return Promise.resolve(false);
  if (out.write(buf)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const ok = () => finish(true);
    const gone = () => finish(false);
    const finish = (v: boolean) => {
      out.off("drain", ok);
      out.off("close", gone);
      out.off("error", gone);
      resolve(v);
    };
    out.once("drain", ok);
    out.once("close", gone);
    out.once("error", gone);
  });
}

/**
 * Copy the output messages of an attach/exec stream to `out` (framed or raw), until EOF, and
 * feed `stdinSrc` (if any) into the backend's stdin Sender. Resolves when the output has ended
 * or the client went away; everything is released either way (§6.6.3).
 */
export async function pumpStreams(opts: {
  replies: Receiver;
  tty: boolean;
  out: Writable;
  stdin: Sender | undefined;
  stdinSrc: Duplex | undefined;
  firstStdin?: Buffer | undefined;
  /** End `out` when the output ends (a socket: FIN; a response: the last chunk). */
  endOut: () => void;
}): Promise<void> {
  const { replies, tty, out, stdin } = opts;
  let clientGone = false;
  const onGone = () => {
    clientGone = true;
    replies.close();
    stdin?.close();
  };
  out.once("close", onGone);

  if (stdin && opts.stdinSrc) feedStdin(opts.stdinSrc, stdin, opts.firstStdin);
  else if (opts.stdinSrc) opts.stdinSrc.resume(); // nobody reads stdin: discard it, keep FIN flowing

  try {
    for await (const m of replies) {
      if (m.verb === Verbs.Log && m.args.length >= 2) {
        if (!(await writeWait(out, encodeOutput(m.args[0]!, m.args[1]!, tty)))) break;
      }
      m.ret?.close();
    }
  } finally {
    out.off("close", onGone);
    replies.close();
    // Without a byte source nobody else will end stdin: do it once the output is over.
    if (!opts.stdinSrc) stdin?.close();
    if (!clientGone) opts.endOut();
  }
}

/** Socket bytes → `Log ["stdin", chunk]` on the backend's stdin; the client's FIN closes it (EOF). */
function feedStdin(src: Duplex, stdin: Sender, first: Buffer | undefined): void {
  let chain = Promise.resolve(true);
  const push = (c: Buffer) => {
    chain = chain.then(async (ok) => {
      if (!ok) return false;
      try {
        await stdin.send(message(Verbs.Log, ["stdin", c.toString("latin1")]));
        return true;
      } catch {
        return false; // the backend stopped reading stdin: drop the rest
      }
    });
  };
  if (first && first.length > 0) push(first);
  let pending = 0;
  src.on("data", (c: Buffer) => {
    pending++;
    if (pending > 16) src.pause();
    push(c);
    chain = chain.then((ok) => {
      pending--;
      if (pending <= 16) src.resume();
      return ok;
    });
  });
  const eof = () => {
    chain = chain.then((ok) => {
      stdin.close();
      return ok;
    });
  };
  src.once("end", eof);
  src.once("close", eof);
  src.resume();
}
