/**
 * The service catalogue: one line per service. swarmd builds a Tree from this list and looks
 * services up by name in it (docs/PROTOCOL.md §5.1).
 */
import { aggregate } from "./aggregate/index.ts";
import { debug } from "./debug/index.ts";
import { dial } from "./dial/index.ts";
import { dockerclient } from "./dockerclient/index.ts";
import { dockerserver } from "./dockerserver/index.ts";
import { exec } from "./exec/index.ts";
import { fakeclient } from "./fakeclient/index.ts";
import { forward } from "./forward/index.ts";
import { guard } from "./guard/index.ts";
import { join } from "./join/index.ts";
import { listen } from "./listen/index.ts";
import { replicate } from "./replicate/index.ts";
import type { ServiceDefinition } from "./service.ts";
import { simulator } from "./simulator/index.ts";
import { ssh } from "./ssh/index.ts";

export const services: readonly ServiceDefinition[] = [
  aggregate,
  debug,
  dial,
  dockerclient,
  dockerserver,
  exec,
  fakeclient,
  forward,
  guard,
  listen,
  join,
  replicate,
  simulator,
  ssh,
];
