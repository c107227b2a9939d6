/**
 * The verbs of the libswarm protocol (docs/PROTOCOL.md §2).
 *
 * The 13 core verbs come from the original libswarm. Services MAY use extension verbs
 * (see `DockerVerbs` in src/docker/verbs.ts); a receiver that does not know a verb answers
 * `Error "not implemented"`, so the verb type stays an open string.
 */
export const Verbs = {
  Ack: "Ack",
  Attach: "Attach",
  Connect: "Connect",
  Error: "Error",
  File: "File",
  Get: "Get",
  Log: "Log",
  Ls: "Ls",
  Set: "Set",
  Spawn: "Spawn",
  Start: "Start",
  Stop: "Stop",
  Watch: "Watch",
} as const;

/** One of the 13 core verbs. */
export type CoreVerb = (typeof Verbs)[keyof typeof Verbs];

/** Any verb: a core verb or an extension verb. The `(string & {})` keeps autocompletion of core verbs. */
export type Verb = CoreVerb | (string & {});

export const coreVerbs: readonly CoreVerb[] = Object.values(Verbs);

/** A verb name is a non-empty ASCII word, so it is safe on every transport and in logs. */
export function isValidVerb(v: unknown): v is Verb {
  return typeof v === "string" && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(v);
}
