import { toErrorArgs } from "../../core/errors.ts";
import { message } from "../../core/message.ts";
import { Verbs } from "../../core/verbs.ts";
import { Engine } from "../dockerclient/engine.ts";
import { rootObject } from "../dockerclient/root.ts";
import type { ServiceDefinition } from "../service.ts";
import { parseSshArgs, usage } from "./args.ts";
import { SshTunnel } from "./tunnel.ts";

/**
 * `ssh user@host[:port]`: a backend root (PROTOCOL.md §6) for a remote engine behind an ssh tunnel
 * to its socket (tunnel.ts). Everything past the tunnel is dockerclient: its engine and root talk
 * HTTP to the tunnel's local socket. Each request first makes sure the ssh session is up, so a
 * refused host key or an unreachable server is answered with its real reason. Private keys are
 * never logged; only the public host key fingerprint is.
 */
export const ssh: ServiceDefinition = {
  name: "ssh",
  summary: "backend: a remote engine through an ssh tunnel to its socket, with known_hosts checking",
  usage,
  create(args, ctx) {
    const options = parseSshArgs(args);
    return async ({ input, signal }) => {
      const tunnel = new SshTunnel(options, ctx.log);
      await tunnel.listen();
      const engine = new Engine({
        target: { kind: "unix", socketPath: tunnel.socketPath },
        label: options.label,
      });
      const root = rootObject(engine, ctx.log);
      const stop = () => {
        engine.close();
        tunnel.close();
        input.close();
      };
      signal.addEventListener("abort", stop, { once: true });
      ctx.log.info({ engine: options.label, socket: options.socket }, "ssh: forwarding to the engine");
      void tunnel.ready().catch(() => {}); // connect now, so a refused host key shows at start
      try {
        for await (const msg of input) {
          try {
            await tunnel.ready();
          } catch (err) {
            await msg.ret?.send(message(Verbs.Error, toErrorArgs(err))).catch(() => {});
            msg.ret?.close();
            msg.att?.destroy();
            continue;
          }
          await root.send(msg);
        }
      } finally {
        signal.removeEventListener("abort", stop);
        root.close();
        stop();
      }
    };
  },
};
