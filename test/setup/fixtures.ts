/**
 * Real services for integration tests, private to each test file, removed
 * afterwards. Nothing here touches data it did not create: Redis is a private
 * redis-server, Postgres is a fresh database created and dropped on
 * TEST_DATABASE_URL's server.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { type DbHandle, migrateDb, openDb } from "../../db/client.server.js";
import { createPgliteSocketServer } from "../../db/pglite-socket.js";
import type { bounties } from "../../db/schema/index.js";
import { freePort } from "../../scripts/lib/processes.js";
import { startAnvil, startRedis } from "../../scripts/lib/services.js";

export interface TestService {
  url: string;
  stop(): Promise<void>;
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
  return { url: anvil.url, stop: () => anvil.process.stop(5_000) };
}

/** A private redis-server (the tests need the binary; .ci/run installs it). */
export async function startTestRedis(): Promise<TestService> {
  const redis = await onFreePort((port) => startRedis({ port }));
  return { url: redis.url, stop: () => redis.process.stop(5_000) };
}

export interface TestDb {
  name: "pglite" | "postgres";
  handle: DbHandle;
  /** A URL other processes can use (postgres only). */
  url?: string;
  cleanup(): Promise<void>;
}

/** A migrated, empty database per target: in-memory PGlite always, Postgres when TEST_DATABASE_URL is set. */
export function dbTargets(): { name: TestDb["name"]; open: () => Promise<TestDb> }[] {
  const targets: { name: TestDb["name"]; open: () => Promise<TestDb> }[] = [
    {
      name: "pglite",
      open: async () => {
        const handle = await openDb({ kind: "pglite" });
        await migrateDb(handle);
        return { name: "pglite", handle, cleanup: () => handle.close() };
      },
    },
  ];
  const baseUrl = process.env.TEST_DATABASE_URL;
  if (baseUrl) {
    targets.push({
      name: "postgres",
      open: async () => {
        const { url, drop } = await createPostgresDatabase(baseUrl);
        const handle = await openDb({ kind: "postgres", url });
        await migrateDb(handle);
        return {
          name: "postgres",
          handle,
          url,
          cleanup: async () => {
            await handle.close();
            await drop();
          },
        };
      },
    });
  }
  return targets;
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

/** An in-memory, migrated PGlite served on loopback, as `npm run dev` does, for tests with child processes. */
export async function servePglite(): Promise<TestService & { handle: DbHandle }> {
  const handle = await openDb({ kind: "pglite" });
  await migrateDb(handle);
  if (!handle.pglite) throw new Error("unreachable: pglite handle without PGlite");
  const server = createPgliteSocketServer(handle.pglite, 0);
  await server.start();
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    handle,
    stop: () => {
      stopped ??= server.stop().then(() => handle.close());
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
