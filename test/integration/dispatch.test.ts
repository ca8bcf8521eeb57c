/**
 * The dispatcher on a real Redis (private redis-server) and PostgreSQL:
 * priority order within capability classes, pool capacity, no starvation,
 * aging, lost leases, retries.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { inArray } from "drizzle-orm";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import { leases, type PoolRow } from "../../db/schema/index.js";
import {
  DispatchError,
  Dispatcher,
  type DispatcherOptions,
  type Lease,
  poolFits,
  type Requirements,
  requirementsOf,
  type TrainingJobData,
} from "../../jobs/dispatch/dispatcher.js";
import { createPool } from "../../jobs/dispatch/pools.js";
import { createRedis } from "../../server/redis.js";
import { startTestRedis, type TestDb, type TestService, testDatabase, uniqueId } from "../setup/fixtures.js";
import { peakConcurrency } from "../setup/leases.js";

let redisService: TestService;
beforeAll(async () => {
  redisService = await startTestRedis();
});
afterAll(async () => {
  await redisService?.stop();
});

/** A deterministic PRNG, so a failure reproduces. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLASSES: Requirements[] = [
  { minVramGb: 0, gpus: 0 },
  { minVramGb: 16, gpus: 1 },
  { minVramGb: 24, gpus: 2 },
  { minVramGb: 80, gpus: 4 },
];

function bounty(id: number, fields: Partial<TrainingJobData> = {}): TrainingJobData {
  return {
    chainId: 31337,
    bountyId: String(id),
    board: "0x0000000000000000000000000000000000000b0a",
    token: "0x0000000000000000000000000000000000000707",
    specHash: `0x${id.toString(16).padStart(64, "0")}`,
    spec: { name: `bounty ${id}` },
    requirements: { minVramGb: 0, gpus: 0 },
    raised: "1000000",
    decimals: 6,
    price: 1,
    backers: 1,
    enqueuedAt: Date.now(),
    ...fields,
  };
}

describe("dispatcher", () => {
  let testDb: TestDb;
  let connection: Redis;
  const dispatchers: Dispatcher[] = [];

  function dispatcher(options: Partial<DispatcherOptions> = {}) {
    const d = new Dispatcher({
      connection,
      prefix: uniqueId("dispatch"),
      db: testDb.handle.db,
      log: createLogger("test", "silent"),
      leaseTtlMs: 30_000,
      checkIntervalMs: 5_000,
      maxAttempts: 3,
      agingPerHour: 1,
      retryDelayMs: 0,
      ...options,
    });
    dispatchers.push(d);
    return d;
  }

  let poolCount = 0;
  async function pool(fields: { gpuCount: number; vramGb: number; maxLeases: number }): Promise<PoolRow> {
    poolCount += 1;
    const { pool } = await createPool(testDb.handle.db, {
      name: `pool-${poolCount}-${Math.random().toString(36).slice(2, 8)}`,
      operator: "0x000000000000000000000000000000000000dEaD",
      gpuModel: "test",
      ...fields,
    });
    return pool;
  }

  beforeAll(async () => {
    testDb = await testDatabase();
    connection = createRedis(redisService.url, "worker");
  });
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.close()));
  });
  afterAll(async () => {
    connection?.disconnect();
    await testDb?.stop();
  });

  it("leases 500 bounties in priority order within each class, never over a pool's capacity", async () => {
    const d = dispatcher();
    const random = mulberry32(42);
    const enqueuedAt = Date.now();
    const jobs = new Map<string, { priority: number; queue: string }>();
    const data: TrainingJobData[] = [];
    for (let i = 1; i <= 500; i++) {
      const requirements = CLASSES[Math.floor(random() * CLASSES.length)] as Requirements;
      const raised = BigInt(Math.floor(10 ** (random() * 6) * 1e6)); // $1 .. $1M in 6-decimal units
      data.push(
        bounty(i, {
          requirements,
          raised: String(raised),
          backers: 1 + Math.floor(random() * 300),
          enqueuedAt,
        }),
      );
      const added = await d.enqueue(data[i - 1] as TrainingJobData);
      jobs.set(added.jobId, { priority: added.priority, queue: added.queue });
    }
    // Enqueuing again (a replayed event) adds nothing.
    const waiting = async () => {
      let n = 0;
      for (const q of await d.classes()) n += await d.queue(q).getPrioritizedCount();
      return n;
    };
    expect(await waiting()).toBe(500);
    const again = await d.enqueue(data[0] as TrainingJobData);
    expect(await waiting()).toBe(500);
    expect((await d.queue(again.queue).getJob(again.jobId))?.data.raised).toBe(data[0]?.raised);

    const poolRows = await Promise.all([
      pool({ gpuCount: 1, vramGb: 16, maxLeases: 2 }),
      pool({ gpuCount: 8, vramGb: 80, maxLeases: 4 }),
      pool({ gpuCount: 2, vramGb: 24, maxLeases: 3 }),
    ]);

    interface Leased {
      lease: Lease;
      pool: PoolRow;
      requestedAt: number;
      grantedAt: number;
    }
    const leased: Leased[] = [];
    let refusedForCapacity = 0;
    // Two more agent loops than slots per pool, so the capacity guard has to refuse some.
    const loops = poolRows.flatMap((p) =>
      Array.from({ length: p.maxLeases + 2 }, async () => {
        let idle = 0;
        while (idle < 3) {
          const requestedAt = performance.now();
          let lease: Lease | null;
          try {
            lease = await d.lease(p, { waitMs: 100 });
          } catch (error) {
            if (!(error instanceof DispatchError) || error.status !== 429) throw error;
            refusedForCapacity++;
            await sleep(2);
            continue;
          }
          if (!lease) {
            idle++;
            continue;
          }
          idle = 0;
          leased.push({ lease, pool: p, requestedAt, grantedAt: performance.now() });
          await sleep(Math.floor(random() * 4));
          await d.complete(p, lease.leaseId, {});
        }
      }),
    );
    await Promise.all(loops);

    // Every job leased exactly once (the starvation check: nothing was left behind).
    expect(leased).toHaveLength(500);
    expect(new Set(leased.map((l) => l.lease.jobId)).size).toBe(500);
    expect(refusedForCapacity).toBeGreaterThan(0);

    for (const l of leased) {
      // Leased only to a pool that fits, with the priority it was queued with.
      expect(poolFits(l.pool, requirementsOf(l.lease.queue) as Requirements)).toBe(true);
      expect(l.lease.priority).toBe(jobs.get(l.lease.jobId)?.priority);
    }

    // Priority within each class: a job may be leased before a better one only if their lease calls
    // overlapped in time (two pools racing); never after the better one's call had already waited.
    for (const requirements of CLASSES) {
      const inClass = leased.filter(
        (l) => l.lease.queue === `train-v${requirements.minVramGb}-g${requirements.gpus}`,
      );
      expect(inClass.length).toBeGreaterThan(50);
      for (const worse of inClass) {
        for (const better of inClass) {
          if (better.lease.priority >= worse.lease.priority) continue;
          expect(
            worse.grantedAt < better.requestedAt,
            `${worse.lease.jobId} (priority ${worse.lease.priority}) leased before ${better.lease.jobId} (${better.lease.priority}) had waited`,
          ).toBe(false);
        }
      }
    }

    // Capacity, from the server's own records: a pool's lease intervals never overlap more than maxLeases.
    await d.flushRecords();
    const rows = await testDb.handle.db.select().from(leases);
    for (const p of poolRows) {
      const peak = peakConcurrency(rows.filter((r) => r.poolId === p.id));
      expect(peak).toBeLessThanOrEqual(p.maxLeases);
      expect(peak).toBeGreaterThan(0);
    }
    expect(rows.every((r) => r.status === "completed")).toBe(true);
  });

  it("serves an old, thinly funded bounty before newer rich ones (aging), at enqueue and by re-prioritizing", async () => {
    const d = dispatcher();
    const hour = 3_600_000;
    const now = Date.now();
    const rich = { raised: String(1_000_000n * 10n ** 6n), backers: 1_000 }; // ~20 + ~10 points
    // Enqueued 35 hours ago with $1 and one backer: 1 + 1 + 35 points beats every newcomer's ~30.
    await d.enqueue(bounty(1, { raised: "1000000", backers: 1, enqueuedAt: now - 35 * hour }));
    for (let i = 2; i <= 4; i++) await d.enqueue(bounty(i, rich));
    // Enqueued now with $1: behind the rich ones...
    await d.enqueue(bounty(21, { raised: "1000000", backers: 1, enqueuedAt: now }));

    const p = await pool({ gpuCount: 1, vramGb: 16, maxLeases: 1 });
    const take = async () => {
      const lease = await d.lease(p);
      if (!lease) throw new Error("expected a lease");
      await d.complete(p, lease.leaseId, {});
      return lease;
    };
    expect((await take()).job.bountyId).toBe("1");
    for (let i = 2; i <= 4; i++) expect((await take()).job.bountyId).toBe(String(i));

    // ...and behind rich bounties that keep arriving, until it has waited long enough. Forty hours on,
    // new rich bounties arrive; once the periodic re-prioritizer has run, the old one goes first.
    for (let i = 22; i <= 24; i++) await d.enqueue(bounty(i, { ...rich, enqueuedAt: now + 40 * hour }));
    expect(await d.reprioritize(now + 40 * hour)).toBeGreaterThan(0);
    const aged = await take();
    expect(aged.job.bountyId).toBe("21");
    expect((await take()).priority).toBeGreaterThan(aged.priority);
  });

  it("a lost lease returns the job with its priority, to be leased again within the deadline plus one check", async () => {
    const ttl = 1_500;
    const check = 300;
    const d = dispatcher({ leaseTtlMs: ttl, checkIntervalMs: check });
    d.startMaintenance();
    await d.enqueue(bounty(7, { raised: String(5_000n * 10n ** 6n), backers: 40 }));
    const dying = await pool({ gpuCount: 1, vramGb: 24, maxLeases: 1 });
    const rescuer = await pool({ gpuCount: 1, vramGb: 24, maxLeases: 1 });

    const lost = await d.lease(dying);
    expect(lost?.job.bountyId).toBe("7");
    await d.heartbeat(dying, lost?.leaseId as string, { percent: 10, step: 5, loss: 2.5 });
    const lastHeartbeat = Date.now();
    // A richer bounty arrives while 7 is leased, a poorer one too.
    await d.enqueue(bounty(6, { raised: String(50_000n * 10n ** 6n), backers: 400 }));
    await d.enqueue(bounty(8, { raised: "1000000", backers: 1 }));
    // The dying pool's agent stops heartbeating. The rescuer drains what waits, then long-polls.
    for (const expected of ["6", "8"]) {
      const lease = await d.lease(rescuer);
      expect(lease?.job.bountyId).toBe(expected);
      await d.complete(rescuer, lease?.leaseId as string, {});
    }
    const again = await d.lease(rescuer, { waitMs: ttl + 3 * check + 2_000 });
    const releasedAfter = Date.now() - lastHeartbeat;
    expect(again?.job.bountyId).toBe("7");
    expect(again?.attempt).toBe(2);
    expect(releasedAfter).toBeLessThanOrEqual(ttl + check + 500);
    expect(again?.priority).toBe(lost?.priority);

    // The dead agent comes back: its lease is gone (409), and it cannot touch the new one (403).
    await expect(d.heartbeat(dying, lost?.leaseId as string, { percent: 20 })).rejects.toMatchObject({
      status: 409,
    });
    await expect(d.complete(dying, again?.leaseId as string, {})).rejects.toMatchObject({ status: 403 });

    // Never two active leases: the first one ended before the second began.
    await d.flushRecords();
    const rows = await testDb.handle.db
      .select()
      .from(leases)
      .where(inArray(leases.id, [lost?.leaseId as string, again?.leaseId as string]));
    expect(rows.map((r) => r.status).sort()).toEqual(["active", "expired"]);
    const [first, second] = rows.sort((a, b) => a.leasedAt.getTime() - b.leasedAt.getTime());
    if (!first?.endedAt || !second) throw new Error("expected an ended lease and a new one");
    expect(first.endedAt.getTime()).toBeLessThanOrEqual(second.leasedAt.getTime());
    await d.complete(rescuer, again?.leaseId as string, { checkpointSha256: "ab".repeat(32) });
  });

  it("restores the priority of a job back from a lost lease: a richer newcomer still goes first", async () => {
    const d = dispatcher({ leaseTtlMs: 600, checkIntervalMs: 150 });
    d.startMaintenance();
    const { queue, jobId } = await d.enqueue(bounty(11, { raised: "1000000", backers: 1 }));
    const p = await pool({ gpuCount: 1, vramGb: 24, maxLeases: 2 });
    expect((await d.lease(p))?.jobId).toBe(jobId);
    await d.enqueue(bounty(12, { raised: String(10_000n * 10n ** 6n), backers: 50 }));
    // BullMQ alone would put the lost job in its plain wait list, ahead of every prioritized job.
    const job = await d.queue(queue).getJob(jobId);
    for (let i = 0; i < 40 && (await job?.getState()) !== "prioritized"; i++) await sleep(50);
    expect(await job?.getState()).toBe("prioritized");
    expect((await d.lease(p))?.job.bountyId).toBe("12");
  });

  it("lets another process act on a lease: the row, written before the lease is handed out, is the whole record", async () => {
    const prefix = uniqueId("dispatch");
    const leaser = dispatcher({ prefix });
    const other = dispatcher({ prefix });
    const p = await pool({ gpuCount: 1, vramGb: 24, maxLeases: 1 });
    await leaser.enqueue(bounty(41, { chainId: 8453 }));
    const lease = await leaser.lease(p);
    if (!lease) throw new Error("expected a lease");
    // Already in the database when the lease is answered, without a flush.
    const [saved] = await testDb.handle.db
      .select()
      .from(leases)
      .where(inArray(leases.id, [lease.leaseId]));
    const identity = {
      jobId: lease.jobId,
      chainId: 8453,
      bountyId: "41",
      attempt: 1,
      poolId: p.id,
      queue: lease.queue,
    };
    expect(saved).toMatchObject({ ...identity, id: lease.leaseId, status: "active" });
    expect(saved?.leasedAt.getTime()).toBe(lease.leasedAt);
    expect(saved?.expiresAt.getTime()).toBe(lease.expiresAt);
    // Nothing else in Redis holds the lease: only BullMQ's job (its lock) and the pool's slot.
    expect(await connection.keys(`${prefix}:dispatch:lease*`)).toEqual([]);

    // `other` never saw this lease: it reads its record, and BullMQ checks the lock.
    await other.assertActiveLease(p, lease.leaseId);
    await other.heartbeat(p, lease.leaseId, { percent: 50, step: 10, loss: 0.5 });
    await expect(leaser.lease(p)).rejects.toMatchObject({ status: 429 });
    await other.complete(p, lease.leaseId, { checkpointSha256: "ef".repeat(32) });
    await other.flushRecords();
    const [row] = await testDb.handle.db
      .select()
      .from(leases)
      .where(inArray(leases.id, [lease.leaseId]));
    expect(row).toMatchObject({
      ...identity,
      status: "completed",
      percent: 50,
      step: 10,
      loss: 0.5,
      checkpointSha256: "ef".repeat(32),
    });
    expect(row?.leasedAt.getTime()).toBeLessThanOrEqual(lease.leasedAt);
    // The slot was freed by the other process's complete, and BullMQ keeps the completed job's result.
    expect(await leaser.liveLeases([p.id])).toBe(0);
    const job = await leaser.queue(lease.queue).getJob(lease.jobId);
    expect(await job?.getState()).toBe("completed");
    expect(job?.returnvalue).toEqual({ checkpointSha256: "ef".repeat(32) });
    expect(job?.attemptsMade).toBe(1);
    await expect(leaser.complete(p, lease.leaseId, {})).rejects.toMatchObject({ status: 409 });
  });

  it("leases the next job in the completion (next): best first, within capacity; nothing when it fails", async () => {
    const d = dispatcher();
    const p = await pool({ gpuCount: 1, vramGb: 24, maxLeases: 1 });
    await d.enqueue(bounty(51, { raised: "1000000" }));
    await d.enqueue(bounty(52, { raised: String(900n * 10n ** 6n) }));
    await d.enqueue(bounty(53, { raised: String(30n * 10n ** 6n) }));
    const first = await d.lease(p);
    expect(first?.job.bountyId).toBe("52");
    // The pool is full (maxLeases 1): only the completion's freed slot lets it take the next.
    await expect(d.lease(p)).rejects.toMatchObject({ status: 429 });
    const second = await d.complete(p, first?.leaseId as string, {}, { next: true });
    expect(second).toMatchObject({ job: { bountyId: "53" }, attempt: 1 });
    expect(await d.liveLeases([p.id])).toBe(1);
    const third = await d.complete(p, second?.leaseId as string, {}, { next: true });
    expect(third?.job.bountyId).toBe("51");
    expect(await d.complete(p, third?.leaseId as string, {}, { next: true })).toBeNull();
    expect(await d.liveLeases([p.id])).toBe(0);

    // A completion that BullMQ refuses (the job's lock is gone, as when the lease was lost) leases nothing,
    // even with slots to spare.
    const q = await pool({ gpuCount: 1, vramGb: 24, maxLeases: 3 });
    await d.enqueue(bounty(54, { raised: String(50n * 10n ** 6n) }));
    await d.enqueue(bounty(55, { raised: "1000000" }));
    // The lease is lost as a dead agent's is: its lock lapses (a dispatcher of the same queues with a short
    // TTL; no stalled check runs here, so the job stays active under nobody's lock).
    const short = dispatcher({ prefix: d.options.prefix, leaseTtlMs: 200 });
    const lost = await short.lease(q);
    expect(lost?.job.bountyId).toBe("54");
    await sleep(300);
    await expect(d.complete(q, lost?.leaseId as string, {}, { next: true })).rejects.toMatchObject({
      status: 409,
    });
    expect(await d.liveLeases([q.id])).toBe(0);
    expect((await d.lease(q))?.job.bountyId).toBe("55");

    await d.flushRecords();
    const ids = [first, second, third, lost].map((l) => l?.leaseId as string);
    const rows = await testDb.handle.db.select().from(leases).where(inArray(leases.id, ids));
    expect(new Map(rows.map((r) => [r.id, r.status]))).toEqual(
      new Map([
        [ids[0], "completed"],
        [ids[1], "completed"],
        [ids[2], "completed"],
        [ids[3], "expired"],
      ]),
    );
  });

  it("gives back a lease its caller never received: the job waits again, unspent, and the slot is free", async () => {
    const d = dispatcher();
    const p = await pool({ gpuCount: 1, vramGb: 24, maxLeases: 1 });
    await d.enqueue(bounty(61, { raised: String(70n * 10n ** 6n) }));
    const lease = await d.lease(p);
    if (!lease) throw new Error("expected a lease");
    await d.abandon(p, lease);
    expect(await d.liveLeases([p.id])).toBe(0);
    const [row] = await testDb.handle.db
      .select()
      .from(leases)
      .where(inArray(leases.id, [lease.leaseId]));
    expect(row).toMatchObject({ status: "expired", reason: "never delivered" });
    // It ended when it was given back, not at its deadline: the slot was free from then on.
    expect(row?.endedAt?.getTime()).toBeLessThan(lease.expiresAt);
    const again = await d.lease(p);
    expect(again).toMatchObject({ jobId: lease.jobId, attempt: 1 });
    await d.complete(p, again?.leaseId as string, {});
  });

  it("keeps the first ending of a lease: a racing heartbeat or a second complete cannot undo it", async () => {
    const d = dispatcher();
    const p = await pool({ gpuCount: 1, vramGb: 24, maxLeases: 2 });
    for (const id of [31, 32]) {
      await d.enqueue(bounty(id));
      const lease = await d.lease(p);
      if (!lease) throw new Error("expected a lease");
      // Racing calls on one lease, as an agent's in-flight heartbeat and a retried complete would make.
      const results = await Promise.allSettled([
        d.heartbeat(p, lease.leaseId, { percent: 99 }),
        d.complete(p, lease.leaseId, { checkpointSha256: "cd".repeat(32) }),
        d.complete(p, lease.leaseId, { checkpointSha256: "cd".repeat(32) }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled").length).toBeGreaterThanOrEqual(1);
      await expect(d.heartbeat(p, lease.leaseId, { percent: 100 })).rejects.toMatchObject({ status: 409 });
      await d.flushRecords();
      const [row] = await testDb.handle.db
        .select()
        .from(leases)
        .where(inArray(leases.id, [lease.leaseId]));
      expect(row).toMatchObject({ status: "completed", checkpointSha256: "cd".repeat(32) });
    }
    // Both slots are free again.
    expect(await d.liveLeases([p.id])).toBe(0);
  });

  it("bounds retries: a job lost or failed maxAttempts times fails with its reason", async () => {
    const d = dispatcher({ leaseTtlMs: 400, checkIntervalMs: 100, maxAttempts: 2 });
    d.startMaintenance();
    await d.enqueue(bounty(9));
    const p = await pool({ gpuCount: 1, vramGb: 24, maxLeases: 1 });

    const first = await d.lease(p);
    expect(await d.fail(p, first?.leaseId as string, "CUDA out of memory", true)).toEqual({ retried: true });
    const second = await d.lease(p, { waitMs: 2_000 });
    expect(second?.attempt).toBe(2);
    expect(await d.fail(p, second?.leaseId as string, "CUDA out of memory again", true)).toEqual({
      retried: false,
    });
    expect(await d.lease(p, { waitMs: 300 })).toBeNull();
    const job = await d.queue(second?.queue as string).getJob(second?.jobId as string);
    expect(await job?.getState()).toBe("failed");
    expect(job?.failedReason).toBe("CUDA out of memory again");

    // Lost leases count too: after maxAttempts of them the job fails instead of being leased again.
    const p3 = await pool({ gpuCount: 1, vramGb: 24, maxLeases: 3 });
    await d.enqueue(bounty(10));
    const lost1 = await d.lease(p3);
    const lost2 = await d.lease(p3, { waitMs: 3_000 });
    expect(lost2?.jobId).toBe(lost1?.jobId);
    expect(await d.lease(p3, { waitMs: 1_500 })).toBeNull();
    const dead = await d.queue(lost1?.queue as string).getJob(lost1?.jobId as string);
    expect(await dead?.getState()).toBe("failed");
    expect(dead?.failedReason).toMatch(/stalled/);
  });
});
