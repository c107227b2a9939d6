import { Client } from "../core/client.ts";
import { type DialOptions, dial } from "./connect.ts";
import { Redialer, type RedialOptions } from "./redial.ts";
import type { WireSession } from "./wire.ts";

export interface ConnectOptions extends DialOptions {
  /** Keep reconnecting with backoff when the remote end restarts (requests in flight fail). */
  reconnect?: boolean | RedialOptions;
}

/**
 * A typed client for a remote `listen` address: every Client call (ls, spawn, attach, start, stop,
 * get, set, watch, connect…) travels over the wire; `Error` replies are thrown as typed SwarmErrors.
 */
export class RemoteClient extends Client {
  constructor(
    target: Client["target"],
    private readonly onClose: () => void,
  ) {
    super(target);
  }

  /** Close the channel and the connection. */
  close(): void {
    this.onClose();
  }
}

/** Connect to `url` (e.g. `tcp://127.0.0.1:7000`, `unix:///run/swarm.sock`). */
export async function connect(url: string, options: ConnectOptions = {}): Promise<RemoteClient> {
  if (options.reconnect) {
    const r = new Redialer(() => dial(url, options), options.reconnect === true ? {} : options.reconnect);
    await r.current();
    return new RemoteClient(r, () => r.close());
  }
  const session: WireSession = await dial(url, options);
  const channel = session.openChannel();
  return new RemoteClient(channel, () => {
    channel.close();
    session.close();
  });
}
