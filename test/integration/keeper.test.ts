/**
 * The keeper on anvil, with its index in PostgreSQL: scheduled as the worker schedules it (a BullMQ job
 * scheduler on the `keeper` queue, served by the worker runtime), it
 * finalizes a Funding bounty past its funding deadline as Failed and a Funded
 * one whose qualifying best has stood its challenge window as Verifying, then
 * unlocks its payout (Fulfilled) once its reveal period passes without an
 * eval-set reveal, and leaves alone one still funding, one Funded with nothing
 * to judge yet, one whose best was scored too recently, and a Verifying one
 * not yet unlockable (protocol v2, ADR 016). Then: a race lost to someone else's
 * finalize (a stale index) is skipped, a bounty locked by another run is not
 * sent twice, a run sends at most its bound, and interval 0 removes the
 * schedule. Each database target indexes the same chain: the bounties an
 * earlier target left behind are either final or far from due.
 */
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { type Hex, keccak256, parseEventLogs, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { BOUNTY_STATUS } from "../../core/board.js";
import { anvilAccount } from "../../core/dev-chain.js";
import { createLogger } from "../../core/logger.js";
import { type DeployResult, deployContracts } from "../../jobs/deployments/deploy.js";
import { syncDeployment } from "../../jobs/deployments/sync.js";
import { Keeper, keeperFromEnv } from "../../jobs/keeper/keeper.js";
import { syncKeeperSchedule } from "../../jobs/keeper/schedule.js";
import { KEEPER_SCHEDULER_ID, QUEUE } from "../../jobs/queues.js";
import { type RunningWorkers, startWorkers } from "../../jobs/runtime.js";
import { createChainClient } from "../../server/chain.js";
import { createRedis } from "../../server/redis.js";
import { type BoardClients, boardClients, usd } from "../setup/board-activity.js";
import {
  startTestAnvil,
  startTestRedis,
  type TestDb,
  type TestService,
  tempDir,
  testDatabase,
  uniqueId,
  waitUntil,
} from "../setup/fixtures.js";
import { testIndexer } from "../setup/indexer.js";

const log = createLogger("test", "silent");
const DAO = anvilAccount(1);
const EVALUATOR = anvilAccount(2);
const BACKER = anvilAccount(3);
const TRAINER = anvilAccount(5);
const DAY = 86_400;

const dir = tempDir("keeper");
let redisService: TestService;
// One chain for every database target (each indexes it afresh): the keeper's account keeps one nonce
// sequence per chain id in this process (viem's nonce manager), as in a worker.
let anvil: TestService;
let deployed: DeployResult;
let c: BoardClients;

beforeAll(async () => {
  [anvil, redisService] = await Promise.all([startTestAnvil(), startTestRedis()]);
  deployed = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir });
  c = boardClients(anvil.url, deployed.deployment);
  await c.approveAll([BACKER, TRAINER]);
});

afterAll(async () => {
  await Promise.all([anvil?.stop(), redisService?.stop()]);
  dir.remove();
});

describe("the keeper", () => {
  const prefix = uniqueId("test-keeper");
  let testDb: TestDb;
  let connection: Redis;
  let queue: Queue;
  let keeper: Keeper;

  const statusOf = async (bountyId: bigint) => {
    const bounty = await c.publicClient.readContract({
      address: c.board,
      abi: bountyBoardAbi,
      functionName: "getBounty",
      args: [bountyId],
    });
    return BOUNTY_STATUS[bounty.status];
  };
  const index = () => testIndexer(testDb.handle.db, anvil.url, deployed.deployment).catchUp();
  /** A bounty still funding: 10 of 1,000 ctUSD raised, its funding deadline `days` away. */
  const underfunded = async (days: number) => {
    const id = await c.createBounty(DAO, usd(1_000), days, days + 30);
    await c.send(BACKER, "fund", [id, usd(10)]);
    return id;
  };
  /** A Funded bounty (every period 1 h); with `scored`, a qualifying submission revealed and scored now. */
  const funded = async (scored: boolean) => {
    const id = await c.createBounty(DAO, usd(100), 7, 30);
    await c.send(BACKER, "fund", [id, usd(100)]);
    if (scored) await submitScored(id);
    return id;
  };
  const submitScored = async (id: bigint) => {
    await c.send(TRAINER, "claim", [id]);
    const { submissionId } = await c.commitAndReveal(
      TRAINER,
      id,
      keccak256(stringToHex(`ckpt ${id}`)),
      `ckpt://${id}`,
    );
    // 0.9 accuracy (1e9 on-chain): above the 0.8 target.
    await c.send(EVALUATOR, "publishEvaluation", [
      submissionId,
      900_000_000n,
      keccak256(stringToHex(`r ${id}`)),
    ]);
  };
  /** The bounty ids a keeper transaction finalized, with their new status (from its BountyFinalized event). */
  const finalizedBy = async (txHash: Hex) => {
    const receipt = await c.publicClient.getTransactionReceipt({ hash: txHash });
    return parseEventLogs({ abi: bountyBoardAbi, eventName: "BountyFinalized", logs: receipt.logs }).map(
      (e) => [String(e.args.bountyId), BOUNTY_STATUS[e.args.status]],
    );
  };
  const passDays = async (days: number) => {
    await c.testClient.increaseTime({ seconds: days * DAY });
    await c.testClient.mine({ blocks: 1 });
  };

  beforeAll(async () => {
    testDb = await testDatabase();
    const chain = createChainClient(anvil.url);
    await syncDeployment(deployed.deployment, { db: testDb.handle.db, chain, log });
    connection = createRedis(redisService.url, "worker");
    queue = new Queue(QUEUE.keeper, { connection, prefix });
    const fromEnv = keeperFromEnv(
      {
        RPC_URL: anvil.url,
        CHAIN_ID: 31_337,
        QUEUE_PREFIX: prefix,
        KEEPER_INTERVAL_MS: 1_000,
        KEEPER_PRIVATE_KEY: undefined,
      },
      { db: testDb.handle.db, chain, redis: connection, log },
    );
    if (!fromEnv) throw new Error("the keeper has a default key on anvil");
    keeper = fromEnv;
  });

  afterAll(async () => {
    await queue?.obliterate({ force: true }); // only this test's prefix
    await queue?.close();
    connection?.disconnect();
    await testDb?.stop();
  });

  it("signs with the evaluator's anvil account by default", () => {
    expect(keeper.address).toBe(EVALUATOR.address);
  });

  it("finalizes, on its schedule, what is due and leaves alone what is not", async () => {
    const pastDeadline = await underfunded(1);
    const stillFunding = await underfunded(60);
    const bestStood = await funded(true);
    const nothingToJudge = await funded(false);
    const scoredLate = await funded(false);
    await passDays(2);
    await submitScored(scoredLate); // its best has stood 0 s of its 1 h window
    await index();

    let running: RunningWorkers | undefined;
    try {
      running = startWorkers(
        { db: testDb.handle.db, chain: createChainClient(anvil.url), log, keeper },
        { connection, prefix, concurrency: 1, queues: [QUEUE.keeper] },
      );
      expect(await syncKeeperSchedule(queue, 1_000)).toBe("scheduled");
      expect((await queue.getJobSchedulers()).map((s) => [s.key, s.every])).toEqual([
        [KEEPER_SCHEDULER_ID, 1_000],
      ]);
      await waitUntil(
        "the keeper's first run",
        async () => ((await queue.getCompleted()).length > 0 ? true : undefined),
        20_000,
      );
    } finally {
      await running?.close(5_000);
    }
    const [first] = (await queue.getCompleted()).reverse();
    const run = first?.returnvalue as Awaited<ReturnType<Keeper["run"]>>;
    expect(run.sent).toBe(2);
    expect(run.results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ bountyId: String(pastDeadline), outcome: "finalized", status: "Failed" }),
        expect.objectContaining({ bountyId: String(bestStood), outcome: "finalized", status: "Verifying" }),
        expect.objectContaining({
          bountyId: String(scoredLate),
          outcome: "not-due",
          reason: expect.stringMatching(/^finalizable at \d+$/),
        }),
      ]),
    );
    expect(run.results).toHaveLength(3);
    // The status the keeper reports is the one the board emitted.
    for (const r of run.results) {
      if (r.outcome === "finalized") expect(await finalizedBy(r.txHash)).toEqual([[r.bountyId, r.status]]);
    }
    // Not even candidates: still funding, or Funded with no best before its delivery deadline.
    const looked = run.results.map((r) => r.bountyId);
    expect(looked).not.toContain(String(stillFunding));
    expect(looked).not.toContain(String(nothingToJudge));

    expect(await statusOf(pastDeadline)).toBe("Failed");
    expect(await statusOf(bestStood)).toBe("Verifying");
    expect(await statusOf(stillFunding)).toBe("Funding");
    expect(await statusOf(nothingToJudge)).toBe("Funded");
    expect(await statusOf(scoredLate)).toBe("Funded");

    // Once the index knows, the next run has nothing left to send: the Verifying one unlocks only after
    // its reveal period (no eval set was revealed), so it is not even a candidate yet.
    await index();
    const again = await keeper.run();
    expect(again.sent).toBe(0);
    expect(again.results.map((r) => [r.bountyId, r.outcome])).toEqual([[String(scoredLate), "not-due"]]);

    // A day on, the late best has stood its challenge window too, and the first payout unlocks.
    await passDays(1);
    const later = await keeper.run();
    expect(later.sent).toBe(2);
    expect(later.results).toEqual([
      expect.objectContaining({ bountyId: String(scoredLate), outcome: "finalized", status: "Verifying" }),
      expect.objectContaining({ bountyId: String(bestStood), action: "unlockPayout", outcome: "unlocked" }),
    ]);
    expect(await statusOf(bestStood)).toBe("Fulfilled");
    expect(await statusOf(scoredLate)).toBe("Verifying");
    await index();

    // Another day: the second payout unlocks; nothing else is due (both trainers keep their bonds).
    await passDays(1);
    const last = await keeper.run();
    expect(last.results).toEqual([
      expect.objectContaining({ bountyId: String(scoredLate), action: "unlockPayout", outcome: "unlocked" }),
    ]);
    expect(await statusOf(scoredLate)).toBe("Fulfilled");
    await index();

    // Interval 0 turns it off: the schedule is removed from Redis.
    expect(await syncKeeperSchedule(queue, 0)).toBe("removed");
    expect(await queue.getJobSchedulers()).toEqual([]);
  });

  it("skips a bounty someone else finalized first (a stale index), and one another run holds", async () => {
    const raced = await underfunded(1);
    const locked = await underfunded(1);
    await passDays(2);
    await index();
    await c.send(BACKER, "finalize", [raced]); // not indexed yet: still a candidate
    const lockKey = `${prefix}:keeper:finalizing:31337:${locked}`;
    await connection.set(lockKey, "another worker", "PX", 60_000);

    const run = await keeper.run();
    expect(run.sent).toBe(0);
    expect(run.results).toHaveLength(2);
    expect(run.results).toEqual(
      expect.arrayContaining([
        {
          bountyId: String(raced),
          action: "finalize",
          outcome: "already-final",
          reason: expect.stringMatching(/^BountyBoard_WrongStatus\(/),
        },
        {
          bountyId: String(locked),
          action: "finalize",
          outcome: "locked",
          reason: "another run is finalizing it",
        },
      ]),
    );
    expect(await statusOf(locked)).toBe("Funding");
    expect(await connection.get(lockKey)).toBe("another worker");

    // Released, it is finalized, and its lock goes with the receipt.
    await connection.del(lockKey);
    const next = await keeper.run();
    expect(next.results).toEqual(
      expect.arrayContaining([expect.objectContaining({ bountyId: String(locked), outcome: "finalized" })]),
    );
    expect(await connection.exists(lockKey)).toBe(0);
    await index();
  });

  it("sends at most its bound per run and leaves the rest for the next", async () => {
    const due = [await underfunded(1), await underfunded(1), await underfunded(1)];
    await passDays(2);
    await index();
    const bounded = new Keeper({ ...keeper.options, maxSends: 2 });
    const first = await bounded.run();
    expect([first.sent, first.deferred]).toEqual([2, 1]);
    await index();
    const second = await bounded.run();
    expect([second.sent, second.deferred]).toEqual([1, 0]);
    for (const id of due) expect(await statusOf(id)).toBe("Failed");
  });
});
