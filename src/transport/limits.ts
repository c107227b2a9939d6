/**
 * Per-session limits (docs/transport.md §7). Every one has a default and can be overridden when a
 * session is created. Exceeding one never crashes the process: the offending stream or session is
 * reset with an error.
 */
export interface WireLimits {
  /** Largest encoded message, in bytes. Default 4 MiB. */
  maxMessageBytes: number;
  /** Most args in one message. Default 65 536. */
  maxArgs: number;
  /** Open streams per session (channels + byte streams, both directions). Default 1024. */
  maxStreams: number;
  /**
   * Streams the peer opened that no message has referenced yet. Default 1024 (= maxStreams): a
   * sender may have that many nested channels and byte streams in flight ahead of its messages.
   */
  maxUnclaimed: number;
  /** Ping interval when idle, ms; 0 disables keep-alive. Default 15 000. */
  keepAliveMs: number;
  /** Session ends when nothing arrived for this long, ms. Default 2 × keepAliveMs. */
  keepAliveTimeoutMs: number;
}

export type DefaultedLimits = Readonly<WireLimits>;

export const defaultLimits: DefaultedLimits = {
  maxMessageBytes: 4 * 1024 * 1024,
  maxArgs: 65_536,
  maxStreams: 1024,
  maxUnclaimed: 1024,
  keepAliveMs: 15_000,
  keepAliveTimeoutMs: 30_000,
};

export function resolveLimits(overrides: Partial<WireLimits> = {}): DefaultedLimits {
  const l = { ...defaultLimits, ...overrides };
  if (overrides.keepAliveMs !== undefined && overrides.keepAliveTimeoutMs === undefined) {
    l.keepAliveTimeoutMs = overrides.keepAliveMs * 2;
  }
  for (const [k, v] of Object.entries(l)) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`limit ${k} must be a non-negative integer, got ${v}`);
  }
  return l;
}
