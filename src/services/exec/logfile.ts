import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeSync,
} from "node:fs";
import { InvalidArgumentError } from "../../core/errors.ts";
import { nowNanos, parseRfc3339, rfc3339Nano, secondsToNanos } from "../../docker/time.ts";
import type { LogsOptions } from "../../docker/verbs.ts";
import type { OutputStream } from "./supervisor.ts";

/** json-file's `max-size` (bytes, 0 = unlimited) and `max-file` (how many files, the current one included). */
export interface LogRotation {
  maxSize: number;
  maxFiles: number;
}

/** What HostConfig.LogConfig asks for (`--log-driver`, `--log-opt max-size=10m --log-opt max-file=3`). */
export function logRotationOf(logConfig: unknown): LogRotation {
  const cfg = (logConfig ?? {}) as { Type?: string; Config?: Record<string, string> | null };
  const type = cfg.Type ?? "";
  if (type !== "" && type !== "json-file" && type !== "local") {
    throw new InvalidArgumentError(`exec: logging driver "${type}" is not supported (json-file or local)`);
  }
  const opts = cfg.Config ?? {};
  for (const key of Object.keys(opts)) {
    if (key !== "max-size" && key !== "max-file")
      throw new InvalidArgumentError(`unknown log opt '${key}' for json-file log driver`);
  }
  const maxSize = opts["max-size"] === undefined ? 0 : parseSize(opts["max-size"]);
  const maxFiles = opts["max-file"] === undefined ? 1 : Number(opts["max-file"]);
  if (!Number.isInteger(maxFiles) || maxFiles < 1)
    throw new InvalidArgumentError("max-file cannot be less than 1");
  if (maxFiles > 1 && maxSize === 0)
    throw new InvalidArgumentError("max-file cannot be set without max-size");
  return { maxSize, maxFiles };
}

/** A size as the engine reads it: `10m`, `512k`, `1g`, `100` (binary multiples). */
function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`invalid size: '${text}'`);
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g"];
  const n = Math.floor(Number(m[1]) * unit);
  if (n <= 0) throw new InvalidArgumentError(`invalid size: '${text}'`);
  return n;
}

/** Log timestamps have a fixed nine-digit fraction (the engine's RFC3339NanoFixed), unlike other times. */
export function logTime(ns: bigint): string {
  const t = rfc3339Nano(ns);
  const m = /^(.{19})(?:\.(\d+))?Z$/.exec(t);
  return m ? `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}Z` : t;
}

/** A chunk as byte strings, one per line (each keeps its newline; a trailing partial line is its own). */
export function splitLines(chunk: Buffer): string[] {
  const text = chunk.toString("latin1");
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    const end = nl === -1 ? text.length : nl + 1;
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

/**
 * One line of a container's log file, in the engine's json-file shape. `log` is a byte string
 * (latin1: one character per byte), so any output survives the round trip.
 */
export interface LogEntry {
  log: string;
  stream: OutputStream;
  time: string;
}

/**
 * A container's log on disk, one JSON document per line, written synchronously: a reader that
 * reads the file and then subscribes to live output in the same tick neither misses nor repeats a
 * chunk, and everything written survives a swarmd crash.
 */
export class LogFile {
  private fd: number | undefined;
  private size = 0;

  constructor(
    readonly path: string,
    private readonly rotation: LogRotation = { maxSize: 0, maxFiles: 1 },
  ) {}

  /** Append a chunk, one entry per line (a trailing partial line is its own entry). */
  append(stream: OutputStream, chunk: Buffer, time: string = logTime(nowNanos())): void {
    if (this.fd === undefined) {
      this.fd = openSync(this.path, "a", 0o600);
      this.size = fstatSync(this.fd).size;
    }
    // Written in one go, except where `max-size` makes the file rotate between two lines.
    let out = "";
    let outBytes = 0;
    for (const log of splitLines(chunk)) {
      const line = `${JSON.stringify({ log, stream, time })}\n`;
      const bytes = Buffer.byteLength(line);
      const max = this.rotation.maxSize;
      if (max > 0 && this.size + outBytes > 0 && this.size + outBytes + bytes > max) {
        if (out !== "") writeSync(this.fd!, out);
        this.size += outBytes;
        out = "";
        outBytes = 0;
        this.rotate();
      }
      out += line;
      outBytes += bytes;
    }
    if (out !== "") writeSync(this.fd!, out);
    this.size += outBytes;
  }

  /** `max-size` reached: `<log>` becomes `<log>.1` (and so on up to `max-file`), or is emptied. */
  private rotate(): void {
    this.close();
    for (let i = this.rotation.maxFiles - 1; i >= 1; i--) {
      const from = i === 1 ? this.path : `${this.path}.${i - 1}`;
      if (existsSync(from)) renameSync(from, `${this.path}.${i}`);
    }
    this.fd = openSync(this.path, "w", 0o600);
    this.size = 0;
  }

  /** The files holding the log, oldest first. */
  private files(): string[] {
    const rotated: string[] = [];
    for (let i = this.rotation.maxFiles - 1; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) rotated.push(`${this.path}.${i}`);
    }
    return existsSync(this.path) ? [...rotated, this.path] : rotated;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Every entry on disk, the rotated files first (a line cut short by a crash is skipped). */
  read(): LogEntry[] {
    return this.files().flatMap((f) => parseLines(readFileSync(f, "utf8").split("\n")));
  }

  /**
   * The last `n` entries, reading the file backwards: `docker logs --tail 10` of a large log
   * reads a few kilobytes, not the whole file.
   */
  readTail(n: number): LogEntry[] {
    if (n <= 0 || !existsSync(this.path)) return [];
    const fd = openSync(this.path, "r");
    try {
      let pos = fstatSync(fd).size;
      let bufs: Buffer[] = [];
      let newlines = 0;
      // One more newline than entries: the line before the first one wanted must be complete.
      while (pos > 0 && newlines <= n) {
        const size = Math.min(tailBlock, pos);
        pos -= size;
        const buf = Buffer.alloc(size);
        readSync(fd, buf, 0, size, pos);
        for (const byte of buf) if (byte === 10) newlines++;
        bufs = [buf, ...bufs];
      }
      const lines = Buffer.concat(bufs).toString("utf8").split("\n");
      if (pos > 0) lines.shift();
      const entries = parseLines(lines);
      // Not enough in the current file: the rest is in the rotated ones.
      if (entries.length < n && pos === 0 && this.files().length > 1) return this.read().slice(-n);
      return entries.slice(-n);
    } finally {
      closeSync(fd);
    }
  }

  /** The entries `opts` selects, reading only the end of the file when that is enough. */
  select(opts: LogsOptions): LogEntry[] {
    const tail = tailOf(opts);
    // Tail then the `since` filter equals the filter then tail (entries are in time order); not so
    // for `until` or a single stream.
    if (tail >= 0 && !opts.until && opts.stdout !== false && opts.stderr !== false) {
      return selectEntries(this.readTail(tail), opts);
    }
    return selectEntries(this.read(), opts);
  }
}

const tailBlock = 64 * 1024;

function parseLines(lines: string[]): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of lines) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      // A partial last line: the process writing it died mid-write.
    }
  }
  return out;
}

/** `tail` as a count, or -1 for all. */
function tailOf(opts: LogsOptions): number {
  const t = opts.tail === undefined || opts.tail === "" || opts.tail === "all" ? -1 : Number(opts.tail);
  return Number.isInteger(t) && t >= 0 ? t : -1;
}

/** Which entries `docker logs` asks for: streams, time window and tail. */
export function selectEntries(entries: LogEntry[], opts: LogsOptions): LogEntry[] {
  const wantOut = opts.stdout !== false;
  const wantErr = opts.stderr !== false;
  const since = opts.since ? secondsToNanos(opts.since) : undefined;
  const until = opts.until ? secondsToNanos(opts.until) : undefined;
  let list = entries.filter((e) => {
    if (e.stream === "stdout" ? !wantOut : !wantErr) return false;
    if (since === undefined && until === undefined) return true;
    const t = parseRfc3339(e.time) ?? 0n;
    return (since === undefined || t >= since) && (until === undefined || t <= until);
  });
  const tail = tailOf(opts);
  if (tail >= 0) list = tail === 0 ? [] : list.slice(-tail);
  return list;
}

/** The bytes of an entry as `docker logs` shows it, with the engine's timestamp prefix if asked. */
export function formatEntry(e: LogEntry, timestamps: boolean): string {
  return timestamps ? `${e.time} ${e.log}` : e.log;
}
