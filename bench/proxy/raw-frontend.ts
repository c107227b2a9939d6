/**
 * A child process for bench/proxy: a Docker API listener that copies every connection through
 * forward's raw pass-through (copyThrough + `Connect ["docker-api"]`), the way dockerserver would
 * once it sends Connect. Usage: raw-frontend.ts LISTEN_SOCKET ENGINE_HOST
 */
import { createServer } from "node:net";
import { silentLogger } from "../../src/core/logger.ts";
import { copyThrough } from "../../src/docker/passthrough.ts";
import { forward } from "../../src/services/forward/index.ts";
import { buildCatalogue, spawnService } from "../../src/services/registry.ts";

const [listen, engineHost] = process.argv.slice(2);
if (!listen || !engineHost) {
  console.error("usage: raw-frontend.ts LISTEN_SOCKET ENGINE_HOST");
  process.exit(2);
}
const backend = await spawnService(
  buildCatalogue([forward], silentLogger),
  `forward ${engineHost}`,
  silentLogger,
);
const server = createServer({ allowHalfOpen: true }, (client) => {
  copyThrough(client, backend.input.target).then(
    (copied) => copied || client.destroy(),
    () => client.destroy(),
  );
});
server.listen(listen);
process.once("SIGTERM", () => {
  server.close();
  void backend.stop().then(() => process.exit(0));
});
