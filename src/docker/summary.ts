import { humanDuration, parseRfc3339, ZERO_TIME } from "./time.ts";

/**
 * Turning a container inspect document (GET /containers/{id}/json) into the summary that
 * GET /containers/json lists, with the engine's human `Status` ("Up 3 minutes", "Exited (137) 3
 * minutes ago"). Pure: `now` is a parameter, so tests and every backend give the same text.
 */

/** The parts of an inspect document a summary and the ps filters read. */
export interface ContainerInspect {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: {
    Status: string;
    Running: boolean;
    Paused: boolean;
    Restarting: boolean;
    Dead?: boolean;
    ExitCode: number;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: string };
    [k: string]: unknown;
  };
  Image: string;
  Name: string;
  Config: { Image: string; Labels?: Record<string, string> | null; [k: string]: unknown };
  HostConfig: { NetworkMode?: string; [k: string]: unknown };
  NetworkSettings: {
    Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    Networks?: Record<string, unknown> | null;
    [k: string]: unknown;
  };
  Mounts?: unknown[] | null;
  SizeRw?: number;
  SizeRootFs?: number;
  [k: string]: unknown;
}

export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: PortSummary[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string>;
  State: string;
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Record<string, unknown> };
  Mounts: unknown[];
}

export interface SummaryOptions {
  /** The current time in ms since the epoch (for the human Status). Default: Date.now(). */
  now?: number;
  /** Include SizeRw / SizeRootFs when the inspect document has them (`ps -s`). */
  size?: boolean;
}

function msOf(time: string): number | undefined {
  if (!time || time === ZERO_TIME || time.startsWith("0001-01-01")) return undefined;
  const ns = parseRfc3339(time);
  return ns === undefined ? undefined : Number(ns / 1_000_000n);
}

/** The `Status` column: the engine's container/state.go String(). */
export function statusText(state: ContainerInspect["State"], now: number = Date.now()): string {
  const started = msOf(state.StartedAt);
  const finished = msOf(state.FinishedAt);
  if (state.Running) {
    if (state.Paused) return `Up ${humanDuration(now - (started ?? now))} (Paused)`;
    if (state.Restarting)
      return `Restarting (${state.ExitCode}) ${humanDuration(now - (finished ?? now))} ago`;
    const health = state.Health?.Status;
    const suffix =
      health === "starting"
        ? " (health: starting)"
        : health === "healthy" || health === "unhealthy"
          ? ` (${health})`
          : "";
    return `Up ${humanDuration(now - (started ?? now))}${suffix}`;
  }
  if (state.Status === "removing") return "Removal In Progress";
  if (state.Dead || state.Status === "dead") return "Dead";
  if (started === undefined) return "Created";
  if (finished === undefined) return "";
  return `Exited (${state.ExitCode}) ${humanDuration(now - finished)} ago`;
}

/** The `Command` column: path and args joined by spaces, args with a space in single quotes, as the engine does. */
export function commandText(inspect: Pick<ContainerInspect, "Path" | "Args">): string {
  if (!inspect.Args || inspect.Args.length === 0) return inspect.Path;
  const args = inspect.Args.map((a) => (a.includes(" ") ? `'${a}'` : a));
  return `${inspect.Path} ${args.join(" ")}`;
}

function portsOf(ports: ContainerInspect["NetworkSettings"]["Ports"]): PortSummary[] {
  const out: PortSummary[] = [];
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    const [port, proto = "tcp"] = key.split("/");
    const privatePort = Number(port);
    if (!bindings || bindings.length === 0) {
      out.push({ PrivatePort: privatePort, Type: proto });
      continue;
    }
    for (const b of bindings) {
      out.push({
        IP: b.HostIp || "0.0.0.0",
        PrivatePort: privatePort,
        PublicPort: Number(b.HostPort),
        Type: proto,
      });
    }
  }
  return out;
}

/** A /containers/json entry for an inspect document. */
export function containerSummary(inspect: ContainerInspect, options: SummaryOptions = {}): ContainerSummary {
  const created = parseRfc3339(inspect.Created);
  const summary: ContainerSummary = {
    Id: inspect.Id,
    Names: [inspect.Name.startsWith("/") ? inspect.Name : `/${inspect.Name}`],
    Image: inspect.Config.Image,
    ImageID: inspect.Image,
    Command: commandText(inspect),
    Created: created === undefined ? 0 : Number(created / 1_000_000_000n),
    Ports: portsOf(inspect.NetworkSettings.Ports),
    Labels: { ...(inspect.Config.Labels ?? {}) },
    State: inspect.State.Status,
    Status: statusText(inspect.State, options.now),
    HostConfig: { NetworkMode: inspect.HostConfig.NetworkMode ?? "default" },
    NetworkSettings: { Networks: { ...(inspect.NetworkSettings.Networks ?? {}) } },
    Mounts: [...(inspect.Mounts ?? [])],
  };
  if (options.size) {
    if (inspect.SizeRw !== undefined) summary.SizeRw = inspect.SizeRw;
    if (inspect.SizeRootFs !== undefined) summary.SizeRootFs = inspect.SizeRootFs;
  }
  return summary;
}
