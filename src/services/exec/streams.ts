import { InvalidArgumentError } from "../../core/errors.ts";
import { handler } from "../../core/handler.ts";
import type { Message, Sender } from "../../core/message.ts";
import { ack, reply } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import type { AttachOptions, LogsOptions } from "../../docker/verbs.ts";
import type { Container } from "./container.ts";
import { DetachScanner, parseDetachKeys } from "./detach.ts";
import { parseJSON } from "./json-arg.ts";
import { formatEntry, type LogEntry, selectEntries, splitLines } from "./logfile.ts";

/** Largest chunk of replayed log lines in one `Log` message. */
const replayChunk = 64 * 1024;

/**
 * Send stored lines, consecutive lines of one stream joined into one `Log` (up to 64 KiB): a
 * million-line log is a few hundred messages, not a million. False when the caller left.
 */
async function replayEntries(
  m: Message,
  entries: LogEntry[],
  tty: boolean,
  timestamps: boolean,
): Promise<boolean> {
  let stream = "";
  let text = "";
  for (const e of entries) {
    const s = tty ? "stdout" : e.stream;
    if ((s !== stream || text.length >= replayChunk) && text !== "") {
      if (!(await reply(m, Verbs.Log, [stream, text]))) return false;
      text = "";
    }
    stream = s;
    text += formatEntry(e, timestamps);
  }
  return text === "" || reply(m, Verbs.Log, [stream, text]);
}

/** `Logs [options]` (§6.2): the log file, then with `follow` the live output until the run ends. */
export async function serveLogs(c: Container, m: Message): Promise<void> {
  const opts = parseJSON<LogsOptions>(m.args[0], "Logs");
  const wantOut = opts.stdout !== false;
  const wantErr = opts.stderr !== false;
  const timestamps = opts.timestamps === true;
  // Subscribe before reading the file, in the same tick: nothing is missed or repeated.
  const follow = opts.follow === true && c.running;
  const reader = follow ? c.bus.subscribe() : undefined;
  try {
    const entries = c.logFile.select(opts);
    if (!(await ack(m, [String(c.tty)]))) return;
    if (!(await replayEntries(m, entries, c.tty, timestamps))) return;
    if (!reader) return;
    const until = opts.until ? opts.until * 1000 : undefined;
    while (true) {
      const out = await reader.next();
      if (!out) return;
      if (until !== undefined && Date.now() > until) return;
      if (out.stream === "stdout" ? !wantOut : !wantErr) continue;
      for (const line of splitLines(out.chunk)) {
        const text = timestamps ? `${out.time} ${line}` : line;
        if (!(await reply(m, Verbs.Log, [c.tty ? "stdout" : out.stream, text]))) return;
      }
    }
  } finally {
    reader?.close();
  }
}

/**
 * `Attach ["", options]` (§6.2): stdin as the Ack's `ret`, then the output of the current run, or
 * of the next one when the container is not running.
 */
export async function serveAttach(c: Container, m: Message): Promise<void> {
  if ((m.args[0] ?? "") !== "") throw new InvalidArgumentError(`a container has no child ${m.args[0]}`);
  const opts = parseJSON<AttachOptions>(m.args[1], "Attach");
  // A stopped container can be attached to: the stream follows its next run (`docker start -a`).
  // "You cannot attach to a stopped container" is the CLI's own refusal, made before it asks.
  const wantOut = opts.stdout !== false;
  const wantErr = opts.stderr !== false;
  const withStdin = opts.stdin === true;
  // With a TTY, the detach keys (default ctrl-p ctrl-q) end the attachment, not the container.
  const scanner = c.tty && withStdin ? new DetachScanner(parseDetachKeys(opts.detachKeys ?? "")) : undefined;
  const reader = opts.stream !== false ? c.bus.subscribe() : undefined;
  let detached = false;
  // One chunk at a time: the sender waits while the process is not reading (back-pressure).
  const stdin: Sender = handler(
    async (msg) => {
      if (!withStdin || detached || msg.verb !== Verbs.Log || msg.args[1] === undefined) return;
      let data: Buffer = Buffer.from(msg.args[1], "latin1");
      if (scanner) {
        const r = scanner.feed(data);
        data = r.pass;
        if (r.detached) {
          detached = true;
          c.emitEvent("detach");
          reader?.close();
        }
      }
      if (data.length > 0) await c.writeStdin(data);
    },
    {
      concurrency: 1,
      onClose: () => {
        // As the engine: the end of a client's input closes the program's stdin only without a TTY.
        if (withStdin && c.rec.config.StdinOnce && !c.tty && !detached) c.endStdin();
      },
    },
  );
  try {
    if (!(await ack(m, [String(c.tty)], stdin))) return;
    if (opts.logs) {
      const entries = selectEntries(c.logFile.read(), { stdout: wantOut, stderr: wantErr });
      if (!(await replayEntries(m, entries, c.tty, false))) return;
    }
    if (!reader) return;
    c.emitEvent("attach");
    while (true) {
      const out = await reader.next();
      if (!out) return;
      if (out.stream === "stdout" ? !wantOut : !wantErr) continue;
      if (!(await reply(m, Verbs.Log, [c.tty ? "stdout" : out.stream, out.chunk.toString("latin1")]))) return;
    }
  } finally {
    reader?.close();
  }
}
