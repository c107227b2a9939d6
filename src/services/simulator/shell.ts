/**
 * A tiny shell parser for the scripts simulated processes run (`sh -c 'echo a; echo b >&2; exit 3'`).
 * Grammar: lists of commands joined by `;`, newlines, `&&`, `||`; `while`/`until … do … done`;
 * `if … then … [else …] fi`; `for NAME in WORDS; do … done`; `NAME=value`; words with '…', "…"
 * and \ quoting and `$VAR`/`$?` expansion; the
 * redirections `>&2`, `1>&2`, `2>&1`, `>/dev/null`, `2>/dev/null`. Anything else (pipes, `&`,
 * `$(…)`, other redirections) is unsupported: `parseScript` returns undefined and the process then
 * behaves as an unknown command (runs until stopped; see README).
 */

/** A word: literal parts and expansions, joined at run time. */
export type WordPart = { lit: string } | { var: string };
export type Word = WordPart[];

export interface SimpleCommand {
  kind: "simple";
  words: Word[];
  /** Where stdout (1) and stderr (2) go: another fd, or null for /dev/null. */
  redirect: { 1?: 1 | 2 | null; 2?: 1 | 2 | null };
  /** Leading `NAME=value` words: shell variables set before the command (if any) runs. */
  assigns: { name: string; value: Word }[];
}
export interface ForCommand {
  kind: "for";
  name: string;
  words: Word[];
  body: Script;
}
export interface LoopCommand {
  kind: "while" | "until";
  cond: Script;
  body: Script;
}
export interface IfCommand {
  kind: "if";
  cond: Script;
  then: Script;
  otherwise: Script | undefined;
}
export type Command = SimpleCommand | LoopCommand | IfCommand | ForCommand;
/** Commands in order; `op` says how a command joins the previous one. */
export type Script = { op: ";" | "&&" | "||"; cmd: Command }[];

type Token =
  | { t: "word"; w: Word; raw: string }
  | { t: "op"; v: string }
  | { t: "redir"; fd: 1 | 2; to: 1 | 2 | null };

class Unsupported extends Error {}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (c === "\n" || c === ";") {
      if (src[i + 1] === ";") throw new Unsupported();
      out.push({ t: "op", v: ";" });
      i++;
      continue;
    }
    if (src.startsWith("&&", i) || src.startsWith("||", i)) {
      out.push({ t: "op", v: src.slice(i, i + 2) });
      i += 2;
      continue;
    }
    const redir = /^(1|2)?>(&[12]|\s*\/dev\/null(?=$|[\s;&|]))/.exec(src.slice(i));
    if (redir) {
      const fd = redir[1] === "2" ? 2 : 1;
      const target = redir[2]!.trim();
      out.push({ t: "redir", fd, to: target === "&1" ? 1 : target === "&2" ? 2 : null });
      i += redir[0].length;
      continue;
    }
    if ("|&<>()`".includes(c)) throw new Unsupported();
    // A word.
    const word: Word = [];
    let lit = "";
    const start = i;
    const flush = () => {
      if (lit) word.push({ lit });
      lit = "";
    };
    const readVar = () => {
      // At src[i] === "$".
      const m = /^\$(\?|[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})/.exec(src.slice(i));
      if (!m) {
        if (src[i + 1] === "(") throw new Unsupported();
        lit += "$";
        i++;
        return;
      }
      flush();
      word.push({ var: m[1]!.replace(/^\{|\}$/g, "") });
      i += m[0].length;
    };
    while (i < src.length && !" \t\n;&|<>()`".includes(src[i]!)) {
      const ch = src[i]!;
      if (ch === "'") {
        const end = src.indexOf("'", i + 1);
        if (end < 0) throw new Unsupported();
        lit += src.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        i++;
        while (i < src.length && src[i] !== '"') {
          if (src[i] === "\\" && i + 1 < src.length && '"\\$`'.includes(src[i + 1]!)) {
            lit += src[i + 1];
            i += 2;
          } else if (src[i] === "$") readVar();
          else if (src[i] === "`") throw new Unsupported();
          else lit += src[i++];
        }
        if (i >= src.length) throw new Unsupported();
        i++;
      } else if (ch === "\\") {
        if (src[i + 1] === "\n") i += 2;
        else {
          lit += src[i + 1] ?? "";
          i += 2;
        }
      } else if (ch === "$") readVar();
      else lit += src[i++];
    }
    flush();
    out.push({ t: "word", w: word, raw: src.slice(start, i) });
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peekKeyword(): string | undefined {
    const t = this.toks[this.i];
    return t?.t === "word" ? t.raw : undefined;
  }

  private skipSeparators(): void {
    while (this.toks[this.i]?.t === "op" && (this.toks[this.i] as { v: string }).v === ";") this.i++;
  }

  /** A list until one of `stops` (a keyword at command position) or the end. */
  list(stops: string[]): Script {
    const script: Script = [];
    let op: ";" | "&&" | "||" = ";";
    // After `&&` or `||` a command must follow.
    let needCommand = false;
    this.skipSeparators();
    while (this.i < this.toks.length) {
      const kw = this.peekKeyword();
      if (kw !== undefined && stops.includes(kw)) break;
      script.push({ op, cmd: this.command() });
      needCommand = false;
      const t = this.toks[this.i];
      if (t === undefined) break;
      if (t.t !== "op") throw new Unsupported();
      op = t.v as ";" | "&&" | "||";
      this.i++;
      if (op === ";") this.skipSeparators();
      else needCommand = true;
    }
    if (needCommand) throw new Unsupported();
    return script;
  }

  private expect(kw: string): void {
    if (this.peekKeyword() !== kw) throw new Unsupported();
    this.i++;
  }

  private command(): Command {
    const kw = this.peekKeyword();
    if (kw === "while" || kw === "until") {
      this.i++;
      const cond = this.list(["do"]);
      this.expect("do");
      const body = this.list(["done"]);
      this.expect("done");
      return { kind: kw, cond, body };
    }
    if (kw === "if") {
      this.i++;
      const cond = this.list(["then"]);
      this.expect("then");
      const then = this.list(["else", "fi", "elif"]);
      let otherwise: Script | undefined;
      if (this.peekKeyword() === "elif") throw new Unsupported();
      if (this.peekKeyword() === "else") {
        this.i++;
        otherwise = this.list(["fi"]);
      }
      this.expect("fi");
      return { kind: "if", cond, then, otherwise };
    }
    if (kw === "for") {
      this.i++;
      const name = this.toks[this.i];
      if (name?.t !== "word" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name.raw)) throw new Unsupported();
      this.i++;
      this.expect("in");
      const words: Word[] = [];
      while (this.toks[this.i]?.t === "word") words.push((this.toks[this.i++] as { w: Word }).w);
      this.skipSeparators();
      this.expect("do");
      const body = this.list(["done"]);
      this.expect("done");
      return { kind: "for", name: name.raw, words, body };
    }
    if (kw === "case" || kw === "function" || kw === "{" || kw === "}") throw new Unsupported();
    const cmd: SimpleCommand = { kind: "simple", words: [], redirect: {}, assigns: [] };
    while (this.i < this.toks.length) {
      const t = this.toks[this.i]!;
      if (t.t === "op") break;
      if (t.t === "redir") cmd.redirect[t.fd] = t.to;
      else {
        const assign = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(t.raw);
        if (cmd.words.length === 0 && assign)
          cmd.assigns.push({ name: assign[1]!, value: dropPrefix(t.w, assign[0].length) });
        else cmd.words.push(t.w);
      }
      this.i++;
    }
    if (cmd.words.length === 0 && cmd.assigns.length === 0) throw new Unsupported();
    return cmd;
  }
}

/** A word without its first `n` literal characters (the `NAME=` of an assignment). */
function dropPrefix(word: Word, n: number): Word {
  const first = word[0];
  if (!first || !("lit" in first) || first.lit.length < n) throw new Unsupported();
  const rest = first.lit.slice(n);
  return rest ? [{ lit: rest }, ...word.slice(1)] : word.slice(1);
}

/** Parse a script; undefined when it uses something this shell does not model. */
export function parseScript(src: string): Script | undefined {
  try {
    const p = new Parser(tokenize(src));
    return p.list([]);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}
