/**
 * Database connection: PostgreSQL through node-postgres, everywhere. In production that is DATABASE_URL; in
 * `npm run dev`, the CLIs and the tests, the embedded PostgreSQL that db/postgres-server.ts runs (ADR 018).
 */
import { fileURLToPath } from "node:url";
import { type SQL, sql } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import pg from "pg";
import { EnvError } from "../server/env.js";
import * as schema from "./schema/index.js";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DbTarget {
  kind: "postgres";
  url: string;
  maxConnections?: number;
  /** The server cancels a statement running longer (default 30 s); migrations are not bounded. */
  statementTimeoutMs?: number;
}

export interface DbHandle {
  db: Database;
  target: DbTarget;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/**
 * The database of a long-running server process (web, worker, indexer): DATABASE_URL. `npm run dev` sets it
 * to the embedded PostgreSQL it starts.
 */
export function serverDbTarget(config: { DATABASE_URL?: string | undefined }): DbTarget {
  if (!config.DATABASE_URL) {
    throw new EnvError([
      {
        variable: "DATABASE_URL",
        message:
          "is required for the web server and workers: set it to your PostgreSQL " +
          "(`npm run dev` starts an embedded PostgreSQL and sets it for them)",
      },
    ]);
  }
  return { kind: "postgres", url: config.DATABASE_URL };
}

export async function openDb(target: DbTarget): Promise<DbHandle> {
  const pool = new pg.Pool({
    connectionString: target.url,
    max: target.maxConnections ?? 10,
    // A stalled or unreachable database fails a request in bounded time instead of hanging it: waiting for
    // a connection (from the pool, or a new one) and each statement are both bounded.
    connectionTimeoutMillis: 10_000,
    statement_timeout: target.statementTimeoutMs ?? 30_000,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const db = drizzleNodePg(pool, { schema }) as unknown as Database;
  return { db, target, close: () => pool.end() };
}

// Held for the whole migration so two processes never migrate at once.
const MIGRATION_LOCK = 7_264_101;

/** Applies every pending migration in db/migrations. Throws on failure. */
export async function migrateDb(handle: DbHandle): Promise<void> {
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

/** Rows of a raw SQL query. */
export async function queryRows<T extends Record<string, unknown>>(db: Database, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** A cheap round trip, for health checks. */
export async function pingDb(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}
