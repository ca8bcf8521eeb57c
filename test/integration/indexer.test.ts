/**
 * The indexer against real BountyBoard activity (protocol v2) on anvil, into
 * PostgreSQL: the projection equals the
 * contract views; a refund lowers the raised amount (the share supply), and a
 * reorg of the refund raises it back;
 * an interrupted backfill resumes to the same database; a reorg is rolled back
 * with its effects; a misbehaving RPC is survived without losing or
 * duplicating rows; token metadata is read once, with fallbacks for tokens
 * that answer badly.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Queue } from "bullmq";
import { asc, sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import {
  concatHex,
  encodeAbiParameters,
  getAddress,
  type Hex,
  numberToHex,
  size,
  stringToHex,
  toFunctionSelector,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { BOUNTY_STATUS } from "../../core/board.js";
import { anvilAccount, DEV_TOKEN } from "../../core/dev-chain.js";
import { createLogger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { queryRows } from "../../db/client.js";
import { backers, bounties } from "../../db/schema/index.js";
import { type DeployResult, deployContracts } from "../../jobs/deployments/deploy.js";
import {
  BoardChangedError,
  Indexer,
  type IndexerOptions,
  ReorgTooDeepError,
} from "../../jobs/indexer/indexer.js";
import { FALLBACK_DECIMALS } from "../../jobs/indexer/tokens.js";
import { QUEUE } from "../../jobs/queues.js";
import { nodeTs, startProcess } from "../../scripts/lib/processes.js";
import { createChainClient } from "../../server/chain.js";
import { createRedis } from "../../server/redis.js";
import {
  type BoardClients,
  boardClients,
  createBountyArgs,
  generateActivity,
  usd,
} from "../setup/board-activity.js";
import {
  startTestAnvil,
  startTestRedis,
  type TestDb,
  type TestService,
  tempDir,
  testDatabase,
  uniqueId,
} from "../setup/fixtures.js";

const root = path.resolve(import.meta.dirname, "../..");

const TABLES = [
  "board_events",
  "bounties",
  "contributions",
  "share_transfers",
  "backers",
  "claims",
  "submissions",
  "disputes",
  "evaluations",
  "payments",
  "roles",
  "tokens",
  "indexed_blocks",
] as const;
/** Columns compared, where not all: when a token's metadata was read differs between two indexes. */
const COLUMNS: Partial<Record<(typeof TABLES)[number], string>> = {
  tokens: "chain_id, token, allowed, block_number, symbol, name, decimals",
};

/** Every projection table, rows in a stable order, for equality between databases. */
async function dump(db: Database) {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    out[table] = await queryRows(
      db,
      sql.raw(`select ${COLUMNS[table] ?? "*"} from ${table} order by 1, 2, 3`),
    );
  }
  out.cursor = await queryRows(db, sql`select chain_id, board, cursor, cursor_hash from indexer_state`);
  out.effects = await queryRows(
    db,
    sql`select chain_id, job_id, queue, name, payload, block_number from effects_outbox order by job_id`,
  );
  return out;
}

let anvil: TestService;
let redisService: TestService;
let deployed: DeployResult;
let c: BoardClients;
let connection: Redis;
const dir = tempDir("indexer");
const silent = createLogger("test", "silent");

beforeAll(async () => {
  [anvil, redisService] = await Promise.all([startTestAnvil(), startTestRedis()]);
  deployed = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir });
  c = boardClients(anvil.url, deployed.deployment);
  await generateActivity(c, { bounties: 8, rounds: 4 });
  connection = createRedis(redisService.url, "worker");
});

afterAll(async () => {
  connection?.disconnect();
  await Promise.all([anvil?.stop(), redisService?.stop()]);
  dir.remove();
});

function indexerFor(db: Database, overrides: Partial<IndexerOptions> = {}): Indexer {
  const board = deployed.deployment.contracts.BountyBoard;
  if (!board) throw new Error("no board");
  return new Indexer({
    db,
    chain: createChainClient(anvil.url),
    chainId: 31_337,
    board: board.address as `0x${string}`,
    fromBlock: board.blockNumber,
    confirmations: 0,
    reorgWindow: 64,
    maxRange: 5_000,
    queues: {},
    log: silent,
    ...overrides,
  });
}

describe("indexer", () => {
  let reference: TestDb;
  beforeAll(async () => {
    reference = await testDatabase();
  });
  afterAll(async () => {
    await reference?.stop();
  });

  it("projects every event and matches the contract views", async () => {
    const written = await indexerFor(reference.handle.db).catchUp();
    expect(written).toBeGreaterThan(250);

    const kinds = await queryRows<{ event_name: string; n: number }>(
      reference.handle.db,
      sql`select event_name, count(*)::int as n from board_events group by 1`,
    );
    const byKind = Object.fromEntries(kinds.map((k) => [k.event_name, k.n]));
    for (const kind of [
      "BountyCreated",
      "Transfer",
      "BountyFunded",
      "BountyCancelled",
      "BountyClaimed",
      "CheckpointCommitted",
      "CheckpointRevealed",
      "EvaluationPublished",
      "SubmissionDisqualified",
      "BountyFinalized",
      "EvalSetRevealed",
      "PayoutUnlocked",
      "PayoutWithdrawn",
      "Refunded",
      "RevenueDeposited",
      "RevenueClaimed",
      "RoleGranted",
      "TokenAllowlistUpdated",
    ]) {
      expect(byKind[kind] ?? 0, `${kind} in ${JSON.stringify(byKind)}`).toBeGreaterThan(0);
    }

    // Every event carries its block's time (the funding chart's x axis), whatever range it was read in.
    const [times] = await queryRows<{ untimed: number; timed: number }>(
      reference.handle.db,
      sql`select count(*) filter (where block_time is null)::int as untimed,
                 count(*) filter (where block_time is not null)::int as timed
          from board_events`,
    );
    expect(times?.untimed).toBe(0);
    expect(times?.timed).toBeGreaterThan(250);

    // Optional fields are kept whatever row comes first in a batch: every disqualification of this history
    // is a copy (the evaluator's, or the board's own of a duplicate reveal), and every payment has its recipient.
    const [copies] = await queryRows<{ copies: number; unmarked: number }>(
      reference.handle.db,
      sql`select count(*) filter (where copy_of is not null)::int as copies,
                 count(*) filter (where copy_of is null)::int as unmarked
          from submissions where verdict = 'Disqualified'`,
    );
    expect(copies?.copies).toBeGreaterThan(0);
    expect(copies?.unmarked).toBe(0);
    const missing = await queryRows<{ kind: string; n: number }>(
      reference.handle.db,
      sql`select kind, count(*)::int as n from payments
          where kind in ('payout', 'refund', 'revenue_claim') and recipient is null group by kind`,
    );
    expect(missing).toEqual([]);

    const rows = await reference.handle.db.select().from(bounties).orderBy(asc(bounties.bountyId));
    expect(rows.filter((row) => row.bestMargin !== null).length).toBeGreaterThan(0);
    const [count] = await c.publicClient.readContract({
      address: c.board,
      abi: bountyBoardAbi,
      functionName: "counts",
    });
    expect(rows).toHaveLength(Number(count));
    for (const row of rows) {
      const onChain = await c.publicClient.readContract({
        address: c.board,
        abi: bountyBoardAbi,
        functionName: "getBounty",
        args: [BigInt(row.bountyId)],
      });
      expect(row.status, `bounty ${row.bountyId}`).toBe(BOUNTY_STATUS[onChain.status]);
      // `raised` is also the shares' total supply: refunds lower it.
      expect(row.raised, `raised of ${row.bountyId}`).toBe(String(onChain.raised));
      expect(row.bestSubmissionId ?? "0").toBe(String(onChain.bestSubmissionId));
      // Accuracy, higher is better: the share of the way from the target to 1 (1e9 on-chain) the best covers.
      expect(row.bestMargin).toBe(
        row.bestScore === null
          ? null
          : (Number(row.bestScore) - Number(row.targetScore)) / (1e9 - Number(row.targetScore)),
      );
      const holders = await reference.handle.db
        .select()
        .from(backers)
        .where(sql`${backers.bountyId} = ${row.bountyId}`);
      for (const holder of holders) {
        const shares = await c.publicClient.readContract({
          address: c.board,
          abi: bountyBoardAbi,
          functionName: "balanceOf",
          args: [holder.account as `0x${string}`, BigInt(row.bountyId)],
        });
        expect(holder.shares, `${holder.account} on ${row.bountyId}`).toBe(String(shares));
      }
    }
  });

  it("resumes an interrupted backfill to the same database", async () => {
    const resumed = await testDatabase();
    try {
      let batches = 0;
      const crashing = indexerFor(resumed.handle.db, {
        maxRange: 25,
        beforeCommit: async () => {
          if (++batches === 4) throw new Error("killed mid-batch");
        },
      });
      await expect(crashing.catchUp()).rejects.toThrow("killed mid-batch");
      await indexerFor(resumed.handle.db, { maxRange: 25 }).catchUp();
      const [a, b] = [await dump(reference.handle.db), await dump(resumed.handle.db)];
      expect(b.indexed_blocks).toEqual(a.indexed_blocks);
      expect(b).toEqual(a);
    } finally {
      await resumed.stop();
    }
  });

  it("survives range refusals, timeouts and dropped connections without losing or duplicating rows", async () => {
    const flaky = await startFlakyRpc(anvil.url);
    const target = await testDatabase();
    try {
      const warnings: string[] = [];
      const log = createLogger("test", "debug");
      log.warn = ((obj: { err?: string }) => warnings.push(String(obj?.err))) as never;
      log.debug = (() => {}) as never;
      log.info = (() => {}) as never;
      const indexer = indexerFor(target.handle.db, {
        chain: createChainClient(flaky.url, 500),
        log,
        maxRange: 5_000,
      });
      flaky.faults.push("timeout", "drop");
      const stop = new AbortController();
      const running = indexer.run(stop.signal, 50);
      const head = Number(await c.publicClient.getBlockNumber({ cacheTime: 0 }));
      await waitUntil(async () => {
        const [row] = await queryRows<{ cursor: number }>(
          target.handle.db,
          sql`select cursor from indexer_state`,
        );
        return Number(row?.cursor) === head; // node-postgres returns bigint columns as strings
      });
      stop.abort();
      await running;
      expect(flaky.refusedRanges).toBeGreaterThan(0);
      expect(warnings.length).toBeGreaterThanOrEqual(2);
      expect(await dump(target.handle.db)).toEqual(await dump(reference.handle.db));
    } finally {
      await target.stop();
      await flaky.close();
    }
  });
});

describe("reorgs", () => {
  it("rolls back orphaned blocks and their effects, then follows the new chain", async () => {
    const db = await testDatabase();
    const prefix = uniqueId("test-indexer");
    const queues = Object.fromEntries(
      [QUEUE.dispatch, QUEUE.evaluate, QUEUE.notify].map((q) => [q, new Queue(q, { connection, prefix })]),
    );
    try {
      const indexer = indexerFor(db.handle.db, { queues });
      await indexer.catchUp();
      const snapshot = await c.testClient.snapshot();

      // Orphan-to-be: a new bounty, funded to its goal (a dispatch effect), in a few blocks.
      const dao = (await import("../../core/dev-chain.js")).anvilAccount(1);
      const backer = (await import("../../core/dev-chain.js")).anvilAccount(3);
      const orphan = await c.createBounty(dao, 1_000_000n);
      await c.send(backer, "fund", [orphan, 1_000_000n]);
      const orphanToken = getAddress("0x000000000000000000000000000000000000dead");
      await c.send(anvilAccount(0), "setTokenAllowed", [orphanToken, true]);
      await indexer.catchUp();
      const [tokenRow] = await queryRows(
        db.handle.db,
        sql`select * from tokens where token = ${orphanToken}`,
      );
      expect(tokenRow).toMatchObject({ allowed: true, decimals: FALLBACK_DECIMALS });
      const [{ job_id: dispatchId } = { job_id: "" }] = await queryRows<{ job_id: string }>(
        db.handle.db,
        sql`select job_id from effects_outbox where queue = 'dispatch' and payload->>'bountyId' = ${String(orphan)}`,
      );
      expect(dispatchId).toMatch(/^dispatch-31337-0x[0-9a-f]{64}-\d+$/);
      expect(await queues[QUEUE.dispatch]?.getJob(dispatchId)).toBeTruthy();

      // Replace those blocks: revert, then different transactions, more blocks than before.
      await c.testClient.revert({ id: snapshot });
      const other = await c.createBounty(dao, 5_000_000n); // same id, different goal
      await c.send(backer, "fund", [other, 1_000n]); // not funded: no dispatch
      await c.testClient.mine({ blocks: 3 });

      const step = await indexer.step();
      expect(step.rolledBackTo).toBeDefined();
      await indexer.catchUp();
      expect(await queues[QUEUE.dispatch]?.getJob(dispatchId)).toBeFalsy();

      const fresh = await testDatabase();
      try {
        await indexerFor(fresh.handle.db).catchUp();
        const [a, b] = [await dump(fresh.handle.db), await dump(db.handle.db)];
        expect(b.bounties).toEqual(a.bounties);
        expect(b.board_events).toEqual(a.board_events);
        expect(b.backers).toEqual(a.backers);
        expect(b.effects).toEqual(a.effects);
        // The token only the orphaned blocks allowlisted is gone; the others keep their metadata.
        expect(b.tokens).toEqual(a.tokens);
        expect(b.tokens).toHaveLength(1);
      } finally {
        await fresh.stop();
      }
    } finally {
      for (const q of Object.values(queues)) {
        await q.obliterate({ force: true });
        await q.close();
      }
      await db.stop();
    }
  });
});

describe("refunds", () => {
  it("lower the raised amount as the board does, and a reorged refund raises it back", async () => {
    const db = await testDatabase();
    const dao = anvilAccount(1);
    const [backerA, backerB] = [anvilAccount(3), anvilAccount(4)];
    const raisedOf = async (id: bigint) => {
      const [row] = await queryRows<{ raised: string; backer_count: number }>(
        db.handle.db,
        sql`select raised::text, backer_count from bounties where bounty_id = ${String(id)}`,
      );
      const onChain = await c.publicClient.readContract({
        address: c.board,
        abi: bountyBoardAbi,
        functionName: "getBounty",
        args: [id],
      });
      return { indexed: row?.raised, onChain: String(onChain.raised), backers: row?.backer_count };
    };
    try {
      const indexer = indexerFor(db.handle.db);
      // Cancelled with 300 ctUSD raised (200 + 100 from two backers).
      const id = await c.createBounty(dao, usd(10_000));
      await c.send(backerA, "fund", [id, usd(200)]);
      await c.send(backerB, "fund", [id, usd(100)]);
      await c.send(dao, "cancelBounty", [id]);
      await indexer.catchUp();
      expect(await raisedOf(id)).toEqual({
        indexed: String(usd(300)),
        onChain: String(usd(300)),
        backers: 2,
      });

      const snapshot = await c.testClient.snapshot();
      await c.send(backerA, "refund", [id, backerA.address]);
      await indexer.catchUp();
      // Lowered by the refund, like the share supply; still two backers (they contributed).
      expect(await raisedOf(id)).toEqual({
        indexed: String(usd(100)),
        onChain: String(usd(100)),
        backers: 2,
      });
      const [refunded] = await queryRows<{ refunded: string; shares: string }>(
        db.handle.db,
        sql`select refunded::text, shares::text from backers
            where bounty_id = ${String(id)} and account = ${backerA.address}`,
      );
      expect(refunded).toEqual({ refunded: String(usd(200)), shares: "0" });

      // The refund's block is orphaned: the raised amount goes back up.
      await c.testClient.revert({ id: snapshot });
      await c.testClient.mine({ blocks: 3 });
      expect((await indexer.step()).rolledBackTo).toBeDefined();
      await indexer.catchUp();
      expect(await raisedOf(id)).toEqual({
        indexed: String(usd(300)),
        onChain: String(usd(300)),
        backers: 2,
      });

      // Both refund on the new chain: nothing raised is left.
      await c.send(backerB, "refund", [id, backerB.address]);
      await c.send(backerA, "refund", [id, backerA.address]);
      await indexer.catchUp();
      expect(await raisedOf(id)).toEqual({ indexed: "0", onChain: "0", backers: 2 });
    } finally {
      await db.stop();
    }
  });
});

describe("the indexer process", () => {
  it("killed with SIGKILL mid-backfill and restarted, ends with the same database", async () => {
    const served = await testDatabase();
    const reference = await testDatabase();
    const env = {
      PATH: process.env.PATH,
      RPC_URL: anvil.url,
      REDIS_URL: redisService.url,
      DATABASE_URL: served.url,
      DEPLOYMENTS_DIR: dir.dir,
      QUEUE_PREFIX: uniqueId("test-indexer-kill"),
      INDEXER_MAX_RANGE: "3",
      INDEXER_REORG_WINDOW: "64", // as indexerFor(), so the kept block hashes match too
      INDEXER_POLL_MS: "100",
      LOG_LEVEL: "debug",
    };
    const cursor = async () =>
      Number(
        (await queryRows<{ cursor: number }>(served.handle.db, sql`select cursor from indexer_state`))[0]
          ?.cursor ?? 0,
      );
    try {
      await indexerFor(reference.handle.db).catchUp();
      const head = Number(await c.publicClient.getBlockNumber({ cacheTime: 0 }));
      const first = startProcess({
        name: "indexer",
        ...nodeTs("jobs/indexer-process.ts"),
        cwd: root,
        env,
        onLine: () => {},
      });
      try {
        await waitUntil(async () => (await cursor()) > head / 2);
        process.kill(first.child.pid as number, "SIGKILL");
        await first.exited;
      } finally {
        await first.stop(2_000); // a no-op once killed; never left behind if the wait fails
      }
      expect(await cursor()).toBeLessThan(head);

      const second = startProcess({
        name: "indexer",
        ...nodeTs("jobs/indexer-process.ts"),
        cwd: root,
        env,
        onLine: () => {},
      });
      try {
        await waitUntil(async () => (await cursor()) === head);
      } finally {
        await second.stop(5_000);
      }
      expect(await dump(served.handle.db)).toEqual(await dump(reference.handle.db));
    } finally {
      await served.stop();
      await reference.stop();
      const queue = new Queue(QUEUE.dispatch, { connection, prefix: env.QUEUE_PREFIX });
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});

describe("hostile but valid input", () => {
  it("indexes a NUL in a checkpoint URI instead of getting stuck", async () => {
    const db = await testDatabase();
    try {
      const dao = anvilAccount(1);
      const backer = anvilAccount(3);
      const trainer = anvilAccount(7);
      // (Protocol v2 bounds deadlines and target scores on-chain: no deadline past 2^63 can be created.)
      const id = await c.createBounty(dao, 1_000n);
      await c.send(backer, "fund", [id, 1_000n]);
      await c.send(trainer, "claim", [id]);
      const { submissionId } = await c.commitAndReveal(
        trainer,
        id,
        `0x${"04".repeat(32)}`,
        "ipfs://a\u0000b",
      );

      await indexerFor(db.handle.db).catchUp();
      const [sub] = await queryRows<{ submission_id: string; uri: string; checkpoint_hash: string }>(
        db.handle.db,
        sql`select submission_id::text, uri, checkpoint_hash from submissions where bounty_id = ${String(id)}`,
      );
      expect(sub).toEqual({
        submission_id: String(submissionId),
        uri: "ipfs://a\uFFFDb",
        checkpoint_hash: `0x${"04".repeat(32)}`,
      });
    } finally {
      await db.stop();
    }
  });

  it("refuses to continue an index made for another board", async () => {
    const db = await testDatabase();
    try {
      await indexerFor(db.handle.db).catchUp();
      const other = indexerFor(db.handle.db, { board: "0x000000000000000000000000000000000000bEEF" });
      await expect(other.step()).rejects.toThrow(BoardChangedError);
    } finally {
      await db.stop();
    }
  });
});

describe("token metadata", () => {
  it("reads each token's symbol, name and decimals once, with fallbacks for tokens that answer badly", async () => {
    const db = await testDatabase();
    const fresh = await testDatabase();
    const flaky = await startFlakyRpc(anvil.url);
    try {
      // Tokens that answer badly, placed with anvil_setCode, then allowlisted; a bounty in the first.
      const bytes32Token = getAddress("0x00000000000000000000000000000000000b3232");
      const revertingToken = getAddress("0x0000000000000000000000000000000000005e5e");
      const hostileToken = getAddress("0x000000000000000000000000000000000000bad1");
      const codeless = getAddress("0x000000000000000000000000000000000000c0de");
      const longName = "Long ".repeat(100);
      await c.testClient.setCode({
        address: bytes32Token,
        // MKR-style: symbol() answers a bytes32, name() reverts, decimals() answers 9.
        bytecode: viewsContract({
          "symbol()": stringToHex("MKR", { size: 32 }),
          "decimals()": encodeAbiParameters([{ type: "uint8" }], [9]),
        }),
      });
      await c.testClient.setCode({ address: revertingToken, bytecode: viewsContract({}) });
      await c.testClient.setCode({
        address: hostileToken,
        // A NUL and a newline in the symbol, a 500-character name, decimals() past a uint8.
        bytecode: viewsContract({
          "symbol()": encodeAbiParameters([{ type: "string" }], ["C\u0000T\nT"]),
          "name()": encodeAbiParameters([{ type: "string" }], [longName]),
          "decimals()": encodeAbiParameters([{ type: "uint256" }], [300n]),
        }),
      });
      const admin = anvilAccount(0);
      for (const token of [bytes32Token, revertingToken, hostileToken, codeless]) {
        await c.send(admin, "setTokenAllowed", [token, true]);
      }
      const now = (await c.publicClient.getBlock()).timestamp;
      await c.send(
        anvilAccount(1),
        "createBounty",
        createBountyArgs({
          token: bytes32Token,
          goal: 5_000_000_000n,
          fundingDeadline: now + 86_400n,
          deliveryDeadline: now + 172_800n,
          specHash: `0x${"05".repeat(32)}`,
          evalSetCommitment: `0x${"06".repeat(32)}`,
          metricId: stringToHex("accuracy", { size: 32 }),
          targetScore: 800_000_000n,
          direction: 0,
          arbiter: anvilAccount(1).address,
        }),
      );

      // A node failure while reading metadata writes nothing (no fallback is stored); the retry reads it all.
      const indexer = indexerFor(db.handle.db, { chain: createChainClient(flaky.url, 2_000) });
      flaky.callFaults.push("drop");
      await expect(indexer.catchUp()).rejects.toThrow();
      expect(await queryRows(db.handle.db, sql`select * from tokens`)).toEqual([]);
      await indexer.catchUp();

      const rows = await queryRows<{ token: string; symbol: string; name: string; decimals: number }>(
        db.handle.db,
        sql`select token, symbol, name, decimals, allowed from tokens order by token`,
      );
      const byToken = Object.fromEntries(rows.map((row) => [row.token, row]));
      expect(byToken[c.token]).toEqual({
        token: c.token,
        symbol: DEV_TOKEN.symbol,
        name: DEV_TOKEN.name,
        decimals: DEV_TOKEN.decimals,
        allowed: true,
      });
      expect(byToken[bytes32Token]).toMatchObject({ symbol: "MKR", name: bytes32Token, decimals: 9 });
      expect(byToken[revertingToken]).toMatchObject({
        symbol: "0x0000…5e5E",
        name: revertingToken,
        decimals: FALLBACK_DECIMALS,
      });
      expect(byToken[hostileToken]).toMatchObject({ symbol: "CTT", decimals: FALLBACK_DECIMALS });
      expect(byToken[hostileToken]?.name).toHaveLength(128);
      expect(byToken[hostileToken]?.name.endsWith("…")).toBe(true);
      expect(byToken[codeless]).toMatchObject({ symbol: "0x0000…c0DE", decimals: FALLBACK_DECIMALS });
      expect(rows).toHaveLength(5);

      // The same as an index made without faults; another run reads nothing again.
      await indexerFor(fresh.handle.db).catchUp();
      expect(await dump(db.handle.db)).toEqual(await dump(fresh.handle.db));
      const readAt = sql`select token, indexed_at from tokens order by token`;
      const before = await queryRows(db.handle.db, readAt);
      await indexerFor(db.handle.db).step();
      expect(await queryRows(db.handle.db, readAt)).toEqual(before);

      // An index written before metadata and margins existed (rows without them) is filled in on the next run.
      await db.handle.db.execute(
        sql`update tokens set symbol = null, name = null, decimals = null, indexed_at = null`,
      );
      await db.handle.db.execute(sql`update bounties set best_margin = null`);
      await indexerFor(db.handle.db).step();
      expect(await dump(db.handle.db)).toEqual(await dump(fresh.handle.db));
    } finally {
      await flaky.close();
      await db.stop();
      await fresh.stop();
    }
  });
});

describe("a reorg deeper than the kept window", () => {
  it("stops the indexer with a clear error instead of guessing", async () => {
    const db = await testDatabase();
    try {
      const indexer = indexerFor(db.handle.db, { reorgWindow: 2 });
      await indexer.catchUp();
      const snapshot = await c.testClient.snapshot();
      await c.testClient.mine({ blocks: 5 });
      await indexer.catchUp();
      await c.testClient.revert({ id: snapshot });
      // Different blocks at the same heights, reaching past the old head. Empty blocks differ only by their
      // timestamps: a jump far beyond the seconds the first mining took makes every one of them new.
      await c.testClient.increaseTime({ seconds: 1_000 });
      await c.testClient.mine({ blocks: 8 });
      await expect(indexer.step()).rejects.toThrow(ReorgTooDeepError);
      await expect(indexer.step()).rejects.toThrow(/deeper than the 2 kept blocks/);
    } finally {
      await db.stop();
    }
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("condition not met in time");
}

/**
 * A JSON-RPC proxy in front of anvil that misbehaves on purpose: eth_getLogs over more than 40 blocks
 * is refused as too large, and queued faults make the next eth_getLogs time out or drop its connection
 * (`faults`), or drop the next eth_call's (`callFaults`).
 */
async function startFlakyRpc(upstream: string) {
  const faults: ("timeout" | "drop")[] = [];
  const callFaults: "drop"[] = [];
  let refusedRanges = 0;
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const request = JSON.parse(body) as {
      id: number;
      method: string;
      params: { fromBlock: string; toBlock: string }[];
    };
    if (request.method === "eth_call" && callFaults.shift() === "drop") return req.socket.destroy();
    if (request.method === "eth_getLogs") {
      const fault = faults.shift();
      if (fault === "drop") return req.socket.destroy();
      if (fault === "timeout") return; // never answer: the client times out
      const { fromBlock, toBlock } = request.params[0] ?? { fromBlock: "0x0", toBlock: "0x0" };
      if (Number(toBlock) - Number(fromBlock) + 1 > 40) {
        refusedRanges++;
        res.setHeader("content-type", "application/json");
        return res.end(
          JSON.stringify({
            jsonrpc: "2.0",
            id: request.id,
            error: { code: -32005, message: "block range too large: max 40" },
          }),
        );
      }
    }
    const answer = await fetch(upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    res.setHeader("content-type", "application/json");
    res.end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    callFaults,
    get refusedRanges() {
      return refusedRanges;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runtime bytecode of a contract whose view functions answer fixed return data: `answers` maps a
 * signature (`"symbol()"`) to the bytes it returns; every other call reverts. Assembled by hand: a
 * selector dispatch, then per answer a CODECOPY of its bytes from the code's tail and a RETURN.
 */
function viewsContract(answers: Record<string, Hex>): Hex {
  const entries = Object.entries(answers);
  const u16 = (n: number) => numberToHex(n, { size: 2 });
  const DISPATCH = 6 + 11 * entries.length + 5; // selector load, one test per answer, the final revert
  const BRANCH = 16; // JUMPDEST, PUSH2 len, PUSH2 offset, PUSH1 0, CODECOPY, PUSH2 len, PUSH1 0, RETURN
  const dataStart = DISPATCH + BRANCH * entries.length;
  let dataOffset = dataStart;
  const dispatch: Hex[] = ["0x60003560e01c"]; // PUSH1 0 CALLDATALOAD PUSH1 0xe0 SHR
  const branches: Hex[] = [];
  entries.forEach(([signature, data], i) => {
    // DUP1 PUSH4 selector EQ PUSH2 branch JUMPI
    dispatch.push(
      concatHex(["0x8063", toFunctionSelector(signature), "0x1461", u16(DISPATCH + BRANCH * i), "0x57"]),
    );
    const length = u16(size(data));
    branches.push(concatHex(["0x5b61", length, "0x61", u16(dataOffset), "0x60003961", length, "0x6000f3"]));
    dataOffset += size(data);
  });
  dispatch.push("0x60006000fd"); // PUSH1 0 PUSH1 0 REVERT
  return concatHex([...dispatch, ...branches, ...entries.map(([, data]) => data)]);
}
