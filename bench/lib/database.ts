/**
 * A fresh database for a bench, dropped by its cleanups: on TEST_DATABASE_URL's (or DATABASE_URL's) server when
 * set, otherwise on the embedded PostgreSQL that `npm run dev` runs, in a process of its own
 * (db/postgres-server.ts) with its data in a temporary directory.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { POSTGRES_MAJOR } from "../../db/embedded-postgres.js";
import { startPostgresServer } from "../../scripts/lib/services.js";
import { createPostgresDatabase } from "../../test/setup/fixtures.js";
import type { Cleanups } from "./cleanups.js";

export interface BenchDatabase {
  url: string;
  /** Which server, for the bench's report. */
  where: string;
}

export async function benchDatabase(cleanups: Cleanups, say: (line: string) => void): Promise<BenchDatabase> {
  let server = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  let where = server ? `PostgreSQL at ${new URL(server).host}` : "";
  if (!server) {
    const parent = mkdtempSync(path.join(tmpdir(), "crowdtrain-bench-postgres-"));
    // mkdtemp makes it 0700; as root, Postgres runs as the `postgres` user, which must be able to enter it.
    chmodSync(parent, 0o755);
    cleanups.add(() => rmSync(parent, { recursive: true, force: true }));
    const embedded = await startPostgresServer({
      dataDir: path.join(parent, "data"),
      ephemeral: true,
      migrate: false,
      onSpawn: (proc) => cleanups.add(() => proc.stop(30_000)),
      onLine: (line) => say(`[db] ${line}`),
    });
    server = embedded.url;
    where = `embedded PostgreSQL ${POSTGRES_MAJOR} (its own process, as npm run dev runs it)`;
  }
  const database = await createPostgresDatabase(server);
  cleanups.add(() => database.drop());
  return { url: database.url, where };
}
