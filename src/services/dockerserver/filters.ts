import { InvalidArgumentError } from "../../core/errors.ts";

/**
 * Docker's `filters` query parameter: URL-encoded JSON, `{"key":{"value":true}}` since API 1.22,
 * `{"key":["value"]}` before. Both become `{key: [values]}` (the protocol's form, §6.1).
 */
export function parseFilters(raw: string | undefined): Record<string, string[]> {
  if (raw === undefined || raw === "") return {};
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (err) {
    throw new InvalidArgumentError(`invalid filters: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new InvalidArgumentError("invalid filters: expected a JSON object");
  }
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) out[key] = value as string[];
    else if (value !== null && typeof value === "object") out[key] = Object.keys(value as object);
    else throw new InvalidArgumentError(`invalid filters: the value of ${JSON.stringify(key)} must be a map`);
  }
  return out;
}

/** Container states Docker accepts in `status=` filters. */
const STATES = new Set(["created", "restarting", "running", "removing", "paused", "exited", "dead"]);

/** What a container filter needs from an inspect document. */
export interface Inspect {
  Id: string;
  Name?: string;
  Created?: string;
  Image?: string;
  Path?: string;
  Args?: string[];
  State?: {
    Status?: string;
    Running?: boolean;
    Paused?: boolean;
    ExitCode?: number;
    StartedAt?: string;
    FinishedAt?: string;
  };
  Config?: { Image?: string; Labels?: Record<string, string> | null };
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, unknown> };
  Mounts?: unknown[];
}

const ACCEPTED = new Set(["id", "name", "status", "label", "exited", "ancestor", "before", "since"]);

/** Check filter keys and values as the engine does, before any work. */
export function validateContainerFilters(f: Record<string, string[]>): void {
  for (const key of Object.keys(f)) {
    if (!ACCEPTED.has(key)) throw new InvalidArgumentError(`Invalid filter '${key}'`);
  }
  for (const s of f.status ?? []) {
    if (!STATES.has(s)) throw new InvalidArgumentError(`Invalid filter 'status=${s}'`);
  }
  for (const e of f.exited ?? []) {
    if (!/^-?\d+$/.test(e)) throw new InvalidArgumentError(`Invalid filter 'exited=${e}'`);
  }
  for (const n of f.name ?? []) {
    try {
      new RegExp(n);
    } catch {
      throw new InvalidArgumentError(`Invalid filter 'name=${n}'`);
    }
  }
}

/** Docker's state word for a container. */
export function stateOf(c: Inspect): string {
  const s = c.State ?? {};
  if (s.Status) return s.Status;
  if (s.Paused) return "paused";
  return s.Running ? "running" : "exited";
}

function labelMatch(labels: Record<string, string>, term: string): boolean {
  const eq = term.indexOf("=");
  if (eq < 0) return Object.hasOwn(labels, term);
  return labels[term.slice(0, eq)] === term.slice(eq + 1);
}

/** Does one container pass every filter? (Within a key the values are OR-ed, keys are AND-ed.) */
export function matchContainer(
  c: Inspect,
  f: Record<string, string[]>,
  byRef: Map<string, Inspect>,
): boolean {
  const name = c.Name ?? "";
  if (f.id?.length && !f.id.some((v) => c.Id.startsWith(v))) return false;
  if (f.name?.length && !f.name.some((v) => new RegExp(v).test(name))) return false;
  if (f.status?.length && !f.status.includes(stateOf(c))) return false;
  if (f.label?.length) {
    const labels = c.Config?.Labels ?? {};
    if (!f.label.every((t) => labelMatch(labels, t))) return false;
  }
  if (f.exited?.length) {
    if (stateOf(c) !== "exited") return false;
    if (!f.exited.some((e) => Number(e) === (c.State?.ExitCode ?? 0))) return false;
  }
  if (f.ancestor?.length) {
    const img = c.Config?.Image ?? "";
    const ok = f.ancestor.some(
      (a) => a === img || `${a}:latest` === img || a === c.Image || c.Image?.startsWith(a),
    );
    if (!ok) return false;
  }
  for (const [key, newer] of [
    ["before", false],
    ["since", true],
  ] as const) {
    for (const ref of f[key] ?? []) {
      const other =
        byRef.get(ref) ?? byRef.get(`/${ref}`) ?? [...byRef.values()].find((o) => o.Id.startsWith(ref));
      if (!other) throw new InvalidArgumentError(`No such container: ${ref}`);
      const d = Date.parse(c.Created ?? "") - Date.parse(other.Created ?? "");
      if (newer ? d <= 0 : d >= 0) return false;
    }
  }
  return true;
}
