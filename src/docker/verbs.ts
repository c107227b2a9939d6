/**
 * The Docker mapping: how the Docker API is carried on the libswarm protocol
 * (docs/PROTOCOL.md §6). Core verbs keep their original meaning; where the 13 verbs are not
 * enough, these extension verbs name the operation, so a service in the middle (debug, guard,
 * aggregate) can see and act on every request.
 */
export const DockerVerbs = {
  /** container: `Kill [signal]` → Ack. */
  Kill: "Kill",
  /** container: `Restart [timeoutSeconds, signal]` → Ack. */
  Restart: "Restart",
  /** container: `Pause` → Ack. */
  Pause: "Pause",
  /** container: `Unpause` → Ack. */
  Unpause: "Unpause",
  /** container: `Rename [newName]` → Ack. */
  Rename: "Rename",
  /** container: `Remove [RemoveOptions JSON]` → Ack. */
  Remove: "Remove",
  /** container: `Wait [condition]` → Ack once registered, then `Set [WaitResult JSON]`. */
  Wait: "Wait",
  /** container: `Logs [LogsOptions JSON]` → Ack [tty], then `Log [stream, chunk]` …, EOF. */
  Logs: "Logs",
  /** container or exec: `Resize [height, width]` → Ack. */
  Resize: "Resize",
  /** container: `Exec [ExecConfig JSON]` → Ack [execId] with ret = the exec object. */
  Exec: "Exec",
  /** root: `As [user]` → Ack with ret = a root scoped to that user (§6.7), or NOT_IMPLEMENTED. */
  As: "As",
  /** root: `Pull [fromImage, tag]` → Ack, then `Log ["progress", JSON line]` …, EOF; or Error. */
  Pull: "Pull",
} as const;

export type DockerVerb = (typeof DockerVerbs)[keyof typeof DockerVerbs];

/** What `Get [what…]` on the root object can ask for (no args = "info"). */
export const RootGets = {
  info: "info",
  version: "version",
  /** `Get ["containers", ListOptions JSON]` → Set [JSON array of /containers/json summaries]. OPTIONAL. */
  containers: "containers",
  /** `Get ["images", ImageListOptions JSON]` → Set [JSON array of /images/json summaries]. */
  images: "images",
  /** `Get ["image", nameOrId]` → Set [image inspect JSON]. */
  image: "image",
  /** `Get ["df"]` → Set [/system/df JSON]. */
  df: "df",
} as const;

/** What `Get [what…]` on a container object can ask for (no args = inspect). */
export const ContainerGets = {
  inspect: "inspect",
  /** `Get ["top", psArgs]` → Set [{"Titles": [...], "Processes": [[...]]}]. */
  top: "top",
} as const;

/** The stream tags of `Log [tag, chunk]` messages carrying container I/O. */
export const Streams = { stdin: "stdin", stdout: "stdout", stderr: "stderr" } as const;
export type StreamTag = (typeof Streams)[keyof typeof Streams];

/** `Logs [json]`. Mirrors GET /containers/{id}/logs; times are Unix seconds (fractions allowed). */
export interface LogsOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  since?: number;
  until?: number;
  timestamps?: boolean;
  /** "all" or a line count. */
  tail?: string;
}

/** `Attach ["", json]` on a container. Mirrors POST /containers/{id}/attach. */
export interface AttachOptions {
  stream?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** Replay the logs first. */
  logs?: boolean;
  detachKeys?: string;
}

/** `Remove [json]`. Mirrors DELETE /containers/{id}. */
export interface RemoveOptions {
  force?: boolean;
  v?: boolean;
  link?: boolean;
}

/** `Watch [json]` on the root. Mirrors GET /events; times are Unix seconds. */
export interface WatchOptions {
  since?: number;
  until?: number;
  /** Docker's filters: `{"type": ["container"], "event": ["start"], …}` (values as a list). */
  filters?: Record<string, string[]>;
}

/** `Get ["containers", json]`. Mirrors GET /containers/json. */
export interface ListOptions {
  all?: boolean;
  limit?: number;
  size?: boolean;
  filters?: Record<string, string[]>;
}

/** The `Set` that ends a `Wait`. */
export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

/** `Start [json]` on an exec object. Mirrors POST /exec/{id}/start. */
export interface ExecStartOptions {
  Detach?: boolean;
  Tty?: boolean;
}
