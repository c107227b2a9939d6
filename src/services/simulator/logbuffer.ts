import { nowNanos } from "../../docker/time.ts";
import { Notifier } from "./notifier.ts";

/**
 * A container's log, as the engine's json-file driver keeps it: one entry per line (a partial last
 * line is its own entry), each with its stream and a nanosecond timestamp. Bounded: once more than
 * `capBytes` are kept, the oldest entries are dropped.
 */
export interface LogEntry {
  seq: number;
  stream: "stdout" | "stderr";
  ns: bigint;
  /** A byte string (docs/PROTOCOL.md 1.4). */
  data: string;
}

/** Default cap of kept log bytes per container: 1 MiB. */
export const DEFAULT_LOG_CAP = 1024 * 1024;

export class LogBuffer {
  private entries: LogEntry[] = [];
  private head = 0;
  private bytes = 0;
  private nextSeq = 1;
  readonly changed = new Notifier();

  constructor(private readonly capBytes = DEFAULT_LOG_CAP) {}

  /** Bytes currently kept (for tests of the cap). */
  get size(): number {
    return this.bytes;
  }

  /** The sequence number the next entry will get. */
  get end(): number {
    return this.nextSeq;
  }

  append(stream: "stdout" | "stderr", data: string): void {
    const ns = nowNanos();
    let start = 0;
    while (start < data.length) {
      const nl = data.indexOf("\n", start);
      const stop = nl < 0 ? data.length : nl + 1;
      const line = data.slice(start, stop);
      this.entries.push({ seq: this.nextSeq++, stream, ns, data: line });
      this.bytes += line.length;
      start = stop;
    }
    while (this.bytes > this.capBytes && this.head < this.entries.length) {
      this.bytes -= this.entries[this.head]!.data.length;
      this.head++;
    }
    // Compact now and then so dropped entries are really freed.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    this.changed.notify();
  }

  /** Entries with `seq >= from`, oldest first. Sequence numbers are contiguous, so this is a slice. */
  from(from: number): LogEntry[] {
    if (this.head >= this.entries.length) return [];
    const first = this.entries[this.head]!.seq;
    return this.entries.slice(this.head + Math.max(0, from - first));
  }
}
