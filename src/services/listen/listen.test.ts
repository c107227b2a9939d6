import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { freePort } from "../../../test/harness/net.ts";
import { certDir, tempDir, tlsFlags } from "../../../test/transport/fixtures.ts";
import { ErrorCodes, SwarmError } from "../../core/errors.ts";
import { silentLogger } from "../../core/logger.ts";
import { pipe } from "../../core/pipe.ts";
import { reply } from "../../core/server.ts";
import { Verbs } from "../../core/verbs.ts";
import { connect } from "../../transport/remote-client.ts";
import type { ServiceContext } from "../service.ts";
import { listen } from "./index.ts";

const ctx = { log: silentLogger } as unknown as ServiceContext;

async function run(args: string[]) {
  const fn = await listen.create(args, ctx);
  const [input] = pipe();
  const [requests, output] = pipe();
  const abort = new AbortController();
  const done = Promise.resolve(fn({ input, output, signal: abort.signal }));
  return { requests, done, stop: () => abort.abort() };
}

async function isUnavailable(p: Promise<unknown>) {
  await assert.rejects(p, (e: unknown) => e instanceof SwarmError && e.code === ErrorCodes.Unavailable);
}

describe("listen", () => {
  it("feeds messages from a remote client into the chain and sends replies back", async () => {
    const url = `unix://${join(tempDir(), "listen-a.sock")}`;
    const svc = await run([url]);
    await new Promise((r) => setTimeout(r, 50));
    const client = await connect(url);
    const answering = (async () => {
      const m = await svc.requests.receive();
      assert.equal(m?.verb, Verbs.Ls);
      await reply(m!, Verbs.Set, ["x", "y"]);
      m!.ret!.close();
    })();
    assert.deepEqual(await client.ls(), ["x", "y"]);
    await answering;
    client.close();
    svc.stop();
    await svc.done;
    await isUnavailable(connect(url));
  });

  it("with --tlsverify accepts a client with a CA-signed certificate and refuses one from another CA", async () => {
    certDir();
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const s = tlsFlags("server");
    const svc = await run([
      "--tlsverify",
      `--tlscacert=${s.cacert}`,
      `--tlscert=${s.cert}`,
      `--tlskey=${s.key}`,
      url,
    ]);
    await new Promise((r) => setTimeout(r, 50));
    const good = await connect(url, { tls: tlsFlags("client") });
    const answering = (async () => {
      const m = await svc.requests.receive();
      await reply(m!, Verbs.Set, ["ok"]);
      m!.ret!.close();
    })();
    assert.deepEqual(await good.ls(), ["ok"]);
    await answering;
    good.close();
    const other = join(certDir(), "other-client-cert.pem");
    const bad = { ...tlsFlags("client"), cert: other, key: join(certDir(), "other-client-key.pem") };
    await isUnavailable(connect(url, { tls: bad }).then((c) => c.ls()));
    svc.stop();
    await svc.done;
  });

  it("refuses bad arguments when spawned", () => {
    assert.throws(
      () => listen.create([], ctx),
      (e: unknown) => e instanceof SwarmError && e.code === ErrorCodes.InvalidArgument,
    );
    assert.throws(
      () => listen.create(["http://x"], ctx),
      (e: unknown) => e instanceof SwarmError && e.code === ErrorCodes.InvalidArgument,
    );
    assert.throws(
      () => listen.create(["--tlsverify", "--tlscert=/nonexistent", "tcp://127.0.0.1:1"], ctx),
      SwarmError,
    );
  });
});
