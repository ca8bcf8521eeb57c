/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL, else to the running `npm run dev`'s
 * database, else to the embedded PostgreSQL in DEV_DATA_DIR/postgres (started for the command). Exits
 * non-zero, naming the error, on failure.
 */
import { migrateDb } from "../db/client.js";
import { openCliDb } from "./lib/dev-services.js";

const handle = await openCliDb();
const where = new URL(handle.target.url).host;
try {
  await migrateDb(handle);
  console.error(`db:migrate: PostgreSQL at ${where} is up to date`);
} catch (error) {
  console.error(`db:migrate failed on PostgreSQL at ${where}: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await handle.close();
}
