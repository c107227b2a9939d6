import { engineBackend } from "../dockerclient/index.ts";
import { usage } from "../dockerclient/options.ts";
import type { ServiceDefinition } from "../service.ts";

/**
 * `forward <host>`, from the oldest README: the same job as dockerclient, under its old name.
 * It speaks the protocol (not raw bytes), so services in the middle still see every request;
 * see README.md for the measurements behind that choice.
 */
export const forward: ServiceDefinition = {
  name: "forward",
  summary: "backend: alias of dockerclient (forward every Docker request to an engine)",
  usage: usage.replace(/^dockerclient/, "forward"),
  create: (args, ctx) => engineBackend(args, ctx),
};
