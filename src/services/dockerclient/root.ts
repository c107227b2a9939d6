import { InvalidArgumentError, NotFoundError, SwarmError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import type { Message } from "../../core/message.ts";
import { ack, reply, Server } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { DockerVerbs, RootGets } from "../../docker/verbs.ts";
import { containerObject, setDocument } from "./container.ts";
import type { Engine } from "./engine.ts";
import { documentOf, filtersOf, optionsOf, ref, splitImage } from "./json.ts";
import { lines } from "./lines.ts";

/**
 * The backend root (PROTOCOL.md §6.1) for one engine. Documents are passed through as the engine
 * sent them; only the fields dockerclient needs (Id, Tty, Image) are read.
 */
export function rootObject(engine: Engine, log: Logger): Server {
  const server = new Server();

  server.on(Verbs.Get, async (msg) => {
    const what = msg.args[0] ?? RootGets.info;
    switch (what) {
      case RootGets.info:
        return setDocument(msg, await engine.call("GET", "/info"));
      case RootGets.version:
        return setDocument(msg, await engine.call("GET", "/version"));
      case RootGets.df:
        return setDocument(msg, await engine.call("GET", "/system/df"));
      case RootGets.containers: {
        const o = optionsOf(msg.args[1], "Get containers");
        const query = {
          all: o.all === true,
          limit: positive(o.limit),
          size: o.size === true,
          filters: filtersOf(o.filters),
        };
        return setDocument(msg, await engine.call("GET", "/containers/json", { query }));
      }
      case RootGets.images: {
        const o = optionsOf(msg.args[1], "Get images");
        const query = { all: o.all === true, digests: o.digests === true, filters: filtersOf(o.filters) };
        return setDocument(msg, await engine.call("GET", "/images/json", { query }));
      }
      case RootGets.image: {
        const name = msg.args[1];
        if (!name) throw new InvalidArgumentError("Get image needs an image name");
        return setDocument(msg, await engine.call("GET", `/images/${ref(name)}/json`));
      }
      default:
        throw new InvalidArgumentError(`unknown Get: ${what}`);
    }
  });

  server.on(Verbs.Ls, async (msg) => {
    const list = JSON.parse(
      (await engine.call("GET", "/containers/json", { query: { all: true } })).toString("utf8"),
    ) as {
      Id: string;
    }[];
    await reply(
      msg,
      Verbs.Set,
      list.map((c) => c.Id),
    );
  });

  server.on(Verbs.Attach, async (msg) => {
    const name = msg.args[0] ?? "";
    if (name === "") return void (await ack(msg, [], server));
    const doc = JSON.parse((await engine.call("GET", `/containers/${ref(name)}/json`)).toString("utf8")) as {
      Id: string;
      Config?: { Tty?: boolean };
    };
    await ack(msg, [doc.Id], containerObject(engine, doc.Id, doc.Config?.Tty === true, name));
  });

  server.on(Verbs.Spawn, async (msg) => {
    const config = documentOf(msg.args[0], "Spawn");
    const name = msg.args[1] || undefined;
    const body = await createPullingIfMissing(engine, config, name, log);
    const created = JSON.parse(body.toString("utf8")) as { Id: string; Warnings?: string[] | null };
    await ack(
      msg,
      [created.Id, ...(created.Warnings ?? [])],
      containerObject(engine, created.Id, config.value.Tty === true),
    );
  });

  server.on(DockerVerbs.Pull, async (msg) => {
    const [fromImage, tag] = msg.args;
    if (!fromImage) throw new InvalidArgumentError("Pull needs an image name");
    const res = await engine.stream("POST", "/images/create", { query: { fromImage, tag } });
    if (!(await ack(msg))) return void res.destroy();
    try {
      for await (const line of lines(res)) {
        if (!(await reply(msg, Verbs.Log, ["progress", line]))) break;
      }
    } catch (err) {
      throw engine.wentAway(err);
    } finally {
      res.destroy();
    }
  });

  server.on(Verbs.Watch, async (msg) => {
    const o = optionsOf(msg.args[0], "Watch");
    const query = { since: timeOf(o.since), until: timeOf(o.until), filters: filtersOf(o.filters) };
    const res = await engine.stream("GET", "/events", { query });
    if (!(await ack(msg))) return void res.destroy();
    await streamLines(engine, msg, res);
  });

  return server;
}

/** `Set [line]` per JSON line of an engine stream (events: `timeNano` stays exact). */
async function streamLines(
  engine: Engine,
  msg: Message,
  res: import("node:http").IncomingMessage,
): Promise<void> {
  try {
    for await (const line of lines(res)) {
      if (!(await reply(msg, Verbs.Set, [line]))) break;
    }
  } catch (err) {
    if (err instanceof SwarmError) throw err;
    throw engine.wentAway(err);
  } finally {
    res.destroy();
  }
}

/**
 * POST /containers/create; when the engine lacks the image, pull it and create again, as the
 * original dockerclient did. A failed pull answers NOT_FOUND with the engine's pull message
 * unchanged, so the docker CLI reacts as to a missing image (it tries its own pull and prints
 * the engine's error).
 */
async function createPullingIfMissing(
  engine: Engine,
  config: { raw: string; value: Record<string, unknown> },
  name: string | undefined,
  log: Logger,
): Promise<Buffer> {
  const create = () => engine.call("POST", "/containers/create", { query: { name }, body: config.raw });
  try {
    return await create();
  } catch (err) {
    const image = config.value.Image;
    if (!(err instanceof NotFoundError) || !/^No such image/i.test(err.message) || typeof image !== "string")
      throw err;
    log.info({ image }, "image missing on the engine: pulling");
    await pull(engine, image);
    return create();
  }
}

async function pull(engine: Engine, image: string): Promise<void> {
  try {
    const res = await engine.stream("POST", "/images/create", { query: splitImage(image) });
    for await (const line of lines(res)) {
      const doc = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
      if (doc.error) throw new NotFoundError(doc.errorDetail?.message ?? doc.error);
    }
  } catch (err) {
    if (err instanceof NotFoundError) throw err;
    if (err instanceof SwarmError && err.code !== "SWARM_ERR_UNAVAILABLE")
      throw new NotFoundError(err.message);
    throw err;
  }
}

function positive(v: unknown): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** Event window bounds: Unix seconds (fractions kept), or the engine's own string forms. */
function timeOf(v: unknown): string | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "string" && v !== "") return v;
  return undefined;
}
