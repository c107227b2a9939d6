/** Run a dockerserver instance in this process, in front of any Sender (a test backend). */
import { silentLogger } from "../../src/core/logger.ts";
import type { Sender } from "../../src/core/message.ts";
import { pipe } from "../../src/core/pipe.ts";
import { dockerserver } from "../../src/services/dockerserver/index.ts";
import { waitForSocket } from "../harness/docker-cli.ts";

export interface Running {
  stop(): Promise<void>;
  done: Promise<void>;
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
    await waitForSocket(socketPath, "dockerserver", {
      timeoutMs: 5000,
      intervalMs: 10,
      failure: () => failed,
    });
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
