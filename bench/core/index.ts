/**
 * Core benchmarks (issue: foundation): in-process one-way message throughput through a pipe, and
 * request/reply round trips per second, Client → pipe → Server. Run: npm run bench -- core
 */
import { Client } from "../../src/core/client.ts";
import { copy } from "../../src/core/copy.ts";
import { message } from "../../src/core/message.ts";
import { pipe } from "../../src/core/pipe.ts";
import { reply, Server } from "../../src/core/server.ts";
import { writeResults } from "../write-results.ts";

async function oneWay(n: number): Promise<number> {
  const [r, s] = pipe();
  const msg = message("Log", ["stdout", "hello world\n"]);
  const t0 = process.hrtime.bigint();
  const producer = (async () => {
    for (let i = 0; i < n; i++) await s.send(msg);
    s.close();
  })();
  let got = 0;
  for await (const _ of r) got++;
  await producer;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (got !== n) throw new Error(`lost messages: ${got}/${n}`);
  return n / secs;
}

async function roundTrips(n: number, concurrency: number): Promise<{ perSec: number; meanUs: number }> {
  const server = new Server().on("Get", (m) => reply(m, "Set", ['{"State":"running"}']).then(() => {}));
  const [r, s] = pipe();
  const forwarding = copy(server, r);
  const client = new Client(s);
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) await client.get();
    }),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  s.close();
  await forwarding;
  return { perSec: n / secs, meanUs: (secs / n) * 1e6 * concurrency };
}

const warm = async () => {
  await oneWay(50_000);
  await roundTrips(20_000, 1);
};

await warm();
const results = {
  oneWayMsgsPerSec: Math.round(await oneWay(1_000_000)),
  roundTripsPerSecSerial: Math.round((await roundTrips(200_000, 1)).perSec),
  roundTripsPerSecConcurrent64: Math.round((await roundTrips(500_000, 64)).perSec),
};
writeResults("core", results);
