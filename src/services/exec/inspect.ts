import { unaddressedEndpoint } from "../../docker/endpoint.ts";
import { digestOf, shortId } from "../../docker/ids.ts";
import type { ContainerInspect } from "../../docker/summary.ts";
import type { ContainerRecord } from "./state.ts";

/** The image ID the engine would show: there is no image, so a stable digest of its name. */
export function imageIdOf(image: string): string {
  return digestOf(`libswarm-exec-image:${image}`);
}

/** The command a container runs: Entrypoint then Cmd, each a list or a shell string. */
export function commandOf(entrypoint: unknown, cmd: unknown): string[] {
  const list = (v: unknown): string[] =>
    Array.isArray(v) ? v.map(String) : typeof v === "string" && v !== "" ? ["/bin/sh", "-c", v] : [];
  return [...list(entrypoint), ...list(cmd)];
}

/** GET /containers/{id}/json for a container of the exec service. */
export function inspectOf(rec: ContainerRecord, logPath: string, execIds: string[]): ContainerInspect {
  const network = rec.hostConfig.NetworkMode || "default";
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: { ...rec.state },
    Image: imageIdOf(rec.config.Image ?? ""),
    ResolvConfPath: "/etc/resolv.conf",
    HostnamePath: "/etc/hostname",
    HostsPath: "/etc/hosts",
    LogPath: logPath,
    Name: `/${rec.name}`,
    RestartCount: rec.restartCount,
    Driver: "exec",
    Platform: "linux",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    ExecIDs: execIds.length > 0 ? execIds : null,
    HostConfig: {
      ...rec.hostConfig,
      NetworkMode: network,
      LogConfig: {
        Type: "json-file",
        Config: {
          ...((rec.hostConfig.LogConfig as { Config?: Record<string, string> } | undefined)?.Config ?? {}),
        },
      },
      Isolation: "",
    },
    GraphDriver: { Data: null, Name: "exec" },
    Mounts: [],
    Config: {
      ...rec.config,
      Hostname: rec.config.Hostname || shortId(rec.id),
      Image: rec.config.Image ?? "",
      Env: rec.config.Env ?? null,
      Labels: rec.config.Labels ?? {},
      HostConfig: undefined,
    },
    NetworkSettings: {
      Bridge: "",
      SandboxID: "",
      HairpinMode: false,
      Ports: {},
      SandboxKey: "",
      IPAddress: "",
      Gateway: "",
      MacAddress: "",
      Networks: {
        [network === "default" ? "host" : network]: unaddressedEndpoint("", ""),
      },
    },
  };
}
