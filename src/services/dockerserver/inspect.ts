import type { ContainerInspect } from "../../docker/summary.ts";

/** An inspect document as a backend may send it: any part missing. */
export type SparseInspect = Partial<
  Pick<
    ContainerInspect,
    "Id" | "Name" | "Created" | "Path" | "Args" | "Image" | "HostConfig" | "NetworkSettings"
  >
> & {
  State?: Partial<ContainerInspect["State"]>;
  Config?: Partial<ContainerInspect["Config"]>;
  [k: string]: unknown;
};

/**
 * A backend's inspect document as the shared listing (src/docker/filters.ts) reads it. Backends
 * send the engine's whole document (PROTOCOL §6.2); a sparse one still lists instead of failing
 * `docker ps`: missing parts are empty, a missing `Status` follows the flags and missing flags
 * follow `Status`.
 */
export function asInspect(doc: SparseInspect): ContainerInspect {
  const s = doc.State ?? {};
  const status = s.Status || (s.Paused ? "paused" : s.Running ? "running" : "exited");
  return {
    ...doc,
    Id: doc.Id ?? "",
    Name: doc.Name ?? "",
    Created: doc.Created ?? "",
    Path: doc.Path ?? "",
    Args: doc.Args ?? [],
    Image: doc.Image ?? "",
    State: {
      Running: status === "running" || status === "paused" || status === "restarting",
      Paused: status === "paused",
      Restarting: status === "restarting",
      ExitCode: 0,
      StartedAt: "",
      FinishedAt: "",
      ...s,
      Status: status,
    },
    Config: { ...doc.Config, Image: doc.Config?.Image ?? doc.Image ?? "" },
    HostConfig: { ...doc.HostConfig },
    NetworkSettings: { ...doc.NetworkSettings },
  };
}
