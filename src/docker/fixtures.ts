import type { ContainerInspect } from "./summary.ts";

/** Test fixture: a minimal inspect document, shaped like the engine's (trace §2.8). */
export function inspectDoc(
  over: Partial<ContainerInspect> & { state?: Partial<ContainerInspect["State"]> } = {},
): ContainerInspect {
  const { state, ...rest } = over;
  return {
    Id: "751e37cb8158d1a4a810fc46479cbd2e2d5a753390ada82f93acee01515e2fde",
    Created: "2026-11-23T01:35:03.5Z",
    Path: "sleep",
    Args: ["300"],
    State: {
      Status: "exited",
      Running: false,
      Paused: false,
      Restarting: false,
      ExitCode: 137,
      StartedAt: "2026-11-23T01:35:04Z",
      FinishedAt: "2026-11-23T01:35:16Z",
      ...state,
    },
    Image: "sha256:88962ef7e697f06e4f7d6cbd84eb17b6e91853413598522770334146209d6f4f",
    Name: "/sleeper",
    Config: { Image: "busybox:local", Labels: {} },
    HostConfig: { NetworkMode: "none" },
    NetworkSettings: { Ports: {}, Networks: { none: { NetworkID: "3898" } } },
    Mounts: [],
    ...rest,
  };
}
