import type { Campaign, Election, ElectionObserver } from "etcd3";
import type { Logger } from "../../core/logger.ts";
import { sleep } from "../../discovery/latest.ts";

export type Role = "primary" | "replica";

/**
 * This frontend's part in the leader election (etcd3's Election, the Go client's algorithm): it
 * campaigns with its advertised address and follows who leads. The primary's lease is kept alive
 * by etcd3; when the primary dies its key lapses after the TTL and the oldest waiting campaign wins.
 * A campaign or observer that fails (etcd unreachable, lease lost) is started again.
 */
export class LeaderState {
  role: Role = "replica";
  /** The primary's advertised address; undefined while nobody leads. */
  leader: string | undefined;
  private campaign: Campaign | undefined;
  private observer: ElectionObserver | undefined;

  constructor(
    private readonly election: Election,
    private readonly advertise: string,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
    private readonly onLeader: (leader: string | undefined) => void,
  ) {}

  start(): void {
    this.runCampaign();
    void this.observe();
  }

  /** Give the lock up at once (graceful stop), so a replica takes over without waiting for the TTL. */
  async resign(): Promise<void> {
    const c = this.campaign;
    this.campaign = undefined;
    this.role = "replica";
    await this.observer?.cancel().catch(() => {});
    await c?.resign().catch(() => {});
  }

  private runCampaign(): void {
    if (this.signal.aborted) return;
    const c = this.election.campaign(this.advertise);
    this.campaign = c;
    c.on("elected", () => {
      if (this.campaign !== c) return;
      this.role = "primary";
      this.log.info({ advertise: this.advertise }, "replicate: this frontend is the primary");
    });
    c.on("error", (err: Error) => {
      if (this.campaign !== c || this.signal.aborted) return;
      const was = this.role;
      this.role = "replica";
      this.log.warn({ err: err.message, was }, "replicate: campaign failed; campaigning again");
      void sleep(1000, this.signal).then(() => this.runCampaign());
    });
  }

  private async observe(): Promise<void> {
    while (!this.signal.aborted) {
      try {
        const o = await this.election.observe();
        if (this.signal.aborted) return void (await o.cancel());
        this.observer = o;
        this.setLeader(o.leader());
        o.on("change", (leader: string | undefined) => this.setLeader(leader));
        await new Promise<void>((resolve) => {
          o.once("error", (err: Error) => {
            this.log.warn({ err: err.message }, "replicate: lost sight of the leader; observing again");
            resolve();
          });
          this.signal.addEventListener("abort", () => resolve(), { once: true });
        });
        await o.cancel().catch(() => {});
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, "replicate: cannot observe the election; retrying");
      }
      await sleep(1000, this.signal);
    }
  }

  private setLeader(leader: string | undefined): void {
    if (leader === this.leader) return;
    this.leader = leader;
    if (leader && leader !== this.advertise)
      this.log.info({ primary: leader }, "replicate: following the primary");
    this.onLeader(leader);
  }
}
