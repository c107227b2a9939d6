import { ClosedError, SwarmError, UnavailableError } from "../core/errors.ts";
import { type Logger, silentLogger } from "../core/logger.ts";
import type { Message, Sender } from "../core/message.ts";
import type { WireSession } from "./wire.ts";

export interface RedialOptions {
  log?: Logger;
  /** First delay before reconnecting after a failure. Default 50 ms. */
  minDelayMs?: number;
  /** Longest delay between attempts. Default 5 s. */
  maxDelayMs?: number;
}

/**
 * A Sender to a remote listener that survives restarts. Messages go on one channel of the current
 * session. When the session ends, replies still awaited fail with `SWARM_ERR_UNAVAILABLE` (the
 * session does that), and a new session is dialled with exponential backoff. A message sent while
 * no session is up triggers an attempt at once (unless one failed within the current backoff
 * delay) and is rejected with UnavailableError if it fails.
 */
export class Redialer implements Sender {
  private session: WireSession | undefined;
  private channel: Sender | undefined;
  private connecting: Promise<Sender> | undefined;
  private delay: number;
  private lastFailure = 0;
  private lastError: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly log: Logger;
  private readonly minDelay: number;
  private readonly maxDelay: number;

  constructor(
    private readonly dialFn: () => Promise<WireSession>,
    options: RedialOptions = {},
  ) {
    this.log = options.log ?? silentLogger;
    this.minDelay = options.minDelayMs ?? 50;
    this.maxDelay = options.maxDelayMs ?? 5000;
    this.delay = this.minDelay;
  }

  /** True while a session is up. */
  get connected(): boolean {
    return this.channel !== undefined;
  }

  async send(msg: Message): Promise<void> {
    const ch = await this.current();
    try {
      await ch.send(msg);
    } catch (err) {
      if (err instanceof SwarmError && !(err instanceof ClosedError)) throw err;
      throw new UnavailableError(`remote end went away: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Connect now if not connected; resolves when a session is up. */
  async current(): Promise<Sender> {
    if (this.closed) throw new ClosedError("redialer closed");
    if (this.channel) return this.channel;
    if (this.connecting) return this.connecting;
    const wait = this.lastFailure + this.delay - Date.now();
    if (this.lastError && wait > 0) {
      throw new UnavailableError(`not connected (next attempt in ${wait} ms): ${this.lastError.message}`);
    }
    return this.attempt();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.channel?.close();
    this.session?.close();
  }

  private attempt(): Promise<Sender> {
    const p = (async () => {
      try {
        const s = await this.dialFn();
        if (this.closed) {
          s.close();
          throw new ClosedError("redialer closed");
        }
        this.session = s;
        this.channel = s.openChannel();
        this.delay = this.minDelay;
        this.lastError = undefined;
        this.log.info("dial: connected");
        void s.done.then((err) => this.lost(s, err));
        return this.channel;
      } catch (err) {
        this.lastFailure = Date.now();
        this.lastError = err as Error;
        this.schedule();
        throw err instanceof SwarmError ? err : new UnavailableError((err as Error).message, { cause: err });
      } finally {
        this.connecting = undefined;
      }
    })();
    this.connecting = p;
    return p;
  }

  private lost(s: WireSession, err: Error): void {
    if (this.session !== s) return;
    this.session = undefined;
    this.channel = undefined;
    if (this.closed) return;
    this.log.warn({ reason: err.message }, "dial: connection lost, reconnecting");
    this.lastFailure = Date.now();
    this.lastError = err;
    this.delay = this.minDelay;
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    const d = this.delay;
    this.delay = Math.min(this.delay * 2, this.maxDelay);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed || this.channel || this.connecting) return;
      this.attempt().catch(() => {});
    }, d);
    this.timer.unref();
  }
}
