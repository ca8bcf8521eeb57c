/**
 * The demo seed of `npm run dev` on a private anvil and a database of its own:
 * every bounty reaches its planned state on-chain and in the index, the DAOs
 * hold their role, each bounty's eval set makes its on-chain commitment,
 * a second seed sends nothing, and the local pool's token is fresh each time.
 * (test/e2e/dev.test.ts runs it inside the real `npm run dev`, trained and scored.)
 */
import path from "node:path";
import { and, eq } from "drizzle-orm";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { BOARD_ROLES } from "../../core/board.js";
import { anvilAccount } from "../../core/dev-chain.js";
import { specHash } from "../../core/spec.js";
import { bounties, roles } from "../../db/schema/index.js";
import { findSpec } from "../../jobs/bounties/specs.js";
import { type DeployResult, deployContracts } from "../../jobs/deployments/deploy.js";
import { poolForToken } from "../../jobs/dispatch/pools.js";
import { verifiedEvalSet } from "../../jobs/evalsets/evalsets.js";
import { boardClients, usd } from "../../scripts/lib/board-client.js";
import {
  DEMO_ACCOUNTS,
  DEMO_BOUNTIES,
  DEMO_POOL,
  type DemoSeedResult,
  localPool,
  seedDemo,
} from "../../scripts/lib/demo-seed.js";
import { ArtifactStore } from "../../server/artifacts.js";
import { startTestAnvil, type TestDb, type TestService, tempDir, testDatabase } from "../setup/fixtures.js";
import { testIndexer } from "../setup/indexer.js";

const dir = tempDir("demo-seed");
let anvil: TestService;
let testDb: TestDb;
let deployed: DeployResult;
let store: ArtifactStore;
let result: DemoSeedResult;
const lines: string[] = [];

beforeAll(async () => {
  [anvil, testDb] = await Promise.all([startTestAnvil(), testDatabase()]);
  const { handle } = testDb;
  deployed = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir });
  store = new ArtifactStore(path.join(dir.dir, "artifacts"));
  result = await seedDemo({
    rpcUrl: anvil.url,
    deployment: deployed.deployment,
    db: handle.db,
    store,
    log: (line) => lines.push(line),
  });
  await testIndexer(handle.db, anvil.url, deployed.deployment).catchUp();
});

afterAll(async () => {
  await testDb?.stop();
  await anvil?.stop();
  dir.remove();
});

describe("the demo seed", () => {
  it("leaves every bounty in its planned state, on-chain and in the index", async () => {
    if (!result.seeded) throw new Error(`not seeded: ${result.reason}`);
    expect(result.bounties.map((b) => [b.id, b.name, b.status])).toEqual(
      DEMO_BOUNTIES.map((plan, i) => [BigInt(i + 1), plan.spec.name, plan.expect]),
    );
    expect(result.bounties[0]?.name).toContain("Hindi GPT");
    expect(new Set(result.bounties.map((b) => b.status))).toEqual(
      new Set(["Funded", "Funding", "Cancelled"]),
    );

    const rows = await testDb.handle.db
      .select()
      .from(bounties)
      .where(eq(bounties.chainId, deployed.deployment.chainId))
      .orderBy(bounties.createdBlock);
    expect(rows).toHaveLength(DEMO_BOUNTIES.length);
    for (const [i, plan] of DEMO_BOUNTIES.entries()) {
      const row = rows[i];
      const seeded = result.bounties[i];
      if (!row || !seeded) throw new Error(`bounty ${i + 1} missing`);
      expect(row.status).toBe(plan.expect);
      expect(row.dao).toBe(anvilAccount(plan.dao).address);
      expect(row.specHash).toBe(specHash(plan.spec));
      expect(row.goal).toBe(usd(plan.goal).toString());
      expect(row.raised).toBe(seeded.raised.toString());
      // Every stored spec is the one its bounty's hash names, and its eval set makes the commitment.
      expect((await findSpec(testDb.handle.db, row.specHash))?.name).toBe(plan.spec.name);
      await expect(
        verifiedEvalSet(testDb.handle.db, store, row.evalSetCommitment as Hex),
      ).resolves.toBeDefined();
    }
    const funded = DEMO_BOUNTIES.filter((p) => p.expect === "Funded");
    expect(funded.length).toBeGreaterThanOrEqual(2);
    for (const plan of funded) {
      expect(plan.contributions.reduce((sum, c) => sum + c.amount, 0)).toBe(plan.goal);
    }
    // The cancelled bounty: the refunded backer has nothing left to take, the other one still has.
    const cancelled = DEMO_BOUNTIES.findIndex((p) => p.expect === "Cancelled");
    const plan = DEMO_BOUNTIES[cancelled];
    if (!plan?.cancel) throw new Error("no cancelled demo bounty");
    const c = boardClients(anvil.url, deployed.deployment);
    for (const { backer, amount } of plan.contributions) {
      const left = await c.publicClient.readContract({
        address: c.board,
        abi: bountyBoardAbi,
        functionName: "refundable",
        args: [BigInt(cancelled + 1), anvilAccount(backer).address],
      });
      expect(left).toBe(plan.cancel.refunds.includes(backer) ? 0n : usd(amount));
    }
  });

  it("gives both DAOs DAO_ROLE", async () => {
    const daos = await testDb.handle.db
      .select({ account: roles.account })
      .from(roles)
      .where(and(eq(roles.role, BOARD_ROLES.DAO_ROLE), eq(roles.granted, true)));
    expect(daos.map((r) => r.account).sort()).toEqual(
      DEMO_ACCOUNTS.daos.map((i) => anvilAccount(i).address).sort(),
    );
  });

  it("sends nothing a second time: the board already has bounties", async () => {
    const again = await seedDemo({
      rpcUrl: anvil.url,
      deployment: deployed.deployment,
      db: testDb.handle.db,
      store,
    });
    expect(again).toEqual({
      seeded: false,
      reason: `the board already holds ${DEMO_BOUNTIES.length} bounties`,
    });
  });

  it("makes the local CPU pool once and gives it a fresh token each time", async () => {
    const first = await localPool(testDb.handle.db);
    const second = await localPool(testDb.handle.db);
    if (!first || !second) throw new Error("no local pool");
    expect(first).toMatchObject({ name: DEMO_POOL.name, created: true });
    expect(second).toMatchObject({ id: first.id, created: false });
    expect(second.trainer).toBe(anvilAccount(DEMO_ACCOUNTS.trainer).address);
    expect(await poolForToken(testDb.handle.db, first.token)).toBeUndefined();
    expect((await poolForToken(testDb.handle.db, second.token))?.gpuCount).toBe(0);
    // The token is the agent's alone: nothing the seed logged carries it.
    expect(lines.join("\n")).not.toContain(second.token);
  });
});
