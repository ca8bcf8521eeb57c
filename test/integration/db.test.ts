import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listDeployments } from "../../app/models/deployment.server.js";
import { migrateDb, migrationsFolder, pingDb, queryRows } from "../../db/client.server.js";
import { deployments } from "../../db/schema/index.js";
import { dbTargets, type TestDb } from "../setup/fixtures.js";

const row = (chainId: number, name: string, address: string) => ({
  chainId,
  name,
  address,
  txHash: `0x${"cd".repeat(32)}`,
  blockNumber: 7,
  deployer: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
  deployedAt: new Date("2026-05-01T12:00:00Z"),
});

describe.each(dbTargets())("database on $name", ({ open }) => {
  let testDb: TestDb;
  beforeAll(async () => {
    testDb = await open();
  });
  afterAll(async () => {
    await testDb?.cleanup();
  });

  it("is migrated and answers", async () => {
    await pingDb(testDb.handle.db);
    const tables = await queryRows<{ table_name: string }>(
      testDb.handle.db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(tables.map((r) => r.table_name)).toContain("deployments");
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
});
