import { call } from "../../../core/client.ts";
import { ErrorCodes, NotFoundError, SwarmError } from "../../../core/errors.ts";
import { Verbs } from "../../../core/verbs.ts";
import { checkPsFilters, listContainers, normalizeFilters } from "../../../docker/filters.ts";
import type { ContainerInspect } from "../../../docker/summary.ts";
import type { ListOptions } from "../../../docker/verbs.ts";
import { get, openContainer } from "../backend.ts";
import { type Ctx, q, qBool, qInt } from "../context.ts";
import { asInspect } from "../inspect.ts";
import { sendJSON } from "../response.ts";

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
    filters: normalizeFilters(q(ctx, "filters")),
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
  const filters = normalizeFilters(q(ctx, "filters"));
  checkPsFilters(filters);
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
  sendJSON(ctx.res!, 200, JSON.stringify(listContainers(await inspectAll(ctx), opts)));
}

/** Every container's inspect document, for the filters §6.4.2 has the frontend apply. */
async function inspectAll(ctx: Ctx): Promise<ContainerInspect[]> {
  const ids = (await call(ctx.root, Verbs.Ls, [], [Verbs.Set])).args;
  const out: (ContainerInspect | undefined)[] = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      try {
        const c = await openContainer(ctx.root, ids[i]!);
        out[i] = asInspect(JSON.parse(await get(c.object, [])));
      } catch (err) {
        // Removed between Ls and Attach: not listed, as the engine would not list it either.
        if (!(err instanceof SwarmError && err.code === ErrorCodes.NotFound)) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, ids.length) }, worker));
  return out.filter((c): c is ContainerInspect => c !== undefined);
}
