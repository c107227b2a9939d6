import { InvalidArgumentError } from "../../core/errors.ts";

/** A container's restart policy (HostConfig.RestartPolicy). */
export interface RestartPolicy {
  Name?: string;
  MaximumRetryCount?: number;
}

const names = new Set(["", "no", "always", "unless-stopped", "on-failure"]);

/** Reject what the engine rejects at create. */
export function checkRestartPolicy(p: RestartPolicy | undefined, autoRemove: boolean): void {
  const name = p?.Name ?? "";
  if (!names.has(name)) throw new InvalidArgumentError(`invalid restart policy '${name}'`);
  const max = p?.MaximumRetryCount ?? 0;
  if (max < 0) throw new InvalidArgumentError("maximum retry count cannot be negative");
  if (max > 0 && name !== "on-failure") {
    throw new InvalidArgumentError(`maximum retry count cannot be used with restart policy '${name}'`);
  }
  if (autoRemove && name !== "" && name !== "no") {
    throw new InvalidArgumentError("can't create 'AutoRemove' container with restart policy");
  }
}

/**
 * Should the exec service start the program again after this exit? Never after `docker stop`,
 * `kill` or `rm` (a manual stop), as the engine.
 */
export function shouldRestart(
  p: RestartPolicy | undefined,
  exitCode: number,
  restartCount: number,
  manuallyStopped: boolean,
): boolean {
  if (manuallyStopped) return false;
  switch (p?.Name ?? "") {
    case "always":
    case "unless-stopped":
      return true;
    case "on-failure": {
      const max = p?.MaximumRetryCount ?? 0;
      return exitCode !== 0 && (max === 0 || restartCount < max);
    }
    default:
      return false;
  }
}

/** Should it be started when swarmd starts (it was running, or stopped only by swarmd's stop)? */
export function startsWithService(p: RestartPolicy | undefined, manuallyStopped: boolean): boolean {
  const name = p?.Name ?? "";
  return name === "always" || (name === "unless-stopped" && !manuallyStopped);
}

/** The engine's back-off: 100 ms, doubled at each restart up to a minute; back to 100 ms after 10 s up. */
export function nextDelay(previousMs: number, ranForMs: number): number {
  if (previousMs === 0 || ranForMs >= 10_000) return 100;
  return Math.min(previousMs * 2, 60_000);
}
