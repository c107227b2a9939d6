import { createRequire } from "node:module";

/** The part of autocannon's result the benches read (the package ships no types). */
export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  errors: number;
  non2xx: number;
  timeouts: number;
}

type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

/** autocannon is CommonJS: loaded with require. */
export const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;
