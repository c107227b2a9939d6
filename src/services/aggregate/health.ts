import type { ClusterNode } from "./node.ts";

/**
 * The health checker: each node is pinged every `intervalMs` (Get ["version"]; Get ["info"] every
 * tenth time, to follow its CPUs, memory, labels and images). A ping that fails or
 * takes longer than the timeout marks the node unhealthy at once, so it leaves scheduling within
 * interval + timeout; a node whose service ended is spawned again; a node that answers again is
 * resynced and rejoins. Checks are spread over the interval so 1,000 nodes do not ping together.
 */
/** How often (in checks) the full info is fetched rather than a version ping. */
const fullEvery = 10;

export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private checks = 0;
  private stopped = false;

  constructor(
    private readonly node: ClusterNode,
    private readonly intervalMs: number,
  ) {}

  /** Begin checking after a random part of the interval. */
  start(): void {
    this.schedule(Math.random() * this.intervalMs);
  }

  /** Check now (e.g. the node's event stream just broke); returns when the check is done. */
  checkNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    clearTimeout(this.timer);
    this.running = this.check().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        void this.checkNow();
      } else this.schedule(this.intervalMs);
    });
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.checkNow(), ms);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const node = this.node;
    try {
      await node.ensureSpawned();
      // The full info (CPUs, memory, labels, image count) every `fullEvery` checks and whenever the
      // node is not healthy; a cheap version ping in between.
      await node.ping(!node.healthy || this.checks++ % fullEvery === 0);
      if (node.healthy) await node.tick();
      else await node.rejoin();
    } catch (err) {
      node.markUnhealthy(err);
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
