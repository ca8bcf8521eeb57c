/**
 * Serves the embedded PGlite database over the Postgres wire protocol on
 * loopback, so the web server and the workers (separate processes) can share
 * one PGlite data directory during `npm run dev`. PGlite itself is
 * single-process; pglite-socket multiplexes connections onto it and keeps a
 * transaction on the connection that opened it.
 *
 *   tsx db/pglite-server.ts [--dir .data/pglite] [--port 0]
 *
 * Migrates first, then prints one JSON line `{"event":"ready","url":...}` on
 * stdout. SIGINT/SIGTERM close the socket and flush PGlite to disk.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { envOrExit, envSchema } from "../server/env.js";
import { migrateDb, openDb } from "./client.server.js";
import { createPgliteSocketServer } from "./pglite-socket.js";

const { values } = parseArgs({
  options: {
    dir: { type: "string", default: envOrExit(envSchema.pick({ PGLITE_DIR: true })).PGLITE_DIR },
    port: { type: "string", default: "0" },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`pglite-server: --port must be an integer 0-65535, got "${values.port}"`);
  process.exit(2);
}
const dataDir = path.resolve(values.dir);

const handle = await openDb({ kind: "pglite", dataDir });
const pglite = handle.pglite;
if (!pglite) throw new Error("unreachable: pglite target without a PGlite instance");
await migrateDb(handle);

const server = createPgliteSocketServer(pglite, port);
try {
  await server.start();
} catch (error) {
  console.error(`pglite-server: cannot listen on 127.0.0.1:${port}: ${(error as Error).message}`);
  await handle.close();
  process.exit(1);
}
const [host, actualPort] = server.getServerConn().split(":");
process.stdout.write(
  `${JSON.stringify({ event: "ready", dataDir, url: `postgres://postgres@${host}:${actualPort}/postgres` })}\n`,
);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`${JSON.stringify({ event: "stopping", signal })}\n`);
  await server.stop();
  await handle.close();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
