import { InvalidArgumentError } from "../../core/errors.ts";
import { type Expr, parseExpr } from "./expr.ts";

/** Labels classic Swarm used to carry scheduling expressions on a container. */
export const constraintsLabel = "com.docker.swarm.constraints";
export const affinitiesLabel = "com.docker.swarm.affinities";
/**
 * Where aggregate records the expressions it applied. Not the classic labels: a node that is itself
 * an aggregate would read those and apply `node==x` to its own nodes.
 */
export const scheduledLabel = "libswarm.aggregate.scheduled";

/** What a node must reserve for a container, in classic Swarm's units. */
export interface Reservation {
  /** CPUs: NanoCpus / 1e9 (`--cpus`), else CpuShares counted as whole CPUs (`-c`, as classic Swarm did). */
  cpus: number;
  /** Bytes (`-m`). */
  memory: number;
}

export interface HostPort {
  port: string;
  proto: string;
}

/** A create request, read for scheduling. `config` is what goes to the chosen node. */
export interface ScheduleRequest {
  config: Record<string, unknown>;
  constraints: Expr[];
  affinities: Expr[];
  reservation: Reservation;
  /** Host ports the container publishes (`-p 8080:80`): a node where one is taken cannot run it. */
  hostPorts: HostPort[];
  /** Containers it must sit beside: `--volumes-from`, `--link`, `--network container:x`. */
  dependencies: string[];
  image: string;
}

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0;
}

/** The reservation of a container, from its create config or its inspect document's HostConfig. */
export function reservationOf(hostConfig: unknown): Reservation {
  const hc = obj(hostConfig) ?? {};
  const nano = num(hc.NanoCpus);
  return { cpus: nano > 0 ? nano / 1e9 : num(hc.CpuShares), memory: num(hc.Memory) };
}

/** Host ports of a HostConfig's PortBindings: `{"80/tcp": [{"HostIp":"","HostPort":"8080"}]}`. */
export function hostPortsOf(hostConfig: unknown): HostPort[] {
  const bindings = obj(obj(hostConfig)?.PortBindings) ?? {};
  const out: HostPort[] = [];
  for (const [key, list] of Object.entries(bindings)) {
    const proto = key.split("/")[1] ?? "tcp";
    if (!Array.isArray(list)) continue;
    for (const b of list) {
      const port = String(obj(b)?.HostPort ?? "");
      if (port !== "" && port !== "0") out.push({ port, proto });
    }
  }
  return out;
}

/** Names of the containers a HostConfig depends on. */
export function dependenciesOf(hostConfig: unknown): string[] {
  const hc = obj(hostConfig) ?? {};
  const out: string[] = [];
  for (const v of Array.isArray(hc.VolumesFrom) ? hc.VolumesFrom : []) out.push(String(v).split(":")[0]!);
  for (const l of Array.isArray(hc.Links) ? hc.Links : [])
    out.push(String(l).split(":")[0]!.replace(/^\//, ""));
  const mode = typeof hc.NetworkMode === "string" ? hc.NetworkMode : "";
  if (mode.startsWith("container:")) out.push(mode.slice("container:".length));
  return out.filter((n) => n !== "");
}

function labelList(labels: Json, key: string): string[] {
  const raw = labels[key];
  if (raw === undefined || raw === "") return [];
  try {
    const list = JSON.parse(String(raw));
    if (Array.isArray(list)) return list.map(String);
  } catch {}
  throw new InvalidArgumentError(
    `label ${key} must be a JSON array of expressions, got ${JSON.stringify(raw)}`,
  );
}

/**
 * Read a create config (the body of POST /containers/create) for scheduling. `constraint:` and
 * `affinity:` entries are taken out of Env (and the classic labels out of Labels), as classic Swarm
 * did, so the node never sees them; what was applied is recorded in the label `scheduledLabel`.
 */
export function readScheduleRequest(configJson: string): ScheduleRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(configJson);
  } catch {
    throw new InvalidArgumentError("invalid JSON in container config");
  }
  const config = obj(parsed);
  if (!config) throw new InvalidArgumentError("container config must be a JSON object");
  const env = Array.isArray(config.Env) ? config.Env.map(String) : [];
  const labels = { ...(obj(config.Labels) ?? {}) } as Json;
  const constraintTexts = labelList(labels, constraintsLabel);
  const affinityTexts = labelList(labels, affinitiesLabel);
  const keptEnv: string[] = [];
  for (const e of env) {
    if (e.startsWith("constraint:")) constraintTexts.push(e.slice("constraint:".length));
    else if (e.startsWith("affinity:")) affinityTexts.push(e.slice("affinity:".length));
    else keptEnv.push(e);
  }
  const constraints = constraintTexts.map((t) => parseExpr("constraint", t));
  const affinities = affinityTexts.map((t) => parseExpr("affinity", t));
  for (const a of affinities) {
    if (a.key !== "container" && a.key !== "image") {
      throw new InvalidArgumentError(`invalid affinity ${a.text}: the key must be container or image`);
    }
  }
  const out: Json = { ...config };
  if (Array.isArray(config.Env)) out.Env = keptEnv;
  delete labels[constraintsLabel];
  delete labels[affinitiesLabel];
  if (constraintTexts.length || affinityTexts.length) {
    labels[scheduledLabel] = JSON.stringify({ constraints: constraintTexts, affinities: affinityTexts });
  }
  if (constraintTexts.length || affinityTexts.length || config.Labels !== undefined) out.Labels = labels;
  return {
    config: out,
    constraints,
    affinities,
    reservation: reservationOf(config.HostConfig),
    hostPorts: hostPortsOf(config.HostConfig),
    dependencies: dependenciesOf(config.HostConfig),
    image: typeof config.Image === "string" ? config.Image : "",
  };
}
