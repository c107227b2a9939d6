#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { SwarmError } from "../core/errors.ts";
import { services } from "../services/catalogue.ts";
import { buildCatalogue } from "../services/registry.ts";
import { type CliOptions, parseCli } from "./args.ts";
import { createLogger } from "./logger.ts";
import { buildPipeline } from "./pipeline.ts";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const usage = `Usage:
  swarmd                                   list the services in the catalogue
  swarmd 'svc args' ['svc args' …]         run a pipeline: messages flow from the first service to the last
  swarmd [--backend 'svc args'] URL…       Docker API on each URL (tcp://…, unix://…), backed by one service

Options:
  --log-level LEVEL    trace, debug, info (default), warn, error, silent
  --log-format FORMAT  pretty (default) or json
  -h, --help           this help
  -v, --version        print the version

Example:
  swarmd 'dockerserver unix:///tmp/swarm.sock' debug 'simulator web db'
  docker -H unix:///tmp/swarm.sock ps`;

function catalogueListing(): string {
  const width = Math.max(...services.map((s) => s.name.length));
  const lines = services.map(
    (s) => `  ${s.name.padEnd(width)}  ${s.summary}\n  ${" ".repeat(width)}  usage: ${s.usage}`,
  );
  return `swarmd ${pkg.version}: compose network services like unix pipes.\n\nServices:\n${lines.join("\n")}\n\n${usage}`;
}

function fail(message: string): never {
  process.stderr.write(`swarmd: ${message}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  let opts: CliOptions;
  try {
    opts = parseCli(argv);
  } catch (err) {
    fail((err as Error).message);
  }
  if (opts.help) return void process.stdout.write(`${usage}\n`);
  if (opts.version) return void process.stdout.write(`swarmd ${pkg.version}\n`);
  if (opts.pipeline.length === 0) return void process.stdout.write(`${catalogueListing()}\n`);

  const log = createLogger(opts.logLevel, opts.logFormat);
  const catalogue = buildCatalogue(services, log);
  let pipeline: Awaited<ReturnType<typeof buildPipeline>>;
  try {
    pipeline = await buildPipeline(catalogue, opts.pipeline, log);
  } catch (err) {
    fail(err instanceof SwarmError || err instanceof Error ? err.message : String(err));
  }

  let exitCode = 0;
  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, "stopping");
    const force = setTimeout(() => {
      log.error("services did not stop within 30 s; exiting");
      process.exit(exitCode || 1);
    }, 30_000);
    force.unref();
    try {
      await pipeline.stop();
    } catch (err) {
      exitCode = 1;
      log.error(`while stopping: ${errorText(err)}`);
    }
    log.flush();
    process.exit(exitCode);
  };
  const fatal = (err: unknown) => {
    exitCode = 1;
    // One line, so that a failure such as "address already in use" reads at a glance.
    log.error(`fatal: ${errorText(err)}`);
    void shutdown("fatal error");
  };
  // `on`, not `once`: a repeated signal (Ctrl-C reaches the whole process group, and `npm start`
  // forwards it again) must not fall back to the default action and kill swarmd half-way through
  // stopping, leaving a unix socket or a child behind. The 30 s timer above is the backstop.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return void log.info({ signal }, "already stopping");
    void shutdown(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // A bug in a service must not crash swarmd without stopping the chain (sockets, children).
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
  log.info({ pipeline: opts.pipeline }, "swarmd started");
  try {
    await pipeline.done;
  } catch (err) {
    return fatal(err);
  }
  await shutdown("pipeline finished");
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

await main(process.argv.slice(2));
