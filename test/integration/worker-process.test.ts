/**
 * jobs/worker.ts as a real process: it serves the queue, refuses bad
 * configuration with a message naming the variable, and shuts down cleanly on
 * SIGTERM and SIGINT within the bounded timeout.
 */
import { type AddressInfo, createServer } from "node:net";
import path from "node:path";
import { QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployContracts } from "../../jobs/deployments/deploy.js";
import { listDeployments } from "../../jobs/deployments/registry.js";
import { createQueue, JOB, QUEUE, syncDeploymentJobId } from "../../jobs/queues.js";
import { type ManagedProcess, nodeTs, startProcess, waitFor } from "../../scripts/lib/processes.js";
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

const root = path.resolve(import.meta.dirname, "../..");

let anvil: TestService;
let redis: TestService;
let db: TestDb;
const deploymentsDir = tempDir("worker-deployments");

beforeAll(async () => {
  [anvil, redis, db] = await Promise.all([startTestAnvil(), startTestRedis(), testDatabase()]);
});

afterAll(async () => {
  await Promise.all([anvil?.stop(), redis?.stop(), db?.stop()]);
  deploymentsDir.remove();
});

function startWorker(env: Record<string, string>, lines: string[]): ManagedProcess {
  return startProcess({
    name: "worker",
    ...nodeTs("jobs/worker.ts"),
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    onLine: (line) => lines.push(line),
  });
}

describe("the worker process", () => {
  it("exits 1 naming the missing variable when configuration is incomplete", async () => {
    const lines: string[] = [];
    const worker = startWorker({ RPC_URL: anvil.url }, lines);
    expect(await worker.exited).toBe(1);
    expect(lines.join("\n")).toContain("REDIS_URL: is required");
    expect(lines.join("\n")).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });

  it("gives up on a hung job after SHUTDOWN_TIMEOUT_MS and exits 1", async () => {
    // An RPC endpoint that accepts connections and never answers: the job hangs on its first call.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const prefix = uniqueId("test-worker-hang");
    const lines: string[] = [];
    const worker = startWorker(
      {
        RPC_URL: `http://127.0.0.1:${port}`,
        REDIS_URL: redis.url,
        DATABASE_URL: db.url,
        QUEUE_PREFIX: prefix,
        SHUTDOWN_TIMEOUT_MS: "500",
      },
      lines,
    );
    const connection = createRedis(redis.url, "worker");
    const queue = createQueue(QUEUE.deployments, connection, prefix);
    try {
      await waitFor(
        "worker ready",
        async () => {
          if (!lines.some((l) => l.includes('"msg":"ready"'))) throw new Error("not yet");
        },
        { process: worker },
      );
      const deployment = {
        chainId: 31_337,
        deployer: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
        deployedAt: new Date().toISOString(),
        contracts: {},
      };
      const job = await queue.add(JOB.syncDeployment, deployment, { jobId: syncDeploymentJobId(deployment) });
      await waitFor("job active", async () => {
        if (!(await job.isActive())) throw new Error("not yet");
      });
      process.kill(worker.child.pid as number, "SIGTERM");
      expect(await worker.exited).toBe(1);
      expect(lines.some((l) => l.includes("running jobs did not finish in time"))).toBe(true);
    } finally {
      await worker.stop();
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
      silent.close();
    }
  });

  it.each(["SIGTERM", "SIGINT"] as const)("processes jobs and stops cleanly on %s", async (signal) => {
    const prefix = uniqueId("test-worker");
    const lines: string[] = [];
    const worker = startWorker(
      {
        RPC_URL: anvil.url,
        REDIS_URL: redis.url,
        DATABASE_URL: db.url,
        QUEUE_PREFIX: prefix,
        SHUTDOWN_TIMEOUT_MS: "5000",
      },
      lines,
    );
    const connection = createRedis(redis.url, "worker");
    const queue = createQueue(QUEUE.deployments, connection, prefix);
    const eventsConnection = connection.duplicate();
    const events = new QueueEvents(QUEUE.deployments, { connection: eventsConnection, prefix });
    try {
      await waitFor(
        "worker ready",
        async () => {
          if (!lines.some((l) => l.includes('"msg":"ready"'))) throw new Error("not yet");
        },
        { process: worker },
      );
      const { deployment } = await deployContracts({
        rpcUrl: anvil.url,
        deploymentsDir: deploymentsDir.dir,
        force: true,
      });
      const job = await queue.add(JOB.syncDeployment, deployment, { jobId: syncDeploymentJobId(deployment) });
      expect(await job.waitUntilFinished(events, 30_000)).toEqual({ synced: 3 });
      const rows = await listDeployments(db.handle.db, deployment.chainId);
      expect(rows.find((r) => r.name === "TestToken")?.address).toBe(deployment.contracts.TestToken?.address);

      const pid = worker.child.pid as number;
      process.kill(-pid, signal);
      const started = Date.now();
      expect(await worker.exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(lines.some((l) => l.includes('"msg":"stopped"') && l.includes('"clean":true'))).toBe(true);
    } finally {
      await worker.stop(5_000); // a no-op when it already exited; never leave it behind on failure
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
      eventsConnection.disconnect(); // BullMQ leaves connections it was given open
    }
  });
});
