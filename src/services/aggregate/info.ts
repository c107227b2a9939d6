import os from "node:os";
import { swarmInactive } from "../../docker/info.ts";
import { rfc3339Nano } from "../../docker/time.ts";
import type { Cluster } from "./cluster.ts";
import { filterNames } from "./filters.ts";
import type { ClusterNode } from "./node.ts";

/**
 * `docker info` for the cluster: totals over the nodes, and classic Swarm's per-node report in
 * SystemStatus, which docker CLI 28 prints as ` Key: value` lines under "Server:":
 *   Role: primary / Strategy: spread / Filters: health, port, … / Nodes: 2
 *    node1: <address>
 *     └ ID … └ Status … └ Containers … └ Reserved CPUs … └ Reserved Memory … └ Labels … └ Error … └ UpdatedAt … └ ServerVersion
 * Unhealthy nodes are also listed in Warnings (printed by the CLI on stderr).
 */

const binaryUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

/** go-units BytesSize as classic Swarm printed it: 4 significant digits, binary units ("1.952 GiB"). */
export function bytesSize(n: number): string {
  let size = n;
  let i = 0;
  while (size >= 1024 && i < binaryUnits.length - 1) {
    size /= 1024;
    i++;
  }
  return `${Number(size.toPrecision(4))} ${binaryUnits[i]}`;
}

/** CPUs as whole numbers when they are, else up to 3 decimals. */
function cpus(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** RFC 3339 to the second, as classic Swarm printed UpdatedAt. */
function seconds(ms: number): string {
  return ms === 0 ? "never" : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

export function nodeStatusLines(n: ClusterNode): [string, string][] {
  const c = n.containers;
  const labels = Object.entries(n.labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  return [
    [` ${n.name}`, n.addr],
    ["  └ ID", n.id || "(unknown)"],
    ["  └ Status", n.status],
    ["  └ Containers", `${c.count} (${c.running} Running, ${c.paused} Paused, ${c.stopped} Stopped)`],
    ["  └ Reserved CPUs", `${cpus(n.usedCpus)} / ${n.totalCpus}`],
    ["  └ Reserved Memory", `${bytesSize(n.usedMemory)} / ${bytesSize(n.totalMemory)}`],
    ["  └ Labels", labels.join(", ")],
    ["  └ Error", n.error || "(none)"],
    ["  └ UpdatedAt", seconds(n.updatedAt)],
    ["  └ ServerVersion", n.info.ServerVersion ?? ""],
  ];
}

export const serverVersion = "libswarm-aggregate/0.1.0";

/** A node's SystemStatus pairs as JSON, rebuilt only when something they show has changed. */
const fragments = new WeakMap<ClusterNode, { sig: string; json: string }>();

function nodeFragment(n: ClusterNode): string {
  const sig = `${n.name}|${n.status}|${n.error}|${Math.floor(n.updatedAt / 1000)}|${n.containers.version}|${n.pendingContainers}|${n.id}|${n.totalCpus}|${n.totalMemory}|${n.info.ServerVersion}|${JSON.stringify(n.labels)}`;
  const cached = fragments.get(n);
  if (cached?.sig === sig) return cached.json;
  const json = JSON.stringify(nodeStatusLines(n)).slice(1, -1);
  fragments.set(n, { sig, json });
  return json;
}

const joined = new WeakMap<Cluster, { key: string; json: string }>();

const statusMarker = "\u0000SystemStatus\u0000";

/**
 * The info document as JSON text. With 1,000 nodes SystemStatus has 10,000 pairs; each node's part
 * is kept serialized and only rebuilt when it changes, so info stays cheap.
 */
export function clusterInfoJson(cluster: Cluster): string {
  const doc = clusterInfo(cluster, false);
  doc.SystemStatus = statusMarker;
  const head: string[] = [];
  for (const [k, v] of doc.SystemStatusHead as [string, string][]) head.push(JSON.stringify([k, v]));
  delete doc.SystemStatusHead;
  // Node parts change with the view (containers, health) or by the second (UpdatedAt); in between
  // the joined text is reused.
  const key = `${Math.floor(Date.now() / 1000)}|${cluster.view.version}|${cluster.membership}`;
  let nodes = joined.get(cluster);
  if (nodes?.key !== key) {
    nodes = { key, json: cluster.nodes.map(nodeFragment).join(",") };
    joined.set(cluster, nodes);
  }
  // With discovery the cluster may have no node at all: no dangling comma then.
  const all = [...head, ...(nodes.json ? [nodes.json] : [])].join(",");
  return JSON.stringify(doc).replace(JSON.stringify(statusMarker), () => `[${all}]`);
}

export function clusterInfo(cluster: Cluster, withNodes = true): Record<string, unknown> {
  let running = 0;
  let paused = 0;
  let stopped = 0;
  let images = 0;
  let ncpu = 0;
  let mem = 0;
  const status: [string, string][] = [
    ["Role", "primary"],
    ["Strategy", cluster.options.strategy],
    ["Filters", filterNames.join(", ")],
    ["Nodes", String(cluster.nodes.length)],
  ];
  const warnings: string[] = [];
  for (const n of cluster.nodes) {
    running += n.containers.running;
    paused += n.containers.paused;
    stopped += n.containers.stopped;
    if (n.healthy) {
      images += n.info.Images ?? 0;
      ncpu += n.totalCpus;
      mem += n.totalMemory;
    } else
      warnings.push(
        `WARNING: node ${n.name} (${n.addr}) is ${n.status.toLowerCase()}: ${n.error || "not answering"}`,
      );
    if (withNodes) for (const line of nodeStatusLines(n)) status.push(line);
  }
  return {
    ID: cluster.id,
    Containers: running + paused + stopped,
    ContainersRunning: running,
    ContainersPaused: paused,
    ContainersStopped: stopped,
    Images: images,
    Driver: "",
    DriverStatus: null,
    SystemStatus: status,
    ...(withNodes ? {} : { SystemStatusHead: status }),
    Plugins: { Volume: null, Network: null, Authorization: null, Log: null },
    MemoryLimit: true,
    SwapLimit: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: true,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: rfc3339Nano(BigInt(Date.now()) * 1_000_000n),
    LoggingDriver: "",
    CgroupDriver: "",
    NEventsListener: cluster.events.listeners,
    KernelVersion: os.release(),
    OperatingSystem: "libswarm aggregate",
    OSType: "linux",
    Architecture: os.machine(),
    IndexServerAddress: "https://index.docker.io/v1/",
    NCPU: ncpu,
    MemTotal: mem,
    DockerRootDir: "",
    Name: os.hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: serverVersion,
    Swarm: swarmInactive(),
    LiveRestoreEnabled: false,
    Warnings: warnings,
  };
}
