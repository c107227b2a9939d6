import type { Inspect } from "./filters.ts";
import { stateOf } from "./filters.ts";

/**
 * Build a `GET /containers/json` summary (API 1.41 shape) from an inspect document, for backends
 * without the `Get ["containers"]` fast path (PROTOCOL §6.4.2).
 */
export function summaryOf(c: Inspect, now = Date.now()): Record<string, unknown> {
  const created = Date.parse(c.Created ?? "");
  return {
    Id: c.Id,
    Names: c.Name ? [c.Name.startsWith("/") ? c.Name : `/${c.Name}`] : [],
    Image: c.Config?.Image ?? c.Image ?? "",
    ImageID: c.Image ?? "",
    Command: commandText(c),
    Created: Number.isFinite(created) ? Math.floor(created / 1000) : 0,
    Ports: [],
    Labels: c.Config?.Labels ?? {},
    State: stateOf(c),
    Status: statusText(c, now),
    HostConfig: { NetworkMode: c.HostConfig?.NetworkMode ?? "default" },
    NetworkSettings: { Networks: c.NetworkSettings?.Networks ?? {} },
    Mounts: c.Mounts ?? [],
  };
}

/** The engine's `Command` column: the path, then the args, each arg with a space in single quotes. */
export function commandText(c: Inspect): string {
  const args = (c.Args ?? []).map((a) => (a.includes(" ") ? `'${a}'` : a));
  return args.length ? `${c.Path ?? ""} ${args.join(" ")}` : (c.Path ?? "");
}

/** The human `Status` the engine builds: "Up 5 seconds", "Exited (0) 3 minutes ago", "Created"… */
export function statusText(c: Inspect, now = Date.now()): string {
  const state = stateOf(c);
  const s = c.State ?? {};
  switch (state) {
    case "running":
    case "paused": {
      const up = `Up ${humanDuration(now - Date.parse(s.StartedAt ?? ""))}`;
      return state === "paused" ? `${up} (Paused)` : up;
    }
    case "restarting":
      return `Restarting (${s.ExitCode ?? 0}) ${humanDuration(now - Date.parse(s.FinishedAt ?? ""))} ago`;
    case "exited": {
      const finished = Date.parse(s.FinishedAt ?? "");
      if (!Number.isFinite(finished) || finished <= 0) return "Created";
      return `Exited (${s.ExitCode ?? 0}) ${humanDuration(now - finished)} ago`;
    }
    case "removing":
      return "Removal In Progress";
    case "dead":
      return "Dead";
    default:
      return "Created";
  }
}

/** Go's units.HumanDuration, which the engine uses for `Status`. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) ms = 0;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}
