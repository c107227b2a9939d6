import { existsSync, readFileSync } from "node:fs";
import { arch, availableParallelism, hostname, release, totalmem } from "node:os";
import { swarmInactive } from "../../docker/info.ts";
import { nowNanos, rfc3339Nano } from "../../docker/time.ts";

const version = "0.1.0";
/** The API version the frontend advertises (docs/PROTOCOL.md §6). */
const apiVersion = "1.41";

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "linux";
  } catch {
    return "linux";
  }
}

/** GET /version for the exec service. */
export function versionOf(): Record<string, unknown> {
  const details = {
    ApiVersion: apiVersion,
    Arch: arch() === "x64" ? "amd64" : arch(),
    BuildTime: "",
    Experimental: "false",
    GitCommit: "",
    GoVersion: "",
    KernelVersion: release(),
    MinAPIVersion: "1.12",
    Os: "linux",
  };
  const { Experimental: _string, ...top } = details;
  return {
    Platform: { Name: "libswarm exec" },
    Components: [{ Name: "Engine", Version: `libswarm-exec ${version}`, Details: details }],
    Version: `libswarm-exec ${version}`,
    ...top,
  };
}

/** What `docker info` shows about the exec service. */
export interface InfoFacts {
  daemonId: string;
  isolate: boolean;
  root: string;
  total: number;
  running: number;
  paused: number;
}

/** GET /info for the exec service, in the engine's shape. */
export function infoOf(facts: InfoFacts): Record<string, unknown> {
  return {
    ID: facts.daemonId,
    Containers: facts.total,
    ContainersRunning: facts.running,
    ContainersPaused: facts.paused,
    ContainersStopped: facts.total - facts.running - facts.paused,
    Images: 0,
    Driver: "exec",
    DriverStatus: [
      ["Isolation", facts.isolate ? "pid, mount, uts, ipc namespaces (network with --network none)" : "none"],
      ["Root", facts.root],
    ],
    Plugins: { Volume: [], Network: ["host", "none"], Authorization: null, Log: ["json-file"] },
    MemoryLimit: true,
    SwapLimit: false,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: false,
    CPUSet: false,
    PidsLimit: false,
    IPv4Forwarding: false,
    Debug: false,
    NFd: 0,
    OomKillDisable: false,
    NGoroutines: 0,
    SystemTime: rfc3339Nano(nowNanos()),
    LoggingDriver: "json-file",
    CgroupDriver: "cgroupfs",
    CgroupVersion: existsSync("/sys/fs/cgroup/cgroup.controllers") ? "2" : "1",
    NEventsListener: 0,
    KernelVersion: release(),
    OperatingSystem: osName(),
    OSVersion: "",
    OSType: "linux",
    Architecture: arch() === "x64" ? "x86_64" : arch(),
    IndexServerAddress: "",
    RegistryConfig: null,
    NCPU: availableParallelism(), // cheap, and what dockerd reports (runtime.NumCPU: the CPUs it may use)
    MemTotal: totalmem(),
    GenericResources: null,
    DockerRootDir: facts.root,
    HttpProxy: "",
    HttpsProxy: "",
    NoProxy: "",
    Name: hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: `libswarm-exec ${version}`,
    Runtimes: {},
    DefaultRuntime: "exec",
    Swarm: swarmInactive(),
    LiveRestoreEnabled: false,
    Isolation: "",
    InitBinary: "",
    ContainerdCommit: { ID: "", Expected: "" },
    RuncCommit: { ID: "", Expected: "" },
    InitCommit: { ID: "", Expected: "" },
    SecurityOptions: [],
    Warnings: facts.isolate
      ? null
      : ["exec: processes run on this host without isolation (start with --isolate)"],
  };
}
