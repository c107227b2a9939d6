import { NotFoundError } from "../../core/errors.ts";
import { digestOf } from "../../docker/ids.ts";
import { parseImageRef } from "../../docker/names.ts";
import { rfc3339Nano } from "../../docker/time.ts";

/**
 * The images the simulator knows. IDs are derived from the reference (stable across runs), sizes
 * and creation times are plausible constants. There is no registry: pulls fail (see engine.ts).
 */
export interface SimImage {
  id: string;
  repoTags: string[];
  /** Unix seconds. */
  created: number;
  size: number;
  cmd: string[];
  entrypoint: string[] | null;
  env: string[];
  labels: Record<string, string> | null;
}

const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The images every simulator starts with. */
const builtins: Record<string, Partial<SimImage>> = {
  "busybox:latest": { created: 1727819146, size: 4_261_550, cmd: ["sh"] },
  "alpine:latest": { created: 1739282154, size: 7_834_561, cmd: ["/bin/sh"] },
};

export class ImageStore {
  private readonly byRef = new Map<string, SimImage>();
  private readonly byId = new Map<string, SimImage>();

  constructor(extra: readonly string[] = []) {
    for (const [ref, spec] of Object.entries(builtins)) this.add(ref, spec);
    for (const ref of extra) this.add(ref);
  }

  /** Add (or re-tag) an image by reference; returns it. */
  add(ref: string, spec: Partial<SimImage> = {}): SimImage {
    const familiar = parseImageRef(ref).familiar;
    const existing = this.byRef.get(familiar);
    if (existing) return existing;
    const id = digestOf(`libswarm-simulator:${familiar}`);
    const hash = Number.parseInt(id.slice(7, 15), 16);
    const image: SimImage = {
      id,
      repoTags: [familiar],
      created: spec.created ?? 1_700_000_000 + (hash % 50_000_000),
      size: spec.size ?? 2_000_000 + (hash % 200_000_000),
      // An added image's command is named after it (`nginx`): not a known command, so it runs until
      // stopped, like the server most such images hold.
      cmd: spec.cmd ?? [
        familiar
          .split("@")[0]!
          .replace(/:[^:/]*$/, "")
          .split("/")
          .pop()!,
      ],
      entrypoint: spec.entrypoint ?? null,
      env: spec.env ?? [PATH_ENV],
      labels: spec.labels ?? null,
    };
    this.byRef.set(familiar, image);
    this.byId.set(id, image);
    return image;
  }

  /** Look up by reference (`busybox`, `busybox:latest`, `docker.io/library/busybox`), full ID or ID prefix. */
  find(ref: string): SimImage | undefined {
    const bare = ref.replace(/^sha256:/, "");
    if (/^[0-9a-f]{64}$/.test(bare)) return this.byId.get(`sha256:${bare}`);
    try {
      const hit = this.byRef.get(parseImageRef(ref).familiar);
      if (hit) return hit;
    } catch {
      // Not a reference: maybe an ID prefix.
    }
    if (/^[0-9a-f]{1,63}$/.test(bare)) {
      const hits = [...this.byId.values()].filter((i) => i.id.startsWith(`sha256:${bare}`));
      if (hits.length === 1) return hits[0];
    }
    return undefined;
  }

  /** Like `find`, with the engine's 404 wording. */
  get(ref: string): SimImage {
    const image = this.find(ref);
    if (image) return image;
    let familiar = ref;
    try {
      familiar = parseImageRef(ref).familiar;
    } catch {
      // Keep the text as given.
    }
    throw new NotFoundError(`No such image: ${familiar}`);
  }

  list(): SimImage[] {
    return [...this.byId.values()];
  }

  get count(): number {
    return this.byId.size;
  }

  /** GET /images/json entry. */
  summary(image: SimImage): Record<string, unknown> {
    return {
      Containers: -1,
      Created: image.created,
      Id: image.id,
      Labels: image.labels,
      ParentId: "",
      RepoDigests: null,
      RepoTags: image.repoTags,
      SharedSize: -1,
      Size: image.size,
      VirtualSize: image.size,
    };
  }

  /** GET /images/{name}/json. */
  inspect(image: SimImage): Record<string, unknown> {
    const config = {
      Hostname: "",
      Domainname: "",
      User: "",
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: image.env,
      Cmd: image.cmd,
      Image: "",
      Volumes: null,
      WorkingDir: "",
      Entrypoint: image.entrypoint,
      OnBuild: null,
      Labels: image.labels,
    };
    return {
      Id: image.id,
      RepoTags: image.repoTags,
      RepoDigests: [],
      Parent: "",
      Comment: "",
      Created: rfc3339Nano(BigInt(image.created) * 1_000_000_000n),
      Container: "",
      ContainerConfig: config,
      DockerVersion: "",
      Author: "",
      Config: config,
      Architecture: "amd64",
      Os: "linux",
      Size: image.size,
      VirtualSize: image.size,
      GraphDriver: { Data: null, Name: "vfs" },
      RootFS: { Type: "layers", Layers: [digestOf(`layer:${image.id}`)] },
      Metadata: { LastTagTime: "0001-01-01T00:00:00Z" },
    };
  }
}
