/**
 * The embedded PostgreSQL (db/embedded-postgres.ts, ADR 018) as a process of its own, for `npm run dev`, the
 * CLIs, the tests and the benches (scripts/lib/services.ts starts it):
 *
 *   node --import tsx db/postgres-server.ts --dir .data/postgres --port 54329 [--fast] [--ephemeral] [--no-migrate]
 *
 * Initialises the cluster on first use, starts it on 127.0.0.1:<port>, migrates its `postgres` database (unless
 * --no-migrate), then prints one JSON line on stdout: `{"event":"ready","dataDir":...,"url":...}`. --fast turns
 * durability off (tests); --ephemeral deletes the data directory on stop.
 *
 * SIGINT, SIGTERM and SIGHUP stop Postgres (fast shutdown: sessions are ended, the data is kept) and exit. So
 * does the death of the parent process, so that a killed `npm run dev` or CLI leaves no database running.
 *
 * Exit codes: 2 bad usage; 3 (PORT_IN_USE_EXIT) the port was taken before Postgres bound it, start again on
 * another; 1 any other failure, said on stderr with Postgres' last lines.
 *
 * It is a process of its own because embedded-postgres registers async-exit-hook on those signals, which exits
 * the process that imports it: here that is what should happen anyway.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { migrateDb, openDb } from "./client.js";
import { type Cluster, PORT_IN_USE_EXIT, PortInUseError, startCluster } from "./embedded-postgres.js";

function usage(message: string): never {
  console.error(
    `postgres-server: ${message}\n` +
      "usage: postgres-server.ts --dir <data dir> --port <port> [--fast] [--ephemeral] [--no-migrate]",
  );
  process.exit(2);
}

function args() {
  try {
    return parseArgs({
      options: {
        dir: { type: "string" },
        port: { type: "string" },
        fast: { type: "boolean", default: false },
        ephemeral: { type: "boolean", default: false },
        "no-migrate": { type: "boolean", default: false },
        "max-connections": { type: "string", default: "100" },
      },
    }).values;
  } catch (error) {
    usage((error as Error).message);
  }
}
const values = args();
if (!values.dir) usage("--dir is required");
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  usage(`--port must be an integer 1-65535 (Postgres cannot bind port 0), got "${values.port}"`);
}
const maxConnections = Number(values["max-connections"]);
if (!Number.isInteger(maxConnections) || maxConnections < 10 || maxConnections > 10_000) {
  usage(`--max-connections must be an integer 10-10000, got "${values["max-connections"]}"`);
}
const dataDir = path.resolve(values.dir);

const say = (line: string) => process.stderr.write(`${line}\n`);
let cluster: Cluster | undefined;
let starting: Promise<Cluster> | undefined;
let stopping = false;

async function stop(reason: string, code: number) {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`${JSON.stringify({ event: "stopping", reason })}\n`);
  // A cluster still starting is stopped once up (or has failed), so none is left behind. Once loaded,
  // embedded-postgres' own exit hook stops it too, and exits (with 128 + the signal's number) as soon as it
  // has: either way Postgres has shut down before this process ends.
  const running = cluster ?? (await starting?.catch(() => undefined));
  await running?.stop();
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(signal, 0));

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop(`parent process ${parent} exited`, 0);
  else if (cluster && !stopping) {
    try {
      process.kill(cluster.pid, 0);
    } catch {
      say(`postgres-server: PostgreSQL (pid ${cluster.pid}) exited unexpectedly`);
      process.exit(1);
    }
  }
}, 1_000).unref();

// Postgres' log: kept quiet unless it matters. Lines of a failed start come with the error.
const onLog = (line: string) => {
  if (!stopping && /\b(FATAL|PANIC):/.test(line)) say(line);
};

try {
  starting = startCluster({
    dataDir,
    port,
    persistent: !values.ephemeral,
    fast: values.fast,
    maxConnections,
    onLog,
    onNotice: (line) => say(`postgres-server: ${line}`),
  });
  cluster = await starting;
} catch (error) {
  if (stopping) await new Promise(() => {}); // stop() exits
  if (error instanceof PortInUseError) {
    say(`postgres-server: ${error.message}`);
    process.exit(PORT_IN_USE_EXIT);
  }
  say(`postgres-server: ${(error as Error).message}`);
  process.exit(1);
}

if (!values["no-migrate"]) {
  try {
    const handle = await openDb({ kind: "postgres", url: cluster.url, maxConnections: 1 });
    await migrateDb(handle).finally(() => handle.close());
  } catch (error) {
    if (stopping) await new Promise(() => {}); // stop() exits
    say(`postgres-server: migrating ${dataDir} failed: ${(error as Error).message}`);
    await cluster.stop();
    process.exit(1);
  }
}

if (!stopping) process.stdout.write(`${JSON.stringify({ event: "ready", dataDir, url: cluster.url })}\n`);
