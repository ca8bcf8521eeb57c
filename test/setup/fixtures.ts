/**
 * Real services for integration tests, private to each test file, removed
 * afterwards. Nothing here touches data it did not create: Redis is a private
 * redis-server, and the database is a fresh one created and dropped on the
 * run's PostgreSQL (test/setup/postgres.ts: the embedded one, or
 * TEST_DATABASE_URL's server).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { type DbHandle, migrateDb, openDb } from "../../db/client.js";
import type { bounties } from "../../db/schema/index.js";
import { freePort } from "../../scripts/lib/processes.js";
import { startAnvil, startRedis } from "../../scripts/lib/services.js";

export interface TestService {
  url: string;
  stop(): Promise<void>;
  /** The server's process id, where the test runs it (to stall it with SIGSTOP, say). */
  pid?: number;
}

export function uniqueId(label: string) {
  return `${label}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

export function tempDir(label: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), `crowdtrain-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A free port can be taken by a parallel test between choosing it and binding
 * it; starting again on another port settles that race.
 */
async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
  }
}

export async function startTestAnvil(chainId?: number): Promise<TestService> {
  const anvil = await onFreePort((port) => startAnvil({ port, ...(chainId ? { chainId } : {}) }));
  return { url: anvil.url, stop: () => anvil.process.stop(5_000), pid: anvil.process.child.pid };
}

/** A private redis-server (the tests need the binary; .ci/run installs it). */
export async function startTestRedis(): Promise<TestService> {
  const redis = await onFreePort((port) => startRedis({ port }));
  return { url: redis.url, stop: () => redis.process.stop(5_000), pid: redis.process.child.pid };
}

/** Creates a uniquely named database on `baseUrl`'s server; `drop` removes it (and only it). */
export async function createPostgresDatabase(
  baseUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `crowdtrain_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface TestDb {
  /** A URL for other processes (the web server, the worker) to share the database. */
  url: string;
  handle: DbHandle;
  /** Closes the handle and drops the database. */
  stop(): Promise<void>;
}

/**
 * A fresh, migrated database of its own on the run's PostgreSQL (one per test file, or per test that needs a
 * clean one), as `npm run dev` and production use it: the same engine and driver everywhere.
 */
export async function testDatabase(): Promise<TestDb> {
  const { url, drop } = await createPostgresDatabase(inject("postgresUrl"));
  const handle = await openDb({ kind: "postgres", url });
  try {
    await migrateDb(handle);
  } catch (error) {
    await handle.close();
    await drop();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    url,
    handle,
    stop: () => {
      stopped ??= handle.close().then(drop);
      return stopped;
    },
  };
}

/** Polls `probe` every 50 ms until it returns a value; throws naming `what` after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A `bounties` row as the indexer would store it for a bounty on the dev chain (31337), funding, with
 * three backers; `fields` replace the defaults.
 */
export function bountyRow(fields: Partial<typeof bounties.$inferInsert> = {}): typeof bounties.$inferInsert {
  return {
    chainId: 31_337,
    bountyId: "1",
    dao: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    goal: "1000000000",
    fundingDeadline: "1900000000",
    deliveryDeadline: "1900100000",
    specHash: `0x${"aa".repeat(32)}`,
    evalSetCommitment: `0x${"bb".repeat(32)}`,
    metricId: `0x${"cc".repeat(32)}`,
    targetScore: "800000",
    direction: "HigherIsBetter",
    bond: "0",
    challengeWindow: 3600,
    arbiter: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    disputeBond: "0",
    revealPeriod: 3600,
    evaluationPeriod: 3600,
    verificationPeriod: 3600,
    allowOverfunding: false,
    feeBps: 250,
    status: "Funding",
    raised: "250000000",
    backerCount: 3,
    createdBlock: 40,
    createdTx: `0x${"34".repeat(32)}`,
    ...fields,
  };
}
