import type { Receiver, Sender } from "./message.ts";
import { accepted } from "./pipe.ts";

export interface CopyOptions {
  /** Close `dst` when `src` reaches EOF. Default true. */
  closeDst?: boolean;
}

/**
 * Forward every message from `src` to `dst` until EOF, in order, waiting on `dst`'s back-pressure.
 * Resolves with the number of messages copied. If `dst` closes, `src` is closed too (nobody will
 * read what it still holds) and the copy resolves.
 */
export async function copy(dst: Sender, src: Receiver, options: CopyOptions = {}): Promise<number> {
  let n = 0;
  try {
    while (true) {
      // Queued messages are taken without a microtask each; a send accepted at once is not awaited.
      const msg = src.poll?.() ?? (await src.receive());
      if (msg === undefined) break;
      try {
        const sent = dst.send(msg);
        if (sent !== accepted) await sent;
      } catch {
        // The destination is gone: settle this message's reply channel and stop reading.
        msg.ret?.close();
        msg.att?.destroy();
        src.close();
        break;
      }
      n++;
    }
  } finally {
    if (options.closeDst !== false) dst.close();
  }
  return n;
}
