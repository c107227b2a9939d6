import { InvalidArgumentError } from "../../core/errors.ts";
import { message } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";
import { defineService } from "../service.ts";

/** `fakeclient [--interval MS]`: sends a `Log` heartbeat on its output every second, until stopped. */
export const fakeclient = defineService({
  name: "fakeclient",
  summary: "send a Log heartbeat every second (a client that does nothing else)",
  usage: "fakeclient [--interval MS]",
  create(args) {
    let interval = 1000;
    if (args[0] === "--interval") {
      interval = Number(args[1]);
      if (!Number.isFinite(interval) || interval < 10)
        throw new InvalidArgumentError("--interval takes milliseconds ≥ 10");
      args = args.slice(2);
    }
    if (args.length > 0) throw new InvalidArgumentError(`unexpected arguments: ${args.join(" ")}`);
    return async ({ output, signal }) => {
      let beat = 0;
      while (!signal.aborted) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, interval);
          signal.addEventListener(
            "abort",
            () => {
              clearTimeout(t);
              resolve();
            },
            { once: true },
          );
        });
        if (signal.aborted) break;
        await output.send(message(Verbs.Log, [`fakeclient heartbeat ${++beat}`]));
      }
    };
  },
});
