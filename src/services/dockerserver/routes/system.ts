import { call } from "../../../core/client.ts";
import { ErrorCodes, NotFoundError, SwarmError } from "../../../core/errors.ts";
import { Verbs } from "../../../core/verbs.ts";
import type { ListOptions } from "../../../docker/verbs.ts";
import { get, openContainer } from "../backend.ts";
import { type Ctx, q, qBool, qInt } from "../context.ts";
import { type Inspect, matchContainer, parseFilters, stateOf, validateContainerFilters } from "../filters.ts";
import { sendJSON } from "../response.ts";
import { summaryOf } from "../summary.ts";

/** Root endpoints: one `Get [what…]` on the backend root each (PROTOCOL §6.1), passed through unparsed. */

function rootGet(args: (ctx: Ctx) => string[]) {
  return async (ctx: Ctx): Promise<void> => sendJSON(ctx.res!, 200, await get(ctx.root, args(ctx)));
}

export const version = rootGet(() => ["version"]);
export const info = rootGet(() => ["info"]);
export const df = rootGet(() => ["df"]);
export const images = rootGet((ctx) => [
  "images",
  JSON.stringify({
    all: qBool(ctx, "all"),
    filters: parseFilters(q(ctx, "filters")),
    digests: qBool(ctx, "digests"),
  }),
]);
export const image = rootGet((ctx) => {
  const name = ctx.params["*"] ?? "";
  if (!name.endsWith("/json")) throw new NotFoundError("page not found");
  return ["image", name.slice(0, -"/json".length)];
});

/** GET /containers/json: the fast path `Get ["containers", options]`, else Ls + Attach + Get. */
export async function list(ctx: Ctx): Promise<void> {
  const filters = parseFilters(q(ctx, "filters"));
  validateContainerFilters(filters);
  const limit = qInt(ctx, "limit");
  const opts: ListOptions = { all: qBool(ctx, "all"), size: qBool(ctx, "size"), filters };
  if (limit !== undefined && limit > 0) opts.limit = limit;
  const state = ctx.state;
  if (state.fastList !== false) {
    try {
      const json = await get(ctx.root, ["containers", JSON.stringify(opts)]);
      state.fastList = true;
      return sendJSON(ctx.res!, 200, json);
    } catch (err) {
      if (!(err instanceof SwarmError && err.code === ErrorCodes.NotImplemented)) throw err;
      state.fastList = false;
    }
  }
  sendJSON(ctx.res!, 200, JSON.stringify(await slowList(ctx, opts)));
}

async function inspectAll(ctx: Ctx): Promise<Inspect[]> {
  const ids = (await call(ctx.root, Verbs.Ls, [], [Verbs.Set])).args;
  const out: (Inspect | undefined)[] = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      try {
        const c = await openContainer(ctx.root, ids[i]!);
        out[i] = JSON.parse(await get(c.object, [])) as Inspect;
      } catch (err) {
        // Removed between Ls and Attach: not listed, as the engine would not list it either.
        if (!(err instanceof SwarmError && err.code === ErrorCodes.NotFound)) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, ids.length) }, worker));
  return out.filter((c): c is Inspect => c !== undefined);
}

/** The engine's listing semantics on inspect documents (§6.4.2). */
export async function slowList(ctx: Ctx, opts: ListOptions): Promise<Record<string, unknown>[]> {
  const f = opts.filters ?? {};
  const all = opts.all || (opts.limit ?? 0) > 0 || (f.status?.length ?? 0) > 0;
  const docs = await inspectAll(ctx);
  const byRef = new Map<string, Inspect>();
  for (const d of docs) {
    byRef.set(d.Id, d);
    if (d.Name) byRef.set(d.Name.startsWith("/") ? d.Name : `/${d.Name}`, d);
  }
  docs.sort((a, b) => Date.parse(b.Created ?? "") - Date.parse(a.Created ?? ""));
  const now = Date.now();
  const out: Record<string, unknown>[] = [];
  for (const d of docs) {
    const st = stateOf(d);
    if (!all && st !== "running" && st !== "paused" && st !== "restarting") continue;
    if (!matchContainer(d, f, byRef)) continue;
    out.push(summaryOf(d, now));
    if (opts.limit && out.length >= opts.limit) break;
  }
  return out;
}
