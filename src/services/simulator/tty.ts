/**
 * A terminal's line discipline in canonical mode, for TTY containers and execs: input is echoed,
 * kept until Enter (CR or LF, handed over as LF), Backspace/DEL erase a character, ^U the line,
 * ^C interrupts the process (SIGINT) and ^D at the start of a line is end of input.
 */
export interface TtyPorts {
  /** Write to the terminal's output (the echo). */
  echo(data: string): Promise<void>;
  /** Hand a finished line to the process. */
  deliver(data: string): Promise<void>;
  /** End of input (^D on an empty line). */
  eof(): void;
  /** ^C: send SIGINT to the process. */
  interrupt(): void;
}

export class LineDiscipline {
  private line = "";

  constructor(private readonly ports: TtyPorts) {}

  async input(chunk: string): Promise<void> {
    let echo = "";
    const flushEcho = async () => {
      if (echo) await this.ports.echo(echo);
      echo = "";
    };
    for (const ch of chunk) {
      switch (ch) {
        case "\r":
        case "\n": {
          echo += "\r\n";
          await flushEcho();
          const line = `${this.line}\n`;
          this.line = "";
          await this.ports.deliver(line);
          break;
        }
        case "\x7f":
        case "\b":
          if (this.line.length > 0) {
            this.line = this.line.slice(0, -1);
            echo += "\b \b";
          }
          break;
        case "\x15":
          echo += "\b \b".repeat(this.line.length);
          this.line = "";
          break;
        case "\x03":
          echo += "^C\r\n";
          this.line = "";
          await flushEcho();
          this.ports.interrupt();
          break;
        case "\x04":
          await flushEcho();
          if (this.line.length === 0) this.ports.eof();
          else {
            const partial = this.line;
            this.line = "";
            await this.ports.deliver(partial);
          }
          break;
        default:
          this.line += ch;
          echo += ch < " " && ch !== "\t" ? `^${String.fromCharCode(ch.charCodeAt(0) + 64)}` : ch;
      }
    }
    await flushEcho();
  }

  /** The attachment's stdin closed: what is typed so far is delivered, then EOF. */
  async close(): Promise<void> {
    if (this.line.length > 0) {
      const partial = this.line;
      this.line = "";
      await this.ports.deliver(partial);
    }
    this.ports.eof();
  }
}

/**
 * The engine's detach keys (`ctrl-p,ctrl-q` by default): parse `ctrl-x,y` specs into the bytes
 * they stand for. Throws on a bad spec, with the engine's wording.
 */
export function parseDetachKeys(spec: string | undefined): string {
  if (spec === undefined || spec === "") return "\x10\x11";
  let out = "";
  for (const key of spec.split(",")) {
    const k = key.trim();
    const ctrl = /^ctrl-([a-z@[\\\]^_])$/i.exec(k);
    if (ctrl) out += String.fromCharCode(ctrl[1]!.toUpperCase().charCodeAt(0) - 64);
    else if (k.length === 1) out += k;
    else throw new Error(`Invalid escape keys (${spec}) provided`);
  }
  return out;
}

/**
 * Watches stdin for the detach sequence: bytes that could start it are held back; when it
 * completes the caller detaches (the held bytes are dropped), otherwise they are let through.
 */
export class DetachScanner {
  private held = "";

  constructor(private readonly sequence: string) {}

  feed(chunk: string): { data: string; detached: boolean } {
    if (this.sequence === "") return { data: chunk, detached: false };
    let data = "";
    for (const ch of chunk) {
      const candidate = this.held + ch;
      if (this.sequence.startsWith(candidate)) {
        if (candidate === this.sequence) return { data, detached: true };
        this.held = candidate;
      } else {
        data += candidate;
        this.held = "";
      }
    }
    return { data, detached: false };
  }
}
