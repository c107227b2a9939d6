import { randomInt } from "node:crypto";
import { InvalidArgumentError } from "../core/errors.ts";

/**
 * Container names and image references as the engine treats them: generated `adjective_surname`
 * names, the name pattern, and the familiar form of an image reference (`busybox:latest`).
 */

const adjectives: readonly string[] = [
  "admiring agitated amazing angry awesome blissful bold boring brave busy charming clever",
  "compassionate confident cool cranky crazy dazzling determined distracted dreamy eager ecstatic",
  "elastic elated elegant epic festive focused friendly frosty funny gallant gifted goofy gracious",
  "happy hopeful hungry infallible inspiring jolly jovial keen kind laughing loving lucid magical",
  "modest musing mystifying naughty nervous nice nifty nostalgic objective optimistic peaceful pensive",
  "practical priceless quirky quizzical relaxed reverent romantic sad serene sharp silly sleepy stoic",
  "strange stupefied suspicious sweet tender thirsty trusting upbeat vibrant vigilant wizardly",
  "wonderful xenodochial youthful zealous zen",
]
  .join(" ")
  .split(" ");

const surnames: readonly string[] = [
  "agnesi albattani allen archimedes babbage banach bardeen bartik bell bhabha blackwell bohr booth",
  "borg bose boyd brahmagupta brown carson cerf chandrasekhar clarke cohen curie darwin dijkstra",
  "dubinsky easley einstein elion euclid euler faraday fermat fermi feynman franklin gagarin galileo",
  "gauss goldberg goodall hamilton hawking heisenberg hertz hodgkin hopper hypatia jackson jennings",
  "johnson kalam kepler khorana knuth kowalevski lalande lamarr leakey lovelace lumiere mayer mccarthy",
  "mcclintock meitner mendel merkle minsky morse napier newton nobel noether pascal pasteur payne",
  "perlman pike poincare ramanujan ritchie rosalind sammet shannon sinoussi stonebraker tesla thompson",
  "torvalds turing volhard wescoff wiles williams wozniak wright yalow",
]
  .join(" ")
  .split(" ");

/** A random `adjective_surname`, retried (then suffixed with a digit, as the engine does) until `taken` says no. */
export function randomName(taken: (name: string) => boolean = () => false): string {
  for (let attempt = 0; attempt < 10; attempt++) {
    const name = `${adjectives[randomInt(adjectives.length)]}_${surnames[randomInt(surnames.length)]}`;
    if (!taken(name)) return name;
  }
  while (true) {
    const name = `${adjectives[randomInt(adjectives.length)]}_${surnames[randomInt(surnames.length)]}${randomInt(10)}`;
    if (!taken(name)) return name;
  }
}

/** The engine's container name pattern (a leading `/` is allowed and stripped). */
const namePattern = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function isValidName(name: string): boolean {
  return namePattern.test(name);
}

/** Check a requested container name and return it without its leading `/`. Throws the engine's 400. */
export function checkName(name: string): string {
  if (!isValidName(name)) {
    throw new InvalidArgumentError(
      `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
  return name.replace(/^\//, "");
}

/** A parsed image reference. `familiar` is how the engine names it in messages: `busybox:latest`. */
export interface ImageRef {
  /** Repository in familiar form (`busybox`, `nonexisting/image`, `127.0.0.1:5999/x`). */
  repo: string;
  tag: string | undefined;
  digest: string | undefined;
  /** `repo:tag`, or `repo@digest`. */
  familiar: string;
}

/**
 * Parse an image reference the way the engine normalises it: `docker.io/` and `library/` are
 * dropped, and a missing tag means `latest`. Throws InvalidArgumentError on bad syntax.
 */
export function parseImageRef(ref: string): ImageRef {
  const text = ref.trim();
  if (text === "" || /\s/.test(text)) throw new InvalidArgumentError("invalid reference format");
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (rest.startsWith("docker.io/")) rest = rest.slice("docker.io/".length);
  else if (rest.startsWith("index.docker.io/")) rest = rest.slice("index.docker.io/".length);
  if (rest.startsWith("library/") && rest.split("/").length === 2) rest = rest.slice("library/".length);
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(rest)) {
    throw new InvalidArgumentError("invalid reference format");
  }
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag))
    throw new InvalidArgumentError("invalid reference format");
  if (tag === undefined && digest === undefined) tag = "latest";
  const familiar = digest !== undefined && tag === undefined ? `${rest}@${digest}` : `${rest}:${tag}`;
  return { repo: rest, tag, digest, familiar };
}

/** The registry host a repository is pulled from (`registry-1.docker.io` for Docker Hub). */
export function registryOf(repo: string): string {
  const first = repo.split("/")[0]!;
  if (repo.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost"))
    return first;
  return "registry-1.docker.io";
}
