/**
 * No stranded bounty (issue 20, item 6), with every real part: bounties funded on anvil, the indexer's
 * dispatch effect, the worker's dispatch-bounty job, the dispatcher on a real Redis, the web server's
 * bounty page and the operators' CLI.
 *
 * - A bounty whose spec is not registered says so on its page, and is queued once the DAO registers it.
 * - A bounty no pool can run says so, naming what it needs and what the pools offer.
 * - A job that spends its attempts shows "Training failed: <reason>" and the next round; the sweep offers
 *   it again after a backoff that doubles, to a pool that fits; past the delivery deadline it is not.
 * - `npm run training -- retry <id>` starts a round by hand, and refuses, with the reason, what it cannot.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type { Redis } from "ioredis";
import { toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { anvilAccount } from "../../core/dev-chain.js";
import { createLogger } from "../../core/logger.js";
import { blobsClassifierSpec } from "../../core/spec.examples.js";
import { type BountySpec, specHash } from "../../core/spec.js";
import type { PoolRow } from "../../db/schema/index.js";
import { registerSpec } from "../../jobs/bounties/specs.js";
import { type DeployResult, deployContracts } from "../../jobs/deployments/deploy.js";
import { syncDeployment } from "../../jobs/deployments/sync.js";
import { Dispatcher } from "../../jobs/dispatch/dispatcher.js";
import { createPool } from "../../jobs/dispatch/pools.js";
import { queueStatus } from "../../jobs/dispatch/queue-status.js";
import { reofferFailedTraining } from "../../jobs/dispatch/reoffer.js";
import { createQueue, QUEUE } from "../../jobs/queues.js";
import { type RunningWorkers, startWorkers } from "../../jobs/runtime.js";
import { createChainClient } from "../../server/chain.js";
import { createRedis } from "../../server/redis.js";
import { boardClients, createBountyArgs, usd } from "../setup/board-activity.js";
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
import { siweSignIn } from "../setup/siwe.js";
import { buildWeb, serveWeb, type WebBuild, type WebServer, webReady } from "../setup/web.js";

const REOFFER_MS = 1_000;
const REOFFER_MAX_MS = 4_000;
const MAX_ATTEMPTS = 2;
const prefix = uniqueId("stranded");
const dir = tempDir("stranded");
const log = createLogger("test", "silent");
const run = promisify(execFile);
let build: WebBuild;
let anvil: TestService;
let redis: TestService;
let db: TestDb;
let web: WebServer;
let deployed: DeployResult;
let connection: Redis;
let dispatcher: Dispatcher;
let workers: RunningWorkers;
let c: ReturnType<typeof boardClients>;

const DAO = anvilAccount(1);
const BACKER = anvilAccount(5);
const spec = (name: string, resources: Partial<BountySpec["resources"]> = {}): BountySpec => ({
  ...blobsClassifierSpec,
  name,
  resources: { ...blobsClassifierSpec.resources, ...resources },
});

beforeAll(async () => {
  build = buildWeb("stranded-test");
  [anvil, redis, db] = await Promise.all([startTestAnvil(), startTestRedis(), testDatabase()]);
  deployed = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir });
  const chain = createChainClient(anvil.url);
  await syncDeployment(deployed.deployment, { db: db.handle.db, chain, log });
  web = await serveWeb(build, {
    RPC_URL: anvil.url,
    REDIS_URL: redis.url,
    DATABASE_URL: db.url,
    QUEUE_PREFIX: prefix,
    ARTIFACTS_DIR: path.join(dir.dir, "artifacts"),
    // Every page as it is now, not from the anonymous page cache.
    PAGE_CACHE_FRESH_MS: "0",
    DISPATCH_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    DISPATCH_REOFFER_MS: String(REOFFER_MS),
    DISPATCH_REOFFER_MAX_MS: String(REOFFER_MAX_MS),
  });
  await webReady(web);
  // The worker process's part, in this process: the dispatch queue and the dispatcher.
  connection = createRedis(redis.url, "worker");
  dispatcher = new Dispatcher({
    connection,
    prefix,
    db: db.handle.db,
    log,
    leaseTtlMs: 30_000,
    checkIntervalMs: 1_000,
    maxAttempts: MAX_ATTEMPTS,
    retryDelayMs: 100,
    reofferMs: REOFFER_MS,
    reofferMaxMs: REOFFER_MAX_MS,
  });
  workers = startWorkers(
    { db: db.handle.db, chain, log, dispatch: { dispatcher, tokenPrices: new Map() } },
    { connection, prefix, concurrency: 2, queues: [QUEUE.dispatch] },
  );
  c = boardClients(anvil.url, deployed.deployment);
  await c.approveAll([BACKER]);
}, 180_000);

afterAll(async () => {
  await workers?.close(5_000);
  await dispatcher?.close();
  connection?.disconnect();
  await web?.server.stop(5_000);
  await Promise.all([anvil?.stop(), redis?.stop(), db?.stop()]);
  build?.remove();
  dir.remove();
});

/** Indexes the chain, queueing the indexer's effects (BountyFunded → dispatch-bounty), and waits for them. */
async function index() {
  const dispatchQueue = createQueue(QUEUE.dispatch, connection, prefix);
  try {
    const indexer = testIndexer(db.handle.db, anvil.url, deployed.deployment, {
      queues: { [QUEUE.dispatch]: dispatchQueue },
    });
    await indexer.catchUp();
    await indexer.flushEffects();
    await waitUntil(
      "the dispatch jobs to finish",
      async () => {
        const counts = await dispatchQueue.getJobCounts("wait", "active", "delayed", "prioritized");
        return Object.values(counts).every((n) => n === 0) ? true : undefined;
      },
      15_000,
    );
  } finally {
    await dispatchQueue.close();
  }
}

/** A bounty with `bountySpec`'s hash, funded to its goal and indexed; its delivery deadline `deliveryDays` out. */
async function fundedBounty(bountySpec: BountySpec, deliveryDays = 30): Promise<string> {
  const now = (await c.publicClient.getBlock()).timestamp;
  await c.send(
    DAO,
    "createBounty",
    createBountyArgs({
      token: c.token,
      goal: usd(100),
      fundingDeadline: now + 86_400n,
      deliveryDeadline: now + BigInt(deliveryDays) * 86_400n,
      specHash: specHash(bountySpec),
      evalSetCommitment: `0x${"ee".repeat(32)}`,
      metricId: toHex("accuracy", { size: 32 }),
      targetScore: 900_000_000n,
      direction: 0,
      bond: 0n,
      arbiter: DAO.address,
    }),
  );
  const [count] = await c.publicClient.readContract({
    address: c.board,
    abi: bountyBoardAbi,
    functionName: "counts",
  });
  await c.send(BACKER, "fund", [count, usd(100)]);
  await index();
  return count.toString();
}

async function page(bountyId: string): Promise<string> {
  const response = await fetch(`${web.url}/bounties/${bountyId}`);
  expect(response.status).toBe(200);
  // Text as a reader sees it: tags and React's text separators gone, whitespace collapsed.
  return (await response.text())
    .replace(/<!-- -->/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ");
}

/** Runs the training CLI against this test's services. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", "scripts/training.ts", ...args],
      {
        env: {
          PATH: process.env.PATH,
          NODE_ENV: "test",
          REDIS_URL: redis.url,
          RPC_URL: anvil.url,
          DATABASE_URL: db.url,
          QUEUE_PREFIX: prefix,
          DEV_DATA_DIR: dir.dir,
          DISPATCH_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
          DISPATCH_REOFFER_MS: String(REOFFER_MS),
          DISPATCH_REOFFER_MAX_MS: String(REOFFER_MAX_MS),
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let cpuPool: PoolRow;
/** Leases the job of `bountyId` to the CPU pool and fails it `times` times (retryable, as a crashed trainer). */
async function failLeases(bountyId: string, times: number) {
  for (let i = 0; i < times; i++) {
    const lease = await waitUntil(
      "a lease",
      async () => (await dispatcher.lease(cpuPool, { waitMs: 500 })) ?? undefined,
      10_000,
    );
    expect(lease.job.bountyId).toBe(bountyId);
    await dispatcher.fail(cpuPool, lease.leaseId, `trainer crashed (${i + 1})`, true);
  }
}

describe("a bounty that cannot be trained yet says why, and none is stranded", () => {
  it("shows a missing spec, and queues the bounty once the DAO registers the spec", async () => {
    const late = spec("Spec registered late");
    const bountyId = await fundedBounty(late);
    expect(await queueStatus(dispatcher, db.handle.db, 31_337, bountyId)).toEqual({ state: "none" });
    const before = await page(bountyId);
    expect(before).toContain("Waiting for its spec");
    expect(before).toContain(specHash(late));

    // The DAO registers the spec through the API, as the propose page does.
    const session = await siweSignIn(web.url, DAO);
    const stored = await fetch(`${web.url}/api/specs`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: session.cookie, "x-csrf-token": session.csrf },
      body: JSON.stringify(late),
    });
    expect(stored.status, await stored.clone().text()).toBe(201);
    const waiting = await waitUntil(
      "the bounty to be queued",
      async () => {
        const status = await queueStatus(dispatcher, db.handle.db, 31_337, bountyId);
        return status.state === "waiting" ? status : undefined;
      },
      15_000,
    );
    expect(waiting.queue).toBe("train-v0-g0");
    expect(await page(bountyId)).not.toContain("Waiting for its spec");
    // Out of the way of the leases below (same class).
    await (await dispatcher.findJob(31_337, bountyId))?.job.remove();
  });

  it("says when no pool can run a bounty, naming what it needs and what the pools offer", async () => {
    cpuPool = (
      await createPool(db.handle.db, {
        name: "cpu-box",
        operator: anvilAccount(3).address,
        gpuModel: "none",
        gpuCount: 0,
        vramGb: 0,
        maxLeases: 1,
      })
    ).pool;
    const big = spec("Needs big GPUs", { gpus: 4, minVramGb: 80 });
    await registerSpec(db.handle.db, big);
    const bountyId = await fundedBounty(big);
    const status = await waitUntil(
      "the bounty to be queued",
      async () => {
        const s = await queueStatus(dispatcher, db.handle.db, 31_337, bountyId);
        return s.state === "waiting" ? s : undefined;
      },
      15_000,
    );
    expect(status.noPoolFits).toEqual({
      needs: { minVramGb: 80, gpus: 4 },
      pools: [{ name: "cpu-box", gpuCount: 0, vramGb: 0, online: false }],
    });
    const text = await page(bountyId);
    expect(text).toContain("No registered pool can run this: it needs 4 GPUs with at least 80 GB each.");
    expect(text).toContain("cpu-box: CPU only (offline)");
    expect(text).not.toMatch(/position \d+ in its queue/);
  });

  it("shows a job that spent its attempts, offers it again with a growing backoff, and stops at the delivery deadline", async () => {
    const flaky = spec("Flaky trainer");
    await registerSpec(db.handle.db, flaky);
    const bountyId = await fundedBounty(flaky, 2);
    await failLeases(bountyId, MAX_ATTEMPTS);

    const failed = await queueStatus(dispatcher, db.handle.db, 31_337, bountyId);
    if (failed.state !== "failed") throw new Error(`expected failed, got ${failed.state}`);
    expect(failed).toMatchObject({ reason: "trainer crashed (2)", attempts: 2, rounds: 1 });
    expect(failed.retryAt - Date.now()).toBeLessThanOrEqual(REOFFER_MS);
    const text = await page(bountyId);
    expect(text).toContain("Training failed: trainer crashed (2) (2 attempts).");
    expect(text).toMatch(/It is offered again to every pool that fits at \d{4}-\d\d-\d\d \d\d:\d\d UTC/);

    // Not before its round is due; then offered again, and leased by the pool that fits.
    expect(
      await reofferFailedTraining(
        { dispatcher, db: db.handle.db, chain: c.publicClient, log },
        failed.retryAt - 1,
      ),
    ).toEqual([]);
    expect(
      await reofferFailedTraining(
        { dispatcher, db: db.handle.db, chain: c.publicClient, log },
        failed.retryAt,
      ),
    ).toEqual([`train-31337-${bountyId}`]);
    const again = await queueStatus(dispatcher, db.handle.db, 31_337, bountyId);
    expect(again).toMatchObject({ state: "waiting", lastFailure: { reason: "trainer crashed (2)" } });
    expect(await page(bountyId)).toContain("Offered again after a round that failed at");
    const lease = await dispatcher.lease(cpuPool, { waitMs: 2_000 });
    expect(lease?.job.bountyId).toBe(bountyId);
    expect(lease?.attempt).toBe(3); // attempts count across rounds
    await dispatcher.fail(cpuPool, lease?.leaseId as string, "out of memory", false);

    // The second round's wait is twice the first's.
    const second = await queueStatus(dispatcher, db.handle.db, 31_337, bountyId);
    if (second.state !== "failed") throw new Error(`expected failed, got ${second.state}`);
    expect(second).toMatchObject({ reason: "out of memory", rounds: 2, attempts: 3 });
    const job = (await dispatcher.findJob(31_337, bountyId))?.job;
    expect(second.retryAt - (job?.finishedOn ?? 0)).toBe(2 * REOFFER_MS);

    // By hand, a round starts at once.
    const retried = await cli("retry", bountyId);
    expect(retried, JSON.stringify(retried)).toMatchObject({ code: 0 });
    expect(retried.stdout).toContain(
      `bounty ${bountyId}: its training job train-31337-${bountyId} is offered again`,
    );
    const third = await dispatcher.lease(cpuPool, { waitMs: 2_000 });
    expect(third?.job.bountyId).toBe(bountyId);
    await dispatcher.fail(cpuPool, third?.leaseId as string, "out of memory", false);
    const status = await cli("status", bountyId);
    expect(status.stdout, status.stderr).toMatch(
      /training failed after 4 attempt\(s\) in 3 round\(s\): out of memory/,
    );

    // Past the delivery deadline (2 days), commits are closed: no further round, by the sweep or by hand.
    await c.testClient.increaseTime({ seconds: 3 * 86_400 });
    await c.testClient.mine({ blocks: 1 });
    const due = await queueStatus(dispatcher, db.handle.db, 31_337, bountyId);
    if (due.state !== "failed") throw new Error(`expected failed, got ${due.state}`);
    expect(
      await reofferFailedTraining(
        { dispatcher, db: db.handle.db, chain: c.publicClient, log },
        due.retryAt + 1,
      ),
    ).toEqual([]);
    const refused = await cli("retry", bountyId);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/delivery deadline of bounty \d+ has passed/);
  });

  it("refuses bad CLI input with a message and exit code 2, and an unknown bounty with 1", async () => {
    const bad = await cli("retry", "abc");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("a bounty id is a positive whole number");
    const unknown = await cli("retry", "999999");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("bounty 999999 is not indexed");
    const noCommand = await cli();
    expect(noCommand.code).toBe(2);
  });
});
