import { InvalidArgumentError } from "../../core/errors.ts";

/**
 * A JSON-object arg read for the few fields dockerclient needs (Tty, Image…); `raw` is what is
 * forwarded to the engine, so nothing is re-encoded.
 */
export function documentOf(
  arg: string | undefined,
  verb: string,
): { raw: string; value: Record<string, unknown> } {
  if (arg === undefined || arg === "") throw new InvalidArgumentError(`${verb} needs a JSON document`);
  return { raw: arg, value: parseObject(arg, verb) };
}

/** An optional JSON-object arg; missing or empty means no options. */
export function optionsOf(arg: string | undefined, verb: string): Record<string, unknown> {
  if (arg === undefined || arg === "") return {};
  return parseObject(arg, verb);
}

function parseObject(arg: string, verb: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(arg);
  } catch {
    throw new InvalidArgumentError(`${verb}: the argument is not valid JSON`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new InvalidArgumentError(`${verb}: the argument must be a JSON object`);
  }
  return v as Record<string, unknown>;
}

/**
 * A container, image or exec reference as a URL path piece. `/name` (the engine's own spelling)
 * loses its slash; `/` and `:` inside image names stay readable, as the docker CLI sends them.
 */
export function ref(name: string): string {
  const bare = name.startsWith("/") ? name.slice(1) : name;
  if (bare === "" || bare === "." || bare === "..")
    throw new InvalidArgumentError(`invalid reference ${JSON.stringify(name)}`);
  return encodeURIComponent(bare).replace(/%2F/gi, "/").replace(/%3A/gi, ":");
}

/** Filters as the engine's `filters` query parameter (both Docker forms are accepted by engines). */
export function filtersOf(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v || undefined;
  if (typeof v !== "object") throw new InvalidArgumentError("filters must be a JSON object");
  return Object.keys(v).length ? JSON.stringify(v) : undefined;
}

/** `image[:tag]` or `image@digest` → the fromImage/tag pair of POST /images/create. */
export function splitImage(image: string): { fromImage: string; tag: string } {
  if (image.includes("@")) return { fromImage: image, tag: "" };
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  if (colon > slash) return { fromImage: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { fromImage: image, tag: "latest" };
}
