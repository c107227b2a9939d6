import { randomBytes } from "node:crypto";
import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { Message, Sender } from "../../core/message.ts";
import { ack, reply, Server } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { DockerVerbs } from "../../docker/verbs.ts";

/**
 * A small §6 backend for guard's in-process tests: just enough engine to answer every request
 * guard classifies, and a record of every request that reached it, so tests can check that a
 * denial never does.
 */

interface FakeContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  running: boolean;
  config: Record<string, unknown>;
}

export interface FakeEngine {
  root: Server;
  /** `"<where> <verb>"` for every request that arrived: `root Spawn`, `web Start`, `exec Start`, `stdin Log`. */
  seen: string[];
  /** `stdin` chunks received. */
  stdin: string[];
  containers: Map<string, FakeContainer>;
  add(name: string, labels?: Record<string, string>): string;
}

export function fakeEngine(): FakeEngine {
  const seen: string[] = [];
  const stdin: string[] = [];
  const containers = new Map<string, FakeContainer>();
  const add = (name: string, labels: Record<string, string> = {}, config: Record<string, unknown> = {}) => {
    const id = randomBytes(32).toString("hex");
    containers.set(id, { id, name, labels, running: true, config });
    return id;
  };
  const find = (ref: string): FakeContainer => {
    const r = ref.replace(/^\//, "");
    for (const c of containers.values())
      if (c.id === r || c.name === r || (r.length >= 4 && c.id.startsWith(r))) return c;
    throw new NotFoundError(`No such container: ${ref}`);
  };
  const inspect = (c: FakeContainer) =>
    JSON.stringify({
      Id: c.id,
      Name: `/${c.name}`,
      State: { Running: c.running },
      Config: { ...c.config, Labels: c.labels },
    });
  const stdinSink = (): Sender => ({
    async send(m: Message) {
      seen.push(`stdin ${m.verb}`);
      if (m.verb === Verbs.Log) stdin.push(m.args[1] ?? "");
      m.ret?.close();
    },
    close() {},
  });
  const execObject = (c: FakeContainer): Server =>
    new Server()
      .on(Verbs.Get, async (m) => {
        seen.push("exec Get");
        await reply(m, Verbs.Set, [JSON.stringify({ ExitCode: 0, Running: false, ContainerID: c.id })]);
      })
      .on(Verbs.Start, async (m) => {
        seen.push("exec Start");
        await ack(m, ["false"], stdinSink());
        await reply(m, Verbs.Log, ["stdout", "exec output\n"]);
      })
      .on(DockerVerbs.Resize, async (m) => {
        seen.push("exec Resize");
        await ack(m);
      });
  const object = (c: FakeContainer): Server => {
    const s = new Server();
    const simple = (verb: string, f?: (m: Message) => void) =>
      s.on(verb, async (m) => {
        seen.push(`${c.name} ${verb}`);
        f?.(m);
        await ack(m);
      });
    s.on(Verbs.Get, async (m) => {
      seen.push(`${c.name} Get${m.args[0] ? ` ${m.args[0]}` : ""}`);
      if (m.args[0] === "top") await reply(m, Verbs.Set, ['{"Titles":["PID"],"Processes":[["1"]]}']);
      else await reply(m, Verbs.Set, [inspect(c)]);
    });
    simple(Verbs.Start, () => (c.running = true));
    simple(Verbs.Stop, () => (c.running = false));
    simple(DockerVerbs.Kill, () => (c.running = false));
    simple(DockerVerbs.Restart);
    simple(DockerVerbs.Pause);
    simple(DockerVerbs.Unpause);
    simple(DockerVerbs.Resize);
    simple(DockerVerbs.Rename, (m) => (c.name = m.args[0] ?? c.name));
    simple(DockerVerbs.Remove, () => containers.delete(c.id));
    s.on(DockerVerbs.Wait, async (m) => {
      seen.push(`${c.name} Wait`);
      await ack(m);
      await reply(m, Verbs.Set, ['{"StatusCode":0,"Error":null}']);
    });
    s.on(DockerVerbs.Logs, async (m) => {
      seen.push(`${c.name} Logs`);
      await ack(m, ["false"]);
      await reply(m, Verbs.Log, ["stdout", `hello from ${c.name}\n`]);
    });
    s.on(Verbs.Attach, async (m) => {
      seen.push(`${c.name} Attach`);
      await ack(m, ["false"], stdinSink());
      await reply(m, Verbs.Log, ["stdout", "attached\n"]);
    });
    s.on(DockerVerbs.Exec, async (m) => {
      seen.push(`${c.name} Exec`);
      if (!c.running) throw new ConflictError(`Container ${c.id} is not running`);
      await ack(m, [randomBytes(32).toString("hex")], execObject(c));
    });
    return s;
  };
  const objects = new Map<string, Server>();
  const objectOf = (c: FakeContainer) => {
    let o = objects.get(c.id);
    if (!o) objects.set(c.id, (o = object(c)));
    return o;
  };
  const summary = (c: FakeContainer) => ({
    Id: c.id,
    Names: [`/${c.name}`],
    Labels: c.labels,
    State: "running",
  });
  const root = new Server()
    .on(Verbs.Get, async (m) => {
      const what = m.args[0] ?? "";
      seen.push(`root Get${what ? ` ${what}` : ""}`);
      const docs: Record<string, unknown> = {
        "": { Name: "fake", Containers: containers.size },
        info: { Name: "fake", Containers: containers.size },
        version: { Version: "fake", ApiVersion: "1.41" },
        df: { LayersSize: 0 },
        containers: [...containers.values()].map(summary),
        images: [{ Id: "sha256:1", RepoTags: ["busybox:latest"] }],
        image: { Id: "sha256:1", RepoTags: ["busybox:latest"] },
      };
      if (!(what in docs)) throw new NotFoundError(`no ${what}`);
      await reply(m, Verbs.Set, [JSON.stringify(docs[what])]);
    })
    .on(Verbs.Ls, async (m) => {
      seen.push("root Ls");
      await reply(m, Verbs.Set, [...containers.keys()]);
    })
    .on(Verbs.Attach, async (m) => {
      seen.push(`root Attach`);
      const c = find(m.args[0] ?? "");
      await ack(m, [c.id], objectOf(c));
    })
    .on(Verbs.Spawn, async (m) => {
      seen.push("root Spawn");
      const config = JSON.parse(m.args[0] ?? "{}") as Record<string, unknown>;
      const labels = (config.Labels ?? {}) as Record<string, string>;
      const name = m.args[1] || `auto_${randomBytes(3).toString("hex")}`;
      const id = add(name, labels, config);
      containers.get(id)!.running = false;
      await ack(m, [id], objectOf(containers.get(id)!));
    })
    .on(DockerVerbs.Pull, async (m) => {
      seen.push("root Pull");
      await ack(m);
      await reply(m, Verbs.Log, ["progress", '{"status":"done"}']);
    })
    .on(Verbs.Watch, async (m) => {
      seen.push("root Watch");
      await ack(m);
      for (const c of containers.values()) {
        const ev = {
          Type: "container",
          Action: "start",
          id: c.id,
          Actor: { ID: c.id, Attributes: { name: c.name, image: "busybox", ...c.labels } },
        };
        await reply(m, Verbs.Set, [JSON.stringify(ev)]);
      }
      await reply(m, Verbs.Set, [
        JSON.stringify({ Type: "image", Action: "pull", Actor: { ID: "busybox" } }),
      ]);
    });
  return { root, seen, stdin, containers, add: (n, l) => add(n, l) };
}
