import { InvalidArgumentError } from "../../core/errors.ts";
import { digestOf } from "../../docker/ids.ts";
import type { SimImage } from "./images.ts";

/**
 * Turning a `POST /containers/create` body into the Config and HostConfig an inspect shows:
 * the engine's defaults filled in, the image's Cmd/Env/Labels merged.
 */

export type Json = Record<string, unknown>;

const maskedPaths = [
  "/proc/asound",
  "/proc/acpi",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
];
const readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

function hostConfigDefaults(): Json {
  return {
    Binds: null,
    ContainerIDFile: "",
    LogConfig: { Type: "json-file", Config: {} },
    NetworkMode: "default",
    PortBindings: {},
    RestartPolicy: { Name: "no", MaximumRetryCount: 0 },
    AutoRemove: false,
    VolumeDriver: "",
    VolumesFrom: null,
    CapAdd: null,
    CapDrop: null,
    CgroupnsMode: "host",
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: null,
    GroupAdd: null,
    IpcMode: "private",
    Cgroup: "",
    Links: null,
    OomScoreAdj: 0,
    PidMode: "",
    Privileged: false,
    PublishAllPorts: false,
    ReadonlyRootfs: false,
    SecurityOpt: null,
    UTSMode: "",
    UsernsMode: "",
    ShmSize: 67108864,
    Runtime: "runc",
    ConsoleSize: [0, 0],
    Isolation: "",
    CpuShares: 0,
    Memory: 0,
    NanoCpus: 0,
    CgroupParent: "",
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: "",
    CpusetMems: "",
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    KernelMemory: 0,
    KernelMemoryTCP: 0,
    MemoryReservation: 0,
    MemorySwap: 0,
    MemorySwappiness: null,
    OomKillDisable: false,
    PidsLimit: null,
    Ulimits: [],
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    MaskedPaths: maskedPaths,
    ReadonlyPaths: readonlyPaths,
  };
}

function strings(v: unknown, what: string): string[] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  throw new InvalidArgumentError(`${what} must be a list of strings`);
}

/** Parse the create body (JSON text). Throws InvalidArgumentError on bad JSON or shapes. */
export function parseCreateBody(text: string): Json {
  let body: unknown;
  try {
    body = JSON.parse(text === "" ? "{}" : text);
  } catch (err) {
    throw new InvalidArgumentError(`invalid JSON in container config: ${(err as Error).message}`);
  }
  if (body === null) throw new InvalidArgumentError("Config cannot be empty in order to create a container");
  if (typeof body !== "object" || Array.isArray(body))
    throw new InvalidArgumentError("container config must be a JSON object");
  return body as Json;
}

export interface BuiltConfig {
  config: Json;
  hostConfig: Json;
  argv: string[];
}

/** The inspect Config and HostConfig for a create body, image and new container ID. */
export function buildConfig(body: Json, image: SimImage, id: string): BuiltConfig {
  const cmd = strings(body.Cmd, "Cmd");
  const entrypoint =
    body.Entrypoint === undefined ? image.entrypoint : strings(body.Entrypoint, "Entrypoint");
  // An explicit entrypoint replaces the image's command, as in the engine.
  const effectiveCmd =
    cmd && cmd.length > 0
      ? cmd
      : body.Entrypoint !== undefined && body.Entrypoint !== null
        ? null
        : image.cmd;
  const argv = [...(entrypoint ?? []), ...(effectiveCmd ?? [])];
  if (argv.length === 0) throw new InvalidArgumentError("No command specified");

  const env = new Map<string, string>();
  for (const e of [...image.env, ...(strings(body.Env, "Env") ?? [])]) env.set(e.split("=")[0]!, e);
  const labels = { ...(image.labels ?? {}), ...((body.Labels as Record<string, string> | null) ?? {}) };

  const config: Json = {
    Hostname: (body.Hostname as string) || id.slice(0, 12),
    Domainname: (body.Domainname as string) ?? "",
    User: (body.User as string) ?? "",
    AttachStdin: body.AttachStdin === true,
    AttachStdout: body.AttachStdout === true,
    AttachStderr: body.AttachStderr === true,
    ...(body.ExposedPorts ? { ExposedPorts: body.ExposedPorts } : {}),
    Tty: body.Tty === true,
    OpenStdin: body.OpenStdin === true,
    StdinOnce: body.StdinOnce === true,
    Env: [...env.values()],
    Cmd: effectiveCmd,
    ...(body.Healthcheck ? { Healthcheck: body.Healthcheck } : {}),
    Image: body.Image,
    Volumes: body.Volumes && Object.keys(body.Volumes as Json).length > 0 ? body.Volumes : null,
    WorkingDir: (body.WorkingDir as string) ?? "",
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: labels,
    ...(typeof body.StopSignal === "string" && body.StopSignal !== "" ? { StopSignal: body.StopSignal } : {}),
    ...(typeof body.StopTimeout === "number" ? { StopTimeout: body.StopTimeout } : {}),
  };

  const requested = (body.HostConfig as Json | null | undefined) ?? {};
  const hostConfig: Json = { ...hostConfigDefaults() };
  for (const [k, v] of Object.entries(requested)) if (v !== undefined) hostConfig[k] = v;
  const log = (hostConfig.LogConfig as Json | null) ?? {};
  hostConfig.LogConfig = { Type: (log.Type as string) || "json-file", Config: log.Config ?? {} };
  if (!hostConfig.NetworkMode) hostConfig.NetworkMode = "default";
  if (!hostConfig.IpcMode) hostConfig.IpcMode = "private";
  if (!hostConfig.CgroupnsMode) hostConfig.CgroupnsMode = "host";
  if (!hostConfig.ShmSize) hostConfig.ShmSize = 67108864;
  if (hostConfig.MemorySwappiness === -1) hostConfig.MemorySwappiness = null;
  if (hostConfig.PidsLimit === 0) hostConfig.PidsLimit = null;
  if (hostConfig.MaskedPaths === null) hostConfig.MaskedPaths = maskedPaths;
  if (hostConfig.ReadonlyPaths === null) hostConfig.ReadonlyPaths = readonlyPaths;
  hostConfig.Runtime = "runc";
  return { config, hostConfig, argv };
}

/** The network a container's NetworkMode attaches it to (`default` is the bridge). */
export function networkName(hostConfig: Json): string {
  const mode = String(hostConfig.NetworkMode ?? "default");
  return mode === "default" ? "bridge" : mode;
}

/** A stable network ID for a network name. */
export function networkId(name: string): string {
  return digestOf(`network:${name}`).slice(7);
}
