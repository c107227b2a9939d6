import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeTestCerts } from "../harness/engine.ts";
import { freePort } from "../harness/net.ts";
import { type Chain, deniedBy, startChain } from "./chain.ts";

/**
 * Per-user rules: dockerserver --tlsverify makes the client certificate's CN the user (§6.7), and
 * guard applies that user's rules. certs.sh makes CN=client; the test signs a second one, CN=bob.
 */

const POLICY = `containers: read
users:
  client:
    containers: allow
    scope:
      labels: {team: a}
  bob:
    start: allow
    stop: allow
    scope:
      labels: {team: b}
`;

/** A client cert for `cn` signed by the test CA, in a DOCKER_CERT_PATH layout. */
function clientCert(dir: string, certs: { ca: string; dir: string }, cn: string): string {
  const out = join(dir, `certs-${cn}`);
  mkdirSync(out, { recursive: true });
  copyFileSync(certs.ca, join(out, "ca.pem"));
  const ext = join(out, "ext.cnf");
  writeFileSync(
    ext,
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
  );
  const run = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  run([
    "req",
    "-new",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    `/CN=${cn}`,
    "-keyout",
    join(out, "key.pem"),
    "-out",
    join(out, "req.csr"),
  ]);
  run([
    "x509",
    "-req",
    "-sha256",
    "-days",
    "2",
    "-in",
    join(out, "req.csr"),
    "-CA",
    certs.ca,
    "-CAkey",
    join(certs.dir, "ca-key.pem"),
    "-set_serial",
    `0x${Date.now().toString(16)}`,
    "-extfile",
    ext,
    "-out",
    join(out, "cert.pem"),
  ]);
  return out;
}

describe("guard per-user rules over TLS client certificates (docker CLI → dockerserver --tlsverify → guard → simulator)", () => {
  let chain: Chain;
  let asClient: (args: string[]) => ReturnType<Chain["docker"]>;
  let asBob: (args: string[]) => ReturnType<Chain["docker"]>;
  before(async () => {
    const port = await freePort();
    let certsDir = "";
    chain = await startChain({
      guard: "guard",
      policy: POLICY,
      server: (dir) => {
        certsDir = join(dir, "tls");
        return {
          args: `--tlsverify --tlscacert ${join(certsDir, "ca.pem")} --tlscert ${join(certsDir, "server-cert.pem")} --tlskey ${join(certsDir, "server-key.pem")}`,
          url: `tcp://127.0.0.1:${port}`,
        };
      },
      before: async (dir) => {
        await makeTestCerts(join(dir, "tls"));
      },
    });
    const certs = { ca: join(certsDir, "ca.pem"), dir: certsDir };
    const clientPath = clientCert(chain.dir, certs, "client");
    const bobPath = clientCert(chain.dir, certs, "bob");
    asClient = (args) => chain.docker(args, { DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: clientPath });
    asBob = (args) => chain.docker(args, { DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: bobPath });
  });
  after(async () => {
    await chain?.stop();
  });

  const run = (who: (a: string[]) => ReturnType<Chain["docker"]>, name: string, team: string) =>
    who([
      "run",
      "-d",
      "--name",
      name,
      "--label",
      `team=${team}`,
      "--network",
      "none",
      "busybox",
      "sleep",
      "60",
    ]);

  it("client (team a) may run its own containers; bob may not create at all", async () => {
    const r = await run(asClient, "a1", "a");
    assert.equal(r.code, 0, r.stderr);
    const b = await run(asBob, "b1", "b");
    assert.ok(deniedBy(b, "containers (policy.yaml:1)"), b.stderr);
    assert.match(b.stderr, /for user "bob"/);
  });

  it("client cannot create outside its scope", async () => {
    const r = await run(asClient, "sneaky", "b");
    assert.ok(deniedBy(r, "users.client.scope.labels (policy.yaml:6)"), r.stderr);
  });

  it("each user's ps shows only their team", async () => {
    const ps = async (who: typeof asClient) =>
      (await who(["ps", "-a", "--format", "{{.Names}}"])).stdout.trim();
    assert.equal(await ps(asClient), "a1");
    assert.equal(await ps(asBob), "");
  });

  it("bob may stop within his scope only, and the decision log names the user", async () => {
    const r = await asBob(["stop", "a1"]);
    assert.ok(deniedBy(r, "users.bob.scope.labels (policy.yaml:11)"), r.stderr);
    const kill = await asClient(["kill", "a1"]);
    assert.equal(kill.code, 0, kill.stderr);
    const users = new Set((await chain.settledDecisions()).map((d) => d.user));
    assert.ok(users.has("client") && users.has("bob"), [...users].join(","));
    assert.ok(!users.has(""), "every request over --tlsverify carried a user");
  });
});
