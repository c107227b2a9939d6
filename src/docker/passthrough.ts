import type { Socket } from "node:net";
import { Client } from "../core/client.ts";
import { ErrorCodes, SwarmError } from "../core/errors.ts";
import type { Sender } from "../core/message.ts";

/** What `Connect` asks for: a byte stream speaking the Docker Engine API (PROTOCOL §6.8). */
export const dockerApiStream = "docker-api";

/**
 * The frontend side of forward's raw pass-through, for a Docker API listener: ask the backend root
 * for a byte stream (`Connect ["docker-api"]`) and copy the client's connection through it, both
 * ways, half-closes included. Resolves `true` when the connection is being copied, `false` when the
 * chain does not offer one: NOT_IMPLEMENTED (a backend without it) or FORBIDDEN (a policy such as
 * guard refusing raw access, which must not bypass it): parse the connection as usual then. Any
 * other failure is thrown (the engine is unreachable…).
 *
 * The listener must be created with `allowHalfOpen: true`: the docker CLI's FIN is stdin's EOF on
 * a hijacked attach or exec, and the output still has to come back after it.
 */
export async function copyThrough(client: Socket, root: Sender): Promise<boolean> {
  let upstream: import("node:stream").Duplex;
  try {
    upstream = await new Client(root).connect(dockerApiStream);
  } catch (err) {
    if (
      err instanceof SwarmError &&
      (err.code === ErrorCodes.NotImplemented || err.code === ErrorCodes.Forbidden)
    ) {
      return false;
    }
    throw err;
  }
  client.pipe(upstream).pipe(client);
  client.once("error", () => upstream.destroy());
  client.once("close", () => upstream.destroy());
  upstream.once("error", () => client.destroy());
  upstream.once("close", () => client.destroy());
  return true;
}
