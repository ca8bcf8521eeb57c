/**
 * The sync-deployment job end to end on real services: contracts deployed on
 * anvil, the job enqueued on a private Redis, a BullMQ worker projecting the
 * deployment into PostgreSQL.
 */
import { type Job, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { createTestClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import { type DeployResult, deployContracts } from "../../jobs/deployments/deploy.js";
import { listDeployments } from "../../jobs/deployments/registry.js";
import { createQueue, JOB, QUEUE, syncDeploymentJobId } from "../../jobs/queues.js";
import { type RunningWorkers, startWorkers } from "../../jobs/runtime.js";
import { createChainClient } from "../../server/chain.js";
import { createRedis } from "../../server/redis.js";
import {
  startTestAnvil,
  startTestRedis,
  type TestDb,
  type TestService,
  tempDir,
  testDatabase,
  uniqueId,
} from "../setup/fixtures.js";

let anvil: TestService;
let redisService: TestService;
let deployed: DeployResult;
const deploymentsDir = tempDir("deployments");

beforeAll(async () => {
  [anvil, redisService] = await Promise.all([startTestAnvil(), startTestRedis()]);
  deployed = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: deploymentsDir.dir });
});

afterAll(async () => {
  await Promise.all([anvil?.stop(), redisService?.stop()]);
  deploymentsDir.remove();
});

describe("sync-deployment", () => {
  let testDb: TestDb;
  let connection: Redis;
  let running: RunningWorkers;
  let events: QueueEvents;
  let eventsConnection: Redis;
  const prefix = uniqueId("test-jobs");
  const queue = () => createQueue(QUEUE.deployments, connection, prefix);

  beforeAll(async () => {
    testDb = await testDatabase();
    connection = createRedis(redisService.url, "worker");
    running = startWorkers(
      { db: testDb.handle.db, chain: createChainClient(anvil.url), log: createLogger("test", "silent") },
      { connection, prefix, concurrency: 2 },
    );
    eventsConnection = connection.duplicate();
    events = new QueueEvents(QUEUE.deployments, { connection: eventsConnection, prefix });
    await events.waitUntilReady();
  });

  afterAll(async () => {
    await running?.close(5_000);
    await events?.close();
    const q = queue();
    await q.obliterate({ force: true }); // only this test's prefix
    await q.close();
    connection?.disconnect();
    eventsConnection?.disconnect(); // BullMQ leaves connections it was given open
    await testDb?.stop();
  });

  it("projects a live deployment into the database", async () => {
    const q = queue();
    const { deployment } = deployed;
    const job = await q.add(JOB.syncDeployment, deployment, { jobId: syncDeploymentJobId(deployment) });
    expect(await job.waitUntilFinished(events, 30_000)).toEqual({ synced: 3 });

    const rows = await listDeployments(testDb.handle.db, deployment.chainId);
    expect(rows.map((r) => r.name)).toEqual(["BountyBoard", "BountyLogic", "TestToken"]);
    expect(rows.find((r) => r.name === "TestToken")).toMatchObject({
      name: "TestToken",
      address: deployment.contracts.TestToken?.address,
      txHash: deployment.contracts.TestToken?.txHash,
      blockNumber: deployment.contracts.TestToken?.blockNumber,
      deployer: deployment.deployer,
    });
    await q.close();
  });

  it("enqueues a deployment once, however often it is announced", async () => {
    const q = queue();
    const { deployment } = deployed;
    const again = await q.add(JOB.syncDeployment, deployment, { jobId: syncDeploymentJobId(deployment) });
    expect(again.id).toBe(syncDeploymentJobId(deployment));
    const counts = await q.getJobCounts("completed", "waiting", "active", "failed");
    expect((counts.completed ?? 0) + (counts.waiting ?? 0) + (counts.active ?? 0)).toBe(1);
    await q.close();
  });

  it("fails permanently, without retries, on a malformed payload", async () => {
    const q = queue();
    const job = await q.add(JOB.syncDeployment, { chainId: "one" }, { jobId: "bad-payload" });
    await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow(/invalid sync-deployment payload/);
    const failed = (await q.getJob("bad-payload")) as Job;
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/chainId/);
    await q.close();
  });

  it("refuses an address with no contract, naming it, and writes nothing", async () => {
    const q = queue();
    const forged = structuredClone(deployed.deployment);
    const token = forged.contracts.TestToken;
    if (!token) throw new Error("fixture has no TestToken");
    forged.contracts.Fake = { ...token, address: "0x000000000000000000000000000000000000dEaD" };
    const job = await q.add(JOB.syncDeployment, forged, { jobId: syncDeploymentJobId(forged) });
    await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow(
      /Fake: transaction 0x[0-9a-f]+ created 0x[0-9a-fA-F]+, not 0x000000000000000000000000000000000000dEaD/,
    );
    const rows = await listDeployments(testDb.handle.db, forged.chainId);
    expect(rows.map((r) => r.name)).toEqual(["BountyBoard", "BountyLogic", "TestToken"]);
    await q.close();
  });

  it("refuses a contract whose code is gone from the chain", async () => {
    // Same chain, same creation receipt, but the code at the address was wiped (anvil_setCode).
    const other = tempDir("deploy-wiped");
    try {
      const { deployment } = await deployContracts({
        rpcUrl: anvil.url,
        deploymentsDir: other.dir,
        force: true,
      });
      const token = deployment.contracts.TestToken;
      if (!token) throw new Error("fixture has no TestToken");
      await createTestClient({ mode: "anvil", transport: http(anvil.url) }).setCode({
        address: token.address as `0x${string}`,
        bytecode: "0x",
      });
      const q = queue();
      const job = await q.add(JOB.syncDeployment, deployment, { jobId: syncDeploymentJobId(deployment) });
      await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow(
        `TestToken: no contract code at ${token.address}`,
      );
      expect((await q.getJob(job.id as string))?.attemptsMade).toBe(1);
      await q.close();
    } finally {
      other.remove();
    }
  });

  it("fails an unknown job name permanently", async () => {
    const q = queue();
    const job = await q.add("no-such-job", {}, { jobId: "unknown-name" });
    await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow('unknown job "no-such-job"');
    expect((await q.getJob("unknown-name"))?.attemptsMade).toBe(1);
    await q.close();
  });

  it("refuses a deployment for another chain", async () => {
    const q = queue();
    const elsewhere = { ...deployed.deployment, chainId: 1 };
    const job = await q.add(JOB.syncDeployment, elsewhere, { jobId: syncDeploymentJobId(elsewhere) });
    await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow(
      /deployment is for chain 1 but the RPC serves chain 31337/,
    );
    await q.close();
  });
});
