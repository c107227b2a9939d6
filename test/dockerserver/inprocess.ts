/** Run a dockerserver instance in this process, in front of any Sender (a test backend). */
import { connect } from "node:net";
import { silentLogger } from "../../src/core/logger.ts";
import type { Sender } from "../../src/core/message.ts";
import { pipe } from "../../src/core/pipe.ts";
import { dockerserver } from "../../src/services/dockerserver/index.ts";

export interface Running {
  stop(): Promise<void>;
  done: Promise<void>;
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Start dockerserver with `args` in front of `backend`; resolves once `socketPath` accepts connections. */
export async function startInProcess(args: string[], backend: Sender, socketPath?: string): Promise<Running> {
  const body = await dockerserver.create(args, {
    log: silentLogger,
    spawn: () => Promise.reject(new Error("not in tests")),
  });
  const [input, inputSender] = pipe();
  const ac = new AbortController();
  let failed: unknown;
  const done = Promise.resolve(body({ input, output: backend, signal: ac.signal })).catch((err) => {
    failed = err;
  });
  if (socketPath) {
    const deadline = Date.now() + 5000;
    while (!(await canConnect(socketPath))) {
      if (failed) throw failed;
      if (Date.now() > deadline) throw new Error(`dockerserver did not listen on ${socketPath}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return {
    done: done.then(() => {
      if (failed) throw failed;
    }),
    async stop() {
      ac.abort();
      inputSender.close();
      await done;
    },
  };
}
