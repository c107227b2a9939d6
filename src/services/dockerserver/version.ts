/**
 * API version negotiation, as the engine does it: the advertised version is sent on every
 * response; a versioned path (/v1.xx/…) outside [MIN, MAX] is refused with the engine's wording.
 */

/** The API version we advertise and whose response shapes we keep (docs/PROTOCOL.md §6). */
export const API_VERSION = "1.41";
/** The oldest version the engine we mimic accepts. */
export const MIN_API_VERSION = "1.12";

/** Compare two "major.minor" versions numerically. */
export function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split(".").map(Number);
  const [bm = 0, bn = 0] = b.split(".").map(Number);
  return am !== bm ? am - bm : an - bn;
}

const versioned = /^\/v(\d+\.\d+)(\/.*)$/;

/** Split `/v1.41/containers/json?x` into the version and the rest; unversioned paths give "". */
export function splitVersion(url: string): { version: string; path: string } {
  if (url.charCodeAt(1) !== 118 /* v */) return { version: "", path: url };
  const m = versioned.exec(url);
  return m ? { version: m[1]!, path: m[2]! } : { version: "", path: url };
}

/** Why a version is refused, or undefined if it is served. `json` tells the engine's content type. */
export function checkVersion(version: string): { message: string; json: boolean } | undefined {
  if (version === "" || version === API_VERSION) return undefined;
  if (compareVersions(version, API_VERSION) > 0) {
    return {
      message: `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`,
      json: true,
    };
  }
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    return {
      message: `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
      json: false,
    };
  }
  return undefined;
}
