/**
 * Database connection: the embedded PGlite (a data directory, or in memory) by
 * default, real Postgres when a URL is given. Both speak the same pg-core schema
 * and run the same migrations.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { EnvError } from "../server/env.js";
import * as schema from "./schema/index.js";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DbTarget =
  | { kind: "postgres"; url: string; maxConnections?: number }
  /** `dataDir` undefined: in memory (tests). */
  | { kind: "pglite"; dataDir?: string };

export interface DbHandle {
  db: Database;
  target: DbTarget;
  /** The PGlite instance, for serving it over a socket (dev) or closing it. */
  pglite?: PGlite;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/** Picks the target from configuration: DATABASE_URL wins, otherwise PGlite in PGLITE_DIR. */
export function dbTargetFromEnv(config: { DATABASE_URL?: string | undefined; PGLITE_DIR: string }): DbTarget {
  return config.DATABASE_URL
    ? { kind: "postgres", url: config.DATABASE_URL }
    : { kind: "pglite", dataDir: path.resolve(config.PGLITE_DIR) };
}

/**
 * The database of a long-running server process (web, worker). Those run side by side, and a PGlite
 * data directory can only be opened by one process, so they need DATABASE_URL: real Postgres, or the
 * PGlite socket server that `npm run dev` starts (db/pglite-server.ts).
 */
export function serverDbTarget(config: { DATABASE_URL?: string | undefined }): DbTarget {
  if (!config.DATABASE_URL) {
    throw new EnvError([
      {
        variable: "DATABASE_URL",
        message:
          "is required for the web server and workers (PGlite allows one process per data directory): " +
          "use Postgres, or serve PGlite with `node --import tsx db/pglite-server.ts` and use the URL it prints " +
          "(`npm run dev` does this for you)",
      },
    ]);
  }
  return { kind: "postgres", url: config.DATABASE_URL };
}

export async function openDb(target: DbTarget): Promise<DbHandle> {
  if (target.kind === "postgres") {
    const pool = new pg.Pool({ connectionString: target.url, max: target.maxConnections ?? 10 });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on("error", () => {});
    const db = drizzleNodePg(pool, { schema }) as unknown as Database;
    return { db, target, close: () => pool.end() };
  }
  if (target.dataDir) mkdirSync(target.dataDir, { recursive: true });
  const pglite = await PGlite.create(target.dataDir);
  const db = drizzlePglite(pglite, { schema }) as unknown as Database;
  return { db, target, pglite, close: () => pglite.close() };
}

// Held for the whole migration so two processes never migrate at once (Postgres).
const MIGRATION_LOCK = 7_264_101;

/** Applies every pending migration in db/migrations. Throws on failure. */
export async function migrateDb(handle: DbHandle): Promise<void> {
  if (handle.pglite) {
    await migratePglite(drizzlePglite(handle.pglite), { migrationsFolder });
    return;
  }
  if (handle.target.kind !== "postgres") throw new Error("unreachable: postgres target without a url");
  const client = new pg.Client({ connectionString: handle.target.url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await migrateNodePg(drizzleNodePg(client), { migrationsFolder });
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
}

/** Rows of a raw SQL query, the same on both drivers. */
export async function queryRows<T extends Record<string, unknown>>(db: Database, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** A cheap round trip, for health checks. */
export async function pingDb(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}
