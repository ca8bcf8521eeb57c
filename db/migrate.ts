/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the
 * embedded PGlite in PGLITE_DIR. Exits non-zero, naming the error, on failure.
 */
import { envOrExit, envSchema } from "../server/env.js";
import { dbTargetFromEnv, migrateDb, openDb } from "./client.server.js";

const target = dbTargetFromEnv(envOrExit(envSchema.pick({ DATABASE_URL: true, PGLITE_DIR: true })));
const where = target.kind === "postgres" ? new URL(target.url).host : target.dataDir;

try {
  const handle = await openDb(target);
  try {
    await migrateDb(handle);
  } finally {
    await handle.close();
  }
  console.error(`db:migrate: ${target.kind} at ${where} is up to date`);
} catch (error) {
  console.error(`db:migrate failed on ${target.kind} at ${where}: ${(error as Error).message}`);
  process.exitCode = 1;
}
