/**
 * Where a running `npm run dev` serves things, for CLIs run beside it (the
 * pools CLI, the pool agent): dev writes `<dev data dir>/services.json` once
 * everything is up and removes it on exit. Entries of a dead dev are ignored.
 * Also: the database a CLI opens, and what dev's data directory must not hold.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type DbHandle, openDb } from "../../db/client.js";
import { envOrExit, envSchema } from "../../server/env.js";
import { isAlive } from "./processes.js";
import { startPostgresServer } from "./services.js";

export interface DevServices {
  pid: number;
  webUrl: string;
  rpcUrl: string;
  redisUrl: string;
  databaseUrl: string;
  /** The artifact store its processes use. */
  artifactsDir: string;
}

const file = (dataDir: string) => path.join(dataDir, "services.json");

export function writeDevServices(dataDir: string, services: DevServices): void {
  writeFileSync(file(dataDir), `${JSON.stringify(services, null, 2)}\n`);
}

export function removeDevServices(dataDir: string): void {
  rmSync(file(dataDir), { force: true });
}

/** The services of a dev run that is still alive, or undefined. */
export function readDevServices(dataDir = ".data"): DevServices | undefined {
  try {
    const services = JSON.parse(readFileSync(file(path.resolve(dataDir)), "utf8")) as DevServices;
    return isAlive(services.pid) ? services : undefined;
  } catch {
    return undefined;
  }
}

/** The embedded PostgreSQL's data directory inside dev's data directory. */
export function embeddedPostgresDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), "postgres");
}

/**
 * The commit before the embedded database became PostgreSQL: the last one that can open a PGlite directory,
 * for exporting its data.
 */
const LAST_PGLITE_COMMIT = "b7e062d";

/**
 * What to do about a data directory of the PGlite days (a `pglite/` and no `postgres/`), or undefined. It is
 * not converted: that would keep PGlite as a dependency. Dev data is rebuilt from the chain and the demo seed,
 * and deleting only `pglite/` would keep a chain whose index (and pools, specs, eval sets) were lost.
 */
export function oldPgliteDataProblem(dataDir: string): string | undefined {
  const absolute = path.resolve(dataDir);
  if (!existsSync(path.join(absolute, "pglite")) || existsSync(embeddedPostgresDir(absolute)))
    return undefined;
  const relative = path.relative(process.cwd(), absolute);
  const shown = relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : absolute;
  return (
    `${path.join(shown, "pglite")} holds a database from before the switch to PostgreSQL ` +
    "(docs/decisions/018-embedded-postgres.md). It is not converted. Dev data is rebuilt from the chain and " +
    `the demo seed, so start fresh with \`rm -rf ${shown}\` (chain, Redis and database together: the index ` +
    "must match the chain), then `npm run dev`. To keep anything, export it first with the previous commit " +
    `(\`git checkout ${LAST_PGLITE_COMMIT} && npm ci && npm run dev\`, then \`pg_dump\` its printed URL).`
  );
}

/**
 * The database a CLI opens: DATABASE_URL; else, while `npm run dev` runs, its embedded PostgreSQL; else that
 * same cluster (DEV_DATA_DIR/postgres), started for the command's duration: `close()` stops it (and so does
 * the CLI's exit, see db/postgres-server.ts). When that cluster cannot start, says why and exits 1.
 */
export async function openCliDb(): Promise<DbHandle> {
  const config = envOrExit(envSchema.pick({ DATABASE_URL: true, DEV_DATA_DIR: true, PGLITE_DIR: true }));
  if (config.DATABASE_URL) return openDb({ kind: "postgres", url: config.DATABASE_URL });
  const dev = readDevServices(config.DEV_DATA_DIR);
  if (dev) return openDb({ kind: "postgres", url: dev.databaseUrl });
  const problem = oldPgliteDataProblem(config.DEV_DATA_DIR);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  const server = await startPostgresServer({
    dataDir: embeddedPostgresDir(config.DEV_DATA_DIR),
    onLine: (line) => process.stderr.write(`[db] ${line}\n`),
  }).catch((error: Error) => {
    console.error(`cannot start the embedded PostgreSQL: ${error.message}`);
    process.exit(1);
  });
  const handle = await openDb({ kind: "postgres", url: server.url });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await server.process.stop(30_000);
    },
  };
}
