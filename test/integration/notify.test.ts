/**
 * The `notify` queue end to end on real services: bounties ended on anvil
 * (protocol v2: one finalized as Verifying, its eval set revealed and its
 * payout unlocked as Fulfilled; one Failed; one cancelled), indexed into
 * PostgreSQL in two steps (up to the
 * finalizations, then the unlock), their effects (BountyFinalized,
 * BountyCancelled, PayoutUnlocked) enqueued by the indexer's outbox and served
 * by the worker runtime, which writes one notification per concerned account.
 * Then idempotency (the same job again, re-delivered under another id, and
 * twice at once), a payload whose bounty is in another state, and the model's
 * list, unread count and mark-read.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Queue, UnrecoverableError } from "bullmq";
import { and, asc, eq } from "drizzle-orm";
import type { Redis } from "ioredis";
import { keccak256, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  listNotifications,
  markNotificationsRead,
  unreadNotificationCount,
} from "../../app/models/notification.server.js";
import { findWebhook, saveWebhook } from "../../app/models/webhook.server.js";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { anvilAccount } from "../../core/dev-chain.js";
import { formatScore } from "../../core/format.js";
import { createLogger } from "../../core/logger.js";
import { blobsClassifierSpec } from "../../core/spec.examples.js";
import { fromOnchainScore, onchainSpecTerms } from "../../core/spec.js";
import type { Database } from "../../db/client.js";
import { notifications } from "../../db/schema/index.js";
import { registerSpec } from "../../jobs/bounties/specs.js";
import { type DeployResult, deployContracts } from "../../jobs/deployments/deploy.js";
import { syncDeployment } from "../../jobs/deployments/sync.js";
import {
  deliverWebhook,
  notifyBountyFinalized,
  notifyFirstLease,
  signWebhook,
  sweepWebhooks,
  type WebhookBody,
} from "../../jobs/notifications/index.js";
import { JOB, QUEUE } from "../../jobs/queues.js";
import { type RunningWorkers, startWorkers, type WorkerDeps } from "../../jobs/runtime.js";
import { evalSetCommitment } from "../../ml/evalset.js";
import { createChainClient } from "../../server/chain.js";
import { createRedis } from "../../server/redis.js";
import {
  type BoardClients,
  boardClients,
  createBountyArgs,
  DEV_BOUNTY_PERIODS,
  PLACEHOLDER_EVAL_SET,
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
  waitUntil,
} from "../setup/fixtures.js";
import { testIndexer } from "../setup/indexer.js";
import { waitForCompleted } from "../setup/queues.js";

const log = createLogger("test", "silent");

/**
 * Sweeps until `expected` deliveries are queued in all (the sweep takes only notifications every running
 * transaction can see: another test file's open transaction on the shared PostgreSQL server can hold them
 * back a moment), then checks that one more sweep queues nothing.
 */
async function sweepUntil(db: Database, queue: Queue, expected: number): Promise<void> {
  let queued = 0;
  await waitUntil(
    `${expected} webhook deliveries queued`,
    async () => {
      queued += await sweepWebhooks(db, queue);
      return queued >= expected ? true : undefined;
    },
    10_000,
  );
  expect(queued).toBe(expected);
  expect(await sweepWebhooks(db, queue)).toBe(0); // each webhook's cursor moved past them
}
const dir = tempDir("notify");
const DAO = anvilAccount(1);
const EVALUATOR = anvilAccount(2);
const BACKER_A = anvilAccount(3);
const BACKER_B = anvilAccount(4);
const TRAINER = anvilAccount(5);
const QUITTER = anvilAccount(6); // backs the failing bounty, then gives all its shares away
const HOLDER = anvilAccount(7); // never funds; receives shares of both bounties

let anvil: TestService;
let redisService: TestService;
let deployed: DeployResult;
let c: BoardClients;
/** Fulfilled: Blob classifier, raised 100 ctUSD (fee 2.5%: the payout is 97.5); Verifying first. */
let fulfilled: bigint;
/** Its winning submission (the only one): the id of its commit. */
let winner: bigint;
/** Its score, as published. */
let score: bigint;
/** The last block of the chain while the fulfilled bounty was still Verifying (before its unlock). */
let verifyingBlock: bigint;
/** Failed: 70 of 10,000 ctUSD raised by its funding deadline. */
let failed: bigint;
/** Cancelled by its DAO with 30 ctUSD raised. */
let cancelled: bigint;

beforeAll(async () => {
  [anvil, redisService] = await Promise.all([startTestAnvil(), startTestRedis()]);
  deployed = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir });
  c = boardClients(anvil.url, deployed.deployment);
  await c.approveAll([BACKER_A, BACKER_B, TRAINER, QUITTER]);

  const now = (await c.publicClient.getBlock()).timestamp;
  const terms = onchainSpecTerms(blobsClassifierSpec);
  await c.send(
    DAO,
    "createBounty",
    createBountyArgs({
      token: c.token,
      goal: usd(100),
      fundingDeadline: now + 7n * 86_400n,
      deliveryDeadline: now + 30n * 86_400n,
      specHash: terms.specHash,
      evalSetCommitment: evalSetCommitment(PLACEHOLDER_EVAL_SET.sha256, PLACEHOLDER_EVAL_SET.salt),
      metricId: terms.metricId,
      targetScore: terms.targetScore,
      direction: terms.direction,
      bond: usd(5),
      arbiter: DAO.address,
    }),
  );
  [fulfilled] = await c.publicClient.readContract({
    address: c.board,
    abi: bountyBoardAbi,
    functionName: "counts",
  });
  failed = await c.createBounty(DAO, usd(10_000));
  cancelled = await c.createBounty(DAO, usd(10_000));
  await c.send(BACKER_B, "fund", [cancelled, usd(30)]);
  await c.send(DAO, "cancelBounty", [cancelled]);

  await c.send(BACKER_A, "fund", [fulfilled, usd(60)]);
  await c.send(BACKER_B, "fund", [fulfilled, usd(40)]); // the goal: Funded
  await c.send(BACKER_B, "transfer", [HOLDER.address, fulfilled, usd(10)]);
  await c.send(TRAINER, "claim", [fulfilled]);
  ({ submissionId: winner } = await c.commitAndReveal(
    TRAINER,
    fulfilled,
    keccak256(stringToHex("notify checkpoint")),
    "crowdtrain://ckpt/notify",
  ));
  score = terms.targetScore + 10_000n;
  await c.send(EVALUATOR, "publishEvaluation", [winner, score, keccak256(stringToHex("notify report"))]);

  await c.send(BACKER_A, "fund", [failed, usd(50)]);
  await c.send(QUITTER, "fund", [failed, usd(20)]);
  await c.send(QUITTER, "transfer", [HOLDER.address, failed, usd(20)]);

  // Past the challenge window of the first and the funding deadline of the second.
  await c.testClient.increaseTime({ seconds: 8 * 86_400 });
  await c.testClient.mine({ blocks: 1 });
  await c.send(BACKER_A, "finalize", [fulfilled]); // Verifying: a qualifying best
  await c.send(BACKER_A, "finalize", [failed]);
  // cacheTime 0: viem caches the block number for its polling interval, which could predate these blocks.
  verifyingBlock = await c.publicClient.getBlockNumber({ cacheTime: 0 });

  // The DAO reveals the eval set; the payout unlocks a verification period later.
  await c.revealEvalSet(DAO, fulfilled);
  await c.testClient.increaseTime({ seconds: DEV_BOUNTY_PERIODS.verificationPeriod + 1 });
  await c.testClient.mine({ blocks: 1 });
  await c.send(BACKER_A, "unlockPayout", [fulfilled]);
});

afterAll(async () => {
  await Promise.all([anvil?.stop(), redisService?.stop()]);
  dir.remove();
});

async function rowsOf(db: Database, bountyId: bigint) {
  return db
    .select({ account: notifications.account, kind: notifications.kind, message: notifications.message })
    .from(notifications)
    .where(and(eq(notifications.chainId, 31_337), eq(notifications.bountyId, String(bountyId))))
    .orderBy(asc(notifications.kind), asc(notifications.account));
}

describe("notify", () => {
  let testDb: TestDb;
  let connection: Redis;
  let queue: Queue;
  let running: RunningWorkers;
  const prefix = uniqueId("test-notify");

  beforeAll(async () => {
    testDb = await testDatabase();
    const db = testDb.handle.db;
    await registerSpec(db, blobsClassifierSpec);
    await syncDeployment(deployed.deployment, { db, chain: createChainClient(anvil.url), log });
    connection = createRedis(redisService.url, "worker");
    queue = new Queue(QUEUE.notify, { connection, prefix });
    // The indexer enqueues the effects; the worker runtime serves the notify queue. First the chain up to
    // the finalizations only (the head held back by as many confirmations), so the Verifying job finds the
    // bounty Verifying in the index; then the rest (the unlock).
    const queues = { [QUEUE.notify]: queue };
    const held = Number((await c.publicClient.getBlockNumber({ cacheTime: 0 })) - verifyingBlock);
    expect(held).toBeGreaterThan(0);
    await testIndexer(db, anvil.url, deployed.deployment, { queues, confirmations: held }).catchUp();
    running = startWorkers(
      { db, chain: createChainClient(anvil.url), log },
      { connection, prefix, concurrency: 2, queues: [QUEUE.notify] },
    );
    // Funded and scored (the fulfilled bounty), its and the failed one's finalizations, the cancellation.
    await waitForCompleted(
      queue,
      5,
      "the funding, the verdict, the finalizations and the cancellation notified",
      60_000,
    );
    await testIndexer(db, anvil.url, deployed.deployment, { queues }).catchUp();
  });

  afterAll(async () => {
    await running?.close(5_000);
    await queue?.obliterate({ force: true }); // only this test's prefix
    await queue?.close();
    connection?.disconnect();
    await testDb?.stop();
  });

  /**
   * A receiver on this machine answering with `handle`, the webhooks queue, and `concurrency` workers
   * delivering to it with `webhooks`' settings; `close` stops and clears them.
   */
  async function webhookRig(
    handle: http.RequestListener,
    webhooks: NonNullable<WorkerDeps["webhooks"]>,
    concurrency: number,
  ) {
    const server = http.createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const webhookQueue = new Queue(QUEUE.webhooks, { connection, prefix });
    const workers = startWorkers(
      { db: testDb.handle.db, chain: createChainClient(anvil.url), log, webhooks },
      { connection, prefix, concurrency, queues: [QUEUE.webhooks] },
    );
    return {
      url: `http://127.0.0.1:${port}`,
      queue: webhookQueue,
      close: async () => {
        await workers.close(5_000);
        await webhookQueue.obliterate({ force: true });
        await webhookQueue.close();
        server.close();
      },
    };
  }

  it("tells the winner and the DAO of a Verifying bounty, then the backers and shareholders once fulfilled", async () => {
    const db = testDb.handle.db;
    await waitForCompleted(queue, 6, "the unlock notified", 60_000);
    const label = `Blob classifier (bounty #${fulfilled})`;
    const trainer = `${TRAINER.address.slice(0, 6)}…${TRAINER.address.slice(-4)}`;
    expect(await rowsOf(db, fulfilled)).toEqual(
      [
        {
          account: TRAINER.address,
          kind: "payout-pending",
          message: `Your submission #${winner} won ${label}. Its payout unlocks once the eval set is revealed and the verification period passes without an upheld dispute.`,
        },
        {
          account: DAO.address,
          kind: "eval-set-reveal",
          message: `${label} was finalized: submission #${winner} by ${trainer} leads. Reveal its eval set from the bounty page so anyone can re-check the scores; the verification period starts then.`,
        },
        {
          account: DAO.address,
          kind: "bounty-fulfilled",
          message: `${label} was fulfilled: submission #${winner} by ${trainer} met the target; its trainer's payout is 97.5 ctUSD.`,
        },
        ...[BACKER_A, BACKER_B, HOLDER].map((backer) => ({
          account: backer.address,
          kind: "model-delivered",
          message: `The model you backed was delivered: ${label} was fulfilled by submission #${winner}. Your shares earn a part of any revenue it brings.`,
        })),
        {
          account: TRAINER.address,
          kind: "payout-available",
          message: `${label} was fulfilled by your submission #${winner}: withdraw your payout of 97.5 ctUSD.`,
        },
        // Earlier: funded (the DAO, and each backer: HOLDER only received shares), and scored (its trainer).
        {
          account: DAO.address,
          kind: "bounty-funded",
          message: `${label} reached its goal with 100 ctUSD raised: it is queued for a GPU pool to train it.`,
        },
        ...[BACKER_A, BACKER_B].map((backer) => ({
          account: backer.address,
          kind: "backed-funded",
          message: `${label}, which you backed, reached its goal with 100 ctUSD raised: training is queued.`,
        })),
        {
          account: TRAINER.address,
          kind: "submission-scored",
          message: `Your submission #${winner} to ${label} scored accuracy ${formatScore(fromOnchainScore(score))}: it meets the target of ≥ ${formatScore(blobsClassifierSpec.metric.target)}. Anyone may dispute a verdict during its challenge window.`,
        },
      ].sort((a, b) => a.kind.localeCompare(b.kind) || a.account.localeCompare(b.account)),
    );
  });

  it("tells the backers still holding shares of a failed bounty, and its DAO, why it failed", async () => {
    const rows = await rowsOf(testDb.handle.db, failed);
    const label = `Bounty #${failed}`;
    // QUITTER gave its shares away: nothing to refund it; HOLDER never funded but holds them.
    expect(rows).toEqual(
      [
        {
          account: DAO.address,
          kind: "bounty-failed",
          message: `${label} failed: it did not reach its funding goal by the deadline. Its backers can withdraw their refunds.`,
        },
        {
          account: BACKER_A.address,
          kind: "refund-available",
          message: `${label} failed: a refund of 50 ctUSD is available to you.`,
        },
        {
          account: HOLDER.address,
          kind: "refund-available",
          message: `${label} failed: a refund of 20 ctUSD is available to you.`,
        },
      ].sort((a, b) => a.kind.localeCompare(b.kind) || a.account.localeCompare(b.account)),
    );
  });

  it("tells the backers of a cancelled bounty their refunds wait, and its DAO", async () => {
    const label = `Bounty #${cancelled}`;
    expect(await rowsOf(testDb.handle.db, cancelled)).toEqual([
      {
        account: DAO.address,
        kind: "bounty-cancelled",
        message: `${label} was cancelled; its backers can withdraw their refunds.`,
      },
      {
        account: BACKER_B.address,
        kind: "refund-available",
        message: `${label} was cancelled by its DAO: a refund of 30 ctUSD is available to you.`,
      },
    ]);
  });

  it("writes nothing twice: the same job again, re-delivered under another id, or twice at once", async () => {
    const db = testDb.handle.db;
    const total = async () => (await db.select().from(notifications)).length;
    expect(await total()).toBe(16);
    const payload = { chainId: 31_337, bountyId: String(fulfilled), status: "Fulfilled" };
    expect(await notifyBountyFinalized(payload, { db, log })).toEqual({ written: 0, recipients: 5 });
    const [one, two] = await Promise.all([
      notifyBountyFinalized({ ...payload, bountyId: String(failed), status: "Failed" }, { db, log }),
      notifyBountyFinalized({ ...payload, bountyId: String(failed), status: "Failed" }, { db, log }),
    ]);
    expect([one, two]).toEqual([
      { written: 0, recipients: 3 },
      { written: 0, recipients: 3 },
    ]);
    const redelivered = await queue.add(JOB.bountyFinalized, payload, { jobId: uniqueId("redelivered") });
    await waitUntil(
      "the re-delivered job",
      async () => ((await redelivered.isCompleted()) ? true : undefined),
      10_000,
    );
    expect((await queue.getJob(redelivered.id as string))?.returnvalue).toEqual({
      written: 0,
      recipients: 5,
    });
    expect(await total()).toBe(16);
  });

  it("writes nothing for a bounty the index has in another state (a reorged event), refuses a bad payload", async () => {
    const db = testDb.handle.db;
    expect(
      await notifyBountyFinalized(
        { chainId: 31_337, bountyId: String(fulfilled), status: "Failed" },
        { db, log },
      ),
    ).toEqual({ written: 0, recipients: 0, skipped: "the bounty is Fulfilled in the index" });
    // Its Verifying job again, after the unlock: it is no longer Verifying, so nothing is told twice.
    expect(
      await notifyBountyFinalized(
        { chainId: 31_337, bountyId: String(fulfilled), status: "Verifying" },
        { db, log },
      ),
    ).toEqual({ written: 0, recipients: 0, skipped: "the bounty is Fulfilled in the index" });
    expect(
      await notifyBountyFinalized({ chainId: 31_337, bountyId: "999", status: "Failed" }, { db, log }),
    ).toEqual({ written: 0, recipients: 0, skipped: "the bounty is not indexed" });
    await expect(
      notifyBountyFinalized({ chainId: 31_337, bountyId: "1", status: "Funded" }, { db, log }),
    ).rejects.toThrow(UnrecoverableError);
  });

  it("lists an account's notifications newest first, counts the unread, and marks them read up to one", async () => {
    const db = testDb.handle.db;
    // Any case of the address finds the account's (checksummed) rows.
    const list = await listNotifications(db, 31_337, HOLDER.address.toLowerCase());
    expect(list.map((n) => [n.bountyId, n.kind, n.read]).sort()).toEqual([
      [String(fulfilled), "model-delivered", false],
      [String(failed), "refund-available", false],
    ]);
    const newestFirst = [...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
    expect(list).toEqual(newestFirst);
    expect(await unreadNotificationCount(db, 31_337, HOLDER.address)).toBe(2);
    // Up to the older one only (as if the newer arrived after the page was shown): one marked.
    const older = Math.min(...list.map((n) => n.id));
    expect(await markNotificationsRead(db, 31_337, HOLDER.address, older)).toBe(1);
    expect((await listNotifications(db, 31_337, HOLDER.address)).find((n) => n.id === older)?.read).toBe(
      true,
    );
    expect(await unreadNotificationCount(db, 31_337, HOLDER.address)).toBe(1);
    expect(await markNotificationsRead(db, 31_337, HOLDER.address)).toBe(1);
    expect(await unreadNotificationCount(db, 31_337, HOLDER.address)).toBe(0);
    expect((await listNotifications(db, 31_337, HOLDER.address)).every((n) => n.read)).toBe(true);
    // Nobody else's were touched; another chain sees none.
    expect(await unreadNotificationCount(db, 31_337, BACKER_A.address)).toBe(3);
    expect(await unreadNotificationCount(db, 1, BACKER_A.address)).toBe(0);
  });

  it("sends each new notification to its account's webhook, signed, retried until it answers 2xx", async () => {
    const db = testDb.handle.db;
    // Every notify job done (the earlier tests added one more: at least six).
    await waitUntil(
      "every notify job done",
      async () => (((await queue.getJobCounts("completed")).completed ?? 0) >= 6 ? true : undefined),
      60_000,
    );
    const received: { signature: string; body: string }[] = [];
    let answer = 500; // the first delivery fails: the queue retries it
    const rig = await webhookRig(
      (request, response) => {
        let body = "";
        request.on("data", (chunk: Buffer) => {
          body += chunk.toString("utf8");
        });
        request.on("end", () => {
          received.push({ signature: String(request.headers["crowdtrain-signature"]), body });
          response.statusCode = answer;
          answer = 200;
          response.end();
        });
      },
      { policy: { allowPrivate: true, requireHttps: false }, timeoutMs: 2_000 },
      1,
    );
    try {
      await saveWebhook(db, 31_337, BACKER_A.address, `${rig.url}/hook`);
      // A new webhook gets what happens from now on, not the account's history.
      expect(await sweepWebhooks(db, rig.queue)).toBe(0);
      await notifyFirstLease(db, 31_337, String(fulfilled), "test-pool");
      await sweepUntil(db, rig.queue, 1);
      await waitUntil("the retried delivery", async () => (received.length >= 2 ? true : undefined), 30_000);
      const [first, second] = received;
      expect(second?.body).toBe(first?.body); // the same notification, again
      const body = JSON.parse(second?.body ?? "{}") as WebhookBody;
      expect(body).toMatchObject({
        chainId: 31_337,
        account: BACKER_A.address,
        bountyId: String(fulfilled),
        kind: "backed-leased",
        message: `Blob classifier (bounty #${fulfilled}), which you backed, is training on the pool test-pool.`,
      });
      // The receiver checks the signature with the secret it was shown.
      const secret = (await findWebhook(db, 31_337, BACKER_A.address))?.secret ?? "";
      const t = Number(/t=(\d+)/.exec(second?.signature ?? "")?.[1]);
      expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
      expect(second?.signature).toBe(signWebhook(secret, t, second?.body ?? ""));
      await waitUntil(
        "the delivery recorded",
        async () =>
          (await findWebhook(db, 31_337, BACKER_A.address))?.lastResult === "200" ? true : undefined,
        10_000,
      );
      // Under the production policy, a webhook on this machine is refused for good, saying why.
      await expect(
        deliverWebhook(
          { notificationId: body.id },
          { db, log, policy: { allowPrivate: false, requireHttps: true }, timeoutMs: 1_000 },
        ),
      ).rejects.toThrow(UnrecoverableError);
      expect((await findWebhook(db, 31_337, BACKER_A.address))?.lastResult).toMatch(/https/);
      expect(received).toHaveLength(2);
    } finally {
      await rig.close();
    }
  });

  it("keeps a slow webhook to its own delivery slots: another account's notification goes at once", async () => {
    const db = testDb.handle.db;
    const SLOW = anvilAccount(8);
    const FAST = anvilAccount(9);
    const perAccount = 2;
    const SLOW_MS = 3_000;
    let inFlight = 0;
    let most = 0;
    let slowDone = 0;
    let fastAt = 0;
    let firstSlowAnswer = 0;
    const rig = await webhookRig(
      (request, response) => {
        request.resume();
        if (request.url !== "/slow") {
          fastAt = Date.now();
          response.end();
          return;
        }
        inFlight++;
        most = Math.max(most, inFlight);
        setTimeout(() => {
          inFlight--;
          slowDone++;
          firstSlowAnswer ||= Date.now();
          response.end();
        }, SLOW_MS);
      },
      {
        policy: { allowPrivate: true, requireHttps: false },
        timeoutMs: 5_000,
        slots: { redis: connection, prefix, perAccount },
      },
      // Four workers: twice the slow account's slots.
      4,
    );
    try {
      await saveWebhook(db, 31_337, SLOW.address, `${rig.url}/slow`);
      await saveWebhook(db, 31_337, FAST.address, `${rig.url}/fast`);
      // Six for the slow receiver first, then one for the other account: without the slots, the four
      // workers would all wait on the slow receiver, and the other delivery with them.
      const note = (account: string, ref: string) => ({
        chainId: 31_337,
        account,
        bountyId: String(fulfilled),
        kind: "backed-leased" as const,
        ref: `slots-${ref}`,
        message: `a test notification (${ref})`,
      });
      await db
        .insert(notifications)
        .values(Array.from({ length: 6 }, (_, i) => note(SLOW.address, String(i))));
      await db.insert(notifications).values(note(FAST.address, "fast"));
      await sweepUntil(db, rig.queue, 7);
      await waitUntil("the other account's delivery", async () => (fastAt > 0 ? true : undefined), 10_000);
      // Before the slow receiver's first answer, which it would have had to wait for without the slots.
      expect(firstSlowAnswer === 0 || fastAt < firstSlowAnswer).toBe(true);
      await waitUntil("every slow delivery", async () => (slowDone >= 6 ? true : undefined), 60_000);
      expect(most).toBe(perAccount);
      // Waiting for a slot is not a failed attempt: each was delivered once, on its first attempt.
      const completed = await rig.queue.getJobs(["completed"]);
      expect(completed.filter((job) => job.attemptsMade > 1)).toEqual([]);
      expect(slowDone).toBe(6);
    } finally {
      await rig.close();
    }
  }, 90_000);
});
