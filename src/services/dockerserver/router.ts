import FindMyWay from "find-my-way";
import type { Ctx } from "./context.ts";
import * as attach from "./routes/attach.ts";
import * as containers from "./routes/containers.ts";
import * as streams from "./routes/streams.ts";
import * as system from "./routes/system.ts";

export type RouteHandler = (ctx: Ctx) => Promise<void>;

/** A route's payload in the router's store; `hijack` routes also accept `Upgrade: tcp`. */
export interface Route {
  handler: RouteHandler;
  hijack: boolean;
}

type Method = "GET" | "POST" | "DELETE";

/** Every Docker API endpoint we serve, on unversioned paths (the version prefix is split off first). */
const TABLE: readonly [Method, string, RouteHandler, boolean?][] = [
  ["GET", "/version", system.version],
  ["GET", "/info", system.info],
  ["GET", "/system/df", system.df],
  ["GET", "/events", streams.events],
  ["GET", "/images/json", system.images],
  ["GET", "/images/*", system.image],
  ["POST", "/images/create", streams.pull],
  ["GET", "/containers/json", system.list],
  ["POST", "/containers/create", containers.create],
  ["GET", "/containers/:id/json", containers.inspect],
  ["GET", "/containers/:id/top", containers.top],
  ["GET", "/containers/:id/logs", streams.logs],
  ["POST", "/containers/:id/start", containers.start],
  ["POST", "/containers/:id/stop", containers.stop],
  ["POST", "/containers/:id/restart", containers.restart],
  ["POST", "/containers/:id/kill", containers.kill],
  ["POST", "/containers/:id/pause", containers.pause],
  ["POST", "/containers/:id/unpause", containers.unpause],
  ["POST", "/containers/:id/rename", containers.rename],
  ["POST", "/containers/:id/resize", containers.resize],
  ["POST", "/containers/:id/wait", streams.wait],
  ["POST", "/containers/:id/attach", attach.attach, true],
  ["DELETE", "/containers/:id", containers.remove],
  ["POST", "/containers/:id/exec", attach.execCreate],
  ["POST", "/exec/:id/start", attach.execStart, true],
  ["POST", "/exec/:id/resize", attach.execResize],
  ["GET", "/exec/:id/json", attach.execInspect],
];

/** Built once per process: the hot path only looks routes up. */
export type Router = ReturnType<typeof buildRouter>;

export function buildRouter() {
  const router = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true });
  const noop = () => {};
  /**
   * A container name may hold slashes (`node/name` through aggregate, as classic Swarm allowed):
   * the engine routes `/containers/{name:.*}/json`. Retry a miss with everything up to the last
   * segment (the whole rest for DELETE) as one, escaped, name.
   */
  const retryWithSlashedName = (method: "GET" | "POST" | "DELETE", url: string) => {
    if (!url.startsWith("/containers/")) return null;
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const rest = path.slice("/containers/".length).replace(/\/+$/, "");
    const cut = method === "DELETE" ? rest.length : rest.lastIndexOf("/");
    if (cut <= 0 || !rest.slice(0, cut).includes("/")) return null;
    const name = encodeURIComponent(rest.slice(0, cut));
    return router.find(method, `/containers/${name}${rest.slice(cut)}${q < 0 ? "" : url.slice(q)}`);
  };
  for (const [method, path, handler, hijack] of TABLE) {
    router.on(method, path, noop, { handler, hijack: hijack ?? false } satisfies Route);
  }
  return {
    find(
      method: string,
      url: string,
    ): { route: Route; params: Ctx["params"]; query: Ctx["query"] } | undefined {
      if (method !== "GET" && method !== "POST" && method !== "DELETE") return undefined;
      const found = router.find(method, url) ?? retryWithSlashedName(method, url);
      if (!found) return undefined;
      return { route: found.store as Route, params: found.params, query: found.searchParams };
    },
  };
}

/** The endpoints, for docs and tests. */
export const endpoints: readonly { method: Method; path: string; hijack: boolean }[] = TABLE.map(
  ([method, path, , h]) => ({
    method,
    path,
    hijack: h ?? false,
  }),
);
