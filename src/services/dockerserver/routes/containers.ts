import { ErrorCodes, fromErrorArgs, InvalidArgumentError, SwarmError } from "../../../core/errors.ts";
import { Verbs } from "../../../core/verbs.ts";
import { DockerVerbs, type RemoveOptions } from "../../../docker/verbs.ts";
import { ackOf, get, openContainer } from "../backend.ts";
import { type Ctx, parseJSONBody, q, qBool, qInt, readBody } from "../context.ts";
import { sendEmpty, sendJSON } from "../response.ts";

/** Container lifecycle endpoints: one backend call each on the container object (PROTOCOL §6.2). */

const NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new InvalidArgumentError(
      `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
}

const TYPE_NAMES: Record<string, string> = {
  number: "number",
  string: "string",
  boolean: "bool",
  object: "object",
};

function typeWord(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return TYPE_NAMES[typeof v] ?? typeof v;
}

function wrongType(field: string, v: unknown, want: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `json: cannot unmarshal ${typeWord(v)} into Go struct field ${field} of type ${want}`,
  );
}

const isStrings = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === "string");

/** The fields whose type the CLI relies on; the engine refuses the same mistakes with a 400. */
export function validateConfig(doc: unknown, where: string): Record<string, unknown> {
  if (doc === undefined)
    throw new InvalidArgumentError("config cannot be empty in order to create a container");
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new InvalidArgumentError(`json: cannot unmarshal ${typeWord(doc)} into Go value of type ${where}`);
  }
  const c = doc as Record<string, unknown>;
  for (const f of ["Cmd", "Entrypoint"]) {
    const v = c[f];
    if (v !== undefined && v !== null && typeof v !== "string" && !isStrings(v))
      throw wrongType(`${where}.${f}`, v, "[]string");
  }
  for (const f of ["Env"]) {
    const v = c[f];
    if (v !== undefined && v !== null && !isStrings(v)) throw wrongType(`${where}.${f}`, v, "[]string");
  }
  for (const f of ["Image", "User", "WorkingDir", "Hostname"]) {
    const v = c[f];
    if (v !== undefined && typeof v !== "string") throw wrongType(`${where}.${f}`, v, "string");
  }
  for (const f of [
    "Tty",
    "OpenStdin",
    "StdinOnce",
    "AttachStdin",
    "AttachStdout",
    "AttachStderr",
    "Privileged",
  ]) {
    const v = c[f];
    if (v !== undefined && typeof v !== "boolean") throw wrongType(`${where}.${f}`, v, "bool");
  }
  const labels = c.Labels;
  if (labels !== undefined && labels !== null) {
    if (
      typeof labels !== "object" ||
      Array.isArray(labels) ||
      !Object.values(labels).every((s) => typeof s === "string")
    ) {
      throw wrongType(`${where}.Labels`, labels, "map[string]string");
    }
  }
  const hc = c.HostConfig;
  if (hc !== undefined && hc !== null && (typeof hc !== "object" || Array.isArray(hc))) {
    throw wrongType(`${where}.HostConfig`, hc, "container.HostConfig");
  }
  return c;
}

/** POST /containers/create?name= → `Spawn [config, name]` on the root. */
export async function create(ctx: Ctx): Promise<void> {
  const name = q(ctx, "name") ?? "";
  if (name !== "") checkName(name);
  const raw = await readBody(ctx.req, ctx.state.maxBody);
  const config = validateConfig(parseJSONBody(raw), "ContainerConfigWrapper");
  if (typeof config.Image !== "string" || config.Image === "") {
    throw new InvalidArgumentError("No image specified: the config's Image must name an image");
  }
  // The body travels as sent (only trimmed), so numbers the backend reads are not rounded by us.
  const m = await ackOf(ctx.root, Verbs.Spawn, [raw.toString("utf8").trim(), name.replace(/^\//, "")]);
  sendJSON(ctx.res!, 201, JSON.stringify({ Id: m.args[0] ?? "", Warnings: m.args.slice(1) }));
}

/** GET /containers/{id}/json → `Get` on the container object. */
export async function inspect(ctx: Ctx): Promise<void> {
  const c = await openContainer(ctx.root, ctx.params.id!);
  sendJSON(ctx.res!, 200, await get(c.object, []));
}

/** A verb on the container object that answers Ack, then 204 (errors: 304, 404, 409…). */
function simple(verb: string, args: (ctx: Ctx) => string[]) {
  return async (ctx: Ctx): Promise<void> => {
    const a = args(ctx);
    const c = await openContainer(ctx.root, ctx.params.id!);
    await ackOf(c.object, verb, a);
    sendEmpty(ctx.res!, 204);
  };
}

const timeoutArgs = (ctx: Ctx) => [String(qInt(ctx, "t") ?? ""), q(ctx, "signal") ?? ""];

export const start = simple(Verbs.Start, () => []);
export const stop = simple(Verbs.Stop, timeoutArgs);
export const restart = simple(DockerVerbs.Restart, timeoutArgs);

/**
 * POST /containers/{id}/kill → `Kill [signal]`. The engine's router words a failure to find the
 * container as `Cannot kill container: x: No such container: x`, so the CLI prints that.
 */
export async function kill(ctx: Ctx): Promise<void> {
  const name = ctx.params.id!;
  let c: Awaited<ReturnType<typeof openContainer>>;
  try {
    c = await openContainer(ctx.root, name);
  } catch (err) {
    if (
      err instanceof SwarmError &&
      err.code === ErrorCodes.NotFound &&
      !err.message.startsWith("Cannot kill container")
    ) {
      throw fromErrorArgs([`Cannot kill container: ${name}: ${err.message}`, err.code]);
    }
    throw err;
  }
  await ackOf(c.object, DockerVerbs.Kill, [q(ctx, "signal") ?? ""]);
  sendEmpty(ctx.res!, 204);
}
export const pause = simple(DockerVerbs.Pause, () => []);
export const unpause = simple(DockerVerbs.Unpause, () => []);
export const rename = simple(DockerVerbs.Rename, (ctx) => {
  const name = q(ctx, "name") ?? "";
  if (name === "") throw new InvalidArgumentError("Neither old nor new names may be empty");
  checkName(name);
  return [name.replace(/^\//, "")];
});

/** DELETE /containers/{id}?force=&v=&link= → `Remove [options]`. */
export async function remove(ctx: Ctx): Promise<void> {
  const opts: RemoveOptions = { force: qBool(ctx, "force"), v: qBool(ctx, "v"), link: qBool(ctx, "link") };
  const c = await openContainer(ctx.root, ctx.params.id!);
  await ackOf(c.object, DockerVerbs.Remove, [JSON.stringify(opts)]);
  for (const [id, e] of ctx.state.execs) if (e.containerId === c.id) ctx.state.execs.delete(id);
  sendEmpty(ctx.res!, 204);
}

/** GET /containers/{id}/top?ps_args= → `Get ["top", psArgs]`. */
export async function top(ctx: Ctx): Promise<void> {
  const c = await openContainer(ctx.root, ctx.params.id!);
  sendJSON(ctx.res!, 200, await get(c.object, ["top", q(ctx, "ps_args") ?? ""]));
}

function sizeArgs(ctx: Ctx): string[] {
  const h = qInt(ctx, "h") ?? 0;
  const w = qInt(ctx, "w") ?? 0;
  if (h < 0 || w < 0) throw new InvalidArgumentError("invalid resize: height and width must be positive");
  return [String(h), String(w)];
}

/** POST /containers/{id}/resize?h=&w= → `Resize [h, w]` (200, empty). */
export async function resize(ctx: Ctx): Promise<void> {
  const a = sizeArgs(ctx);
  const c = await openContainer(ctx.root, ctx.params.id!);
  await ackOf(c.object, DockerVerbs.Resize, a);
  sendEmpty(ctx.res!, 200);
}

export { sizeArgs };
