import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { homeBoards } from "../../app/models/bounty.server.js";
import { migrateDb, migrationsFolder, openDb, pingDb, queryRows } from "../../db/client.js";
import { bounties, deployments, leases } from "../../db/schema/index.js";
import { knownDeployments, listDeployments } from "../../jobs/deployments/registry.js";
import { createPool } from "../../jobs/dispatch/pools.js";
import { bountyRow, type TestDb, testDatabase } from "../setup/fixtures.js";

const row = (chainId: number, name: string, address: string) => ({
  chainId,
  name,
  address,
  txHash: `0x${"cd".repeat(32)}`,
  blockNumber: 7,
  deployer: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
  deployedAt: new Date("2026-05-01T12:00:00Z"),
});

describe("database", () => {
  let testDb: TestDb;
  beforeAll(async () => {
    testDb = await testDatabase();
  });
  afterAll(async () => {
    await testDb?.stop();
  });

  it("is migrated and answers", async () => {
    await pingDb(testDb.handle.db);
    const tables = await queryRows<{ table_name: string }>(
      testDb.handle.db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(tables.map((r) => r.table_name)).toContain("deployments");
  });

  it("cancels a statement that runs past its timeout, instead of holding a request", async () => {
    const short = await openDb({ ...testDb.handle.target, statementTimeoutMs: 200 });
    try {
      const started = Date.now();
      const error = (await short.db.execute(sql`select pg_sleep(5)`).catch((e: unknown) => e)) as Error;
      // drizzle wraps the driver's error; the server's reason is its cause.
      expect(String((error.cause as Error | undefined)?.message ?? error.message)).toMatch(
        /statement timeout/,
      );
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await short.close();
    }
  });

  it("re-running migrations changes nothing", async () => {
    await migrateDb(testDb.handle);
    const applied = await queryRows<{ n: number }>(
      testDb.handle.db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    const journal = JSON.parse(readFileSync(path.join(migrationsFolder, "meta/_journal.json"), "utf8"));
    expect(applied[0]?.n).toBe(journal.entries.length);
  });

  it("stores deployments with the chain-and-name key and lists them per chain", async () => {
    const { db } = testDb.handle;
    await db
      .insert(deployments)
      .values([row(1, "TestToken", "0xaa"), row(1, "BountyBoard", "0xbb"), row(2, "X", "0xcc")]);
    await expect(db.insert(deployments).values(row(1, "TestToken", "0xdd"))).rejects.toThrow();

    const listed = await listDeployments(db, 1);
    expect(listed.map((d) => [d.name, d.address])).toEqual([
      ["BountyBoard", "0xbb"],
      ["TestToken", "0xaa"],
    ]);
    expect(listed[0]?.deployedAt.toISOString()).toBe("2026-05-01T12:00:00.000Z");
    expect(listed[0]?.blockNumber).toBe(7);
    expect(await listDeployments(db, 3)).toEqual([]);
  });

  it("remembers a chain's deployments for a few seconds: the pages' root loader reads them once, not per call", async () => {
    const { db } = testDb.handle;
    // The cache is the process's: a chain of its own, which no other test here writes.
    const chain = 5;
    await db.insert(deployments).values(row(chain, "BountyBoard", "0xb5"));
    const first = knownDeployments(db, chain);
    expect((await first).map((d) => d.name)).toEqual(["BountyBoard"]);
    // A row added now is not seen until the cache expires: awaiting the remembered read does not re-run it
    // (it did when the cache held drizzle's query builder, which queries again on every await).
    await db.insert(deployments).values(row(chain, "TestToken", "0x75"));
    expect((await first).map((d) => d.name)).toEqual(["BountyBoard"]);
    expect((await knownDeployments(db, chain)).map((d) => d.name)).toEqual(["BountyBoard"]);
    expect((await listDeployments(db, chain)).map((d) => d.name)).toEqual(["BountyBoard", "TestToken"]);
  });

  it("serves the home page's prepared queries to many connections at once", async () => {
    // The boards are named statements: each connection prepares them once, and then only binds and runs them.
    const app = await openDb({ kind: "postgres", url: testDb.url, maxConnections: 8 });
    try {
      // One bounty for each board: funding (most backed), fulfilled with a best score, and one in training.
      await testDb.handle.db.insert(bounties).values([
        bountyRow({ bountyId: "1", backerCount: 3 }),
        bountyRow({
          bountyId: "2",
          backerCount: 1,
          status: "Fulfilled",
          bestScore: "950000",
          bestMargin: 0.5,
        }),
        bountyRow({ bountyId: "3", backerCount: 2, status: "Funded" }),
      ]);
      const { pool } = await createPool(testDb.handle.db, {
        name: "home-pool",
        operator: "0x000000000000000000000000000000000000dEaD",
        gpuModel: "H100",
        gpuCount: 1,
        vramGb: 80,
        maxLeases: 1,
      });
      await testDb.handle.db.insert(leases).values({
        id: "lease-3",
        chainId: 31_337,
        bountyId: "3",
        jobId: "train-31337-3",
        queue: "train-v0-g0",
        poolId: pool.id,
        attempt: 1,
        status: "active",
        leasedAt: new Date(),
        expiresAt: new Date(Date.now() + 60_000),
        percent: 42,
      });
      // Many home pages at once, over eight connections.
      const boards = await Promise.all(
        Array.from({ length: 24 }, () => homeBoards(app.db, 31_337, new Map())),
      );
      for (const board of boards) {
        expect(board.byBackers.map((b) => [b.bountyId, b.backerCount])).toEqual([
          ["1", 3],
          ["3", 2],
          ["2", 1],
        ]);
        expect(board.byScore.map((b) => [b.bountyId, b.bestMargin])).toEqual([["2", 0.5]]);
        expect(board.fulfilled.map((b) => b.bountyId)).toEqual(["2"]);
        expect(board.training.map((b) => [b.bountyId, b.percent, b.pool])).toEqual([["3", 42, "home-pool"]]);
      }
    } finally {
      await app.close();
    }
  });
});
