import { closeSync, constants, openSync } from "node:fs";
import { ErrorCodes, SwarmError } from "../../core/errors.ts";

/** The parts of a pseudo-terminal the supervisor uses. */
export interface Pty {
  readonly pid: number;
  onData(fn: (chunk: Buffer) => void): void;
  onExit(fn: (e: { exitCode: number; signal?: number }) => void): void;
  write(chunk: Buffer): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  /**
   * Close swarmd's hold on the terminal (once the program is gone and its output read): the pty
   * then ends at once instead of after node-pty's 200 ms grace.
   */
  release(): void;
}

type NodePty = typeof import("@lydell/node-pty");
let loaded: Promise<NodePty> | undefined;

/**
 * Open a pseudo-terminal running `argv`. node-pty is loaded on first use only, so a machine where
 * its prebuilt binary cannot load still runs every container without `-t`.
 */
export async function openPty(
  argv: string[],
  opts: { cwd: string; env: Record<string, string>; rows: number; cols: number },
): Promise<Pty> {
  loaded ??= import("@lydell/node-pty");
  let mod: NodePty;
  try {
    mod = await loaded;
  } catch (err) {
    loaded = undefined;
    throw new SwarmError(
      ErrorCodes.Internal,
      `exec: cannot allocate a TTY: node-pty did not load (${(err as Error).message})`,
    );
  }
  const term = mod.spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env: opts.env,
    rows: opts.rows > 0 ? opts.rows : 24,
    cols: opts.cols > 0 ? opts.cols : 80,
    encoding: null,
    name: opts.env.TERM ?? "xterm",
  });
  // Hold the terminal's other end open while the program runs. Linux drops what the program wrote
  // last when its side of the pty closes before the master has read it (node-pty then loses the
  // tail of the output); with this end open, the master reads everything, then node-pty closes it.
  let slave = holdSlave((term as unknown as { _pty?: string })._pty);
  const release = () => {
    if (slave !== undefined) closeSync(slave);
    slave = undefined;
  };
  return {
    pid: term.pid,
    release,
    onData: (fn) => term.onData((d) => fn(typeof d === "string" ? Buffer.from(d, "latin1") : (d as Buffer))),
    onExit: (fn) =>
      term.onExit((e) => {
        release();
        fn(e);
      }),
    write: (chunk) => term.write(chunk as unknown as string),
    resize: (cols, rows) => term.resize(cols, rows),
    pause: () => term.pause(),
    resume: () => term.resume(),
  };
}

function holdSlave(path: string | undefined): number | undefined {
  if (!path?.startsWith("/dev/")) return undefined;
  try {
    return openSync(path, constants.O_RDWR | constants.O_NOCTTY);
  } catch {
    return undefined;
  }
}
