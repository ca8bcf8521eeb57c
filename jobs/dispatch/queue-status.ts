/**
 * Queue transparency: where a bounty's training job stands, and for a waiting
 * one its position and an estimated start.
 *
 * - Position: jobs ahead of it in its capability class (0 = next).
 * - Capacity: the slots (maxLeases) of active pools that fit the class and were
 *   seen in the last ONLINE_MS; `busy`: their live leases.
 * - Duration: the mean of the last 50 finished leases of the class (of any
 *   class when it has none yet; the spec's maxTrainingMinutes, or an hour, before
 *   any lease ever finished).
 * - Estimate: a job that finds a free slot starts now; otherwise it waits half a
 *   lease for the first slot to free up, then a full lease per further round:
 *   start = now + D/2 + floor((position - free) / capacity) * D.
 * Jobs of other classes that compete for the same pools are not counted, so
 * the estimate is optimistic when classes share pools; it is a guide, not a promise.
 */
import { and, desc, eq, gt, isNotNull, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { leases, pools } from "../../db/schema/index.js";
import {
  attemptsOf,
  type Dispatcher,
  describeFailure,
  poolFits,
  type Requirements,
  requirementsOf,
  type TrainingJobData,
} from "./dispatcher.js";

/** A pool seen within this long counts towards capacity. */
export const ONLINE_MS = 10 * 60_000;
const DEFAULT_DURATION_MS = 60 * 60_000;

/** A pool as the queue status names it: what it offers, and whether its agent was seen lately. */
export interface PoolOffer {
  name: string;
  gpuCount: number;
  vramGb: number;
  online: boolean;
}

/** Why a job's last round failed, when it was offered again after it. */
export interface LastFailure {
  reason: string;
  at: number;
}

export type QueueStatus =
  | { state: "none" }
  | {
      state: "waiting";
      /**
       * Set when no active pool fits the job: what it needs and what the registered pools offer. It waits
       * until a pool that fits is registered (or an existing one grows).
       */
      noPoolFits: { needs: Requirements; pools: PoolOffer[] } | null;
      lastFailure: LastFailure | null;
      queue: string;
      position: number;
      capacity: number;
      busy: number;
      meanLeaseMs: number;
      /** Estimated start (ms since epoch), or null when no online pool fits the job. */
      estimatedStartAt: number | null;
      priority: number;
    }
  /** A failed attempt's job waiting out its retry delay. */
  | { state: "retrying"; queue: string; attempts: number; lastFailure: LastFailure | null }
  | {
      state: "leased";
      lastFailure: LastFailure | null;
      queue: string;
      /** Null for the moment between BullMQ handing the job out and the lease's record being written. */
      leaseId: string | null;
      poolId: string | null;
      attempt: number;
      leasedAt: number;
      expiresAt: number;
      percent: number | null;
      step: number | null;
      loss: number | null;
    }
  | { state: "completed"; queue: string; finishedAt: number | null }
  /**
   * Every attempt of its latest round failed. `retryAt`: when the next round is due (reoffer.ts), which
   * happens only while the bounty is Funded and before its delivery deadline (`deliveryDeadline`, seconds).
   */
  | {
      state: "failed";
      queue: string;
      reason: string;
      attempts: number;
      rounds: number;
      retryAt: number;
      deliveryDeadline: number | null;
      noPoolFits: { needs: Requirements; pools: PoolOffer[] } | null;
    };

async function meanLeaseMs(db: Database, queue: string, fallbackMs: number): Promise<number> {
  const recent = (scope: ReturnType<typeof eq> | undefined) =>
    db
      .select({ ms: sql<number>`extract(epoch from (${leases.endedAt} - ${leases.leasedAt})) * 1000` })
      .from(leases)
      .where(and(eq(leases.status, "completed"), isNotNull(leases.endedAt), scope))
      .orderBy(desc(leases.endedAt))
      .limit(50);
  let rows = await recent(eq(leases.queue, queue));
  if (rows.length === 0) rows = await recent(undefined);
  if (rows.length === 0) return fallbackMs;
  return rows.reduce((sum, row) => sum + Number(row.ms), 0) / rows.length;
}

/**
 * When no active pool fits `requirements`: what it needs and every active pool's offer (the page lists
 * them); null when one fits.
 */
async function noPoolFits(
  db: Database,
  requirements: Requirements | undefined,
  now: number,
): Promise<{ needs: Requirements; pools: PoolOffer[] } | null> {
  if (!requirements) return null;
  const active = await db.select().from(pools).where(eq(pools.status, "active")).orderBy(pools.name);
  if (active.some((pool) => poolFits(pool, requirements))) return null;
  return {
    needs: requirements,
    pools: active.map((pool) => ({
      name: pool.name,
      gpuCount: pool.gpuCount,
      vramGb: pool.vramGb,
      online: pool.lastHeartbeatAt !== null && pool.lastHeartbeatAt.getTime() > now - ONLINE_MS,
    })),
  };
}

export async function queueStatus(
  dispatcher: Dispatcher,
  db: Database,
  chainId: number,
  bountyId: string,
  now = Date.now(),
): Promise<QueueStatus> {
  const found = await dispatcher.findJob(chainId, bountyId);
  if (!found) return { state: "none" };
  const { queue: name, job } = found;
  const jobId = String(job.id);
  const state = await job.getState();
  const attempts = attemptsOf(job);
  const lastFailure = job.data.lastFailure ?? null;
  const requirements = requirementsOf(name);
  if (state === "completed") return { state: "completed", queue: name, finishedAt: job.finishedOn ?? null };
  if (state === "failed") {
    return {
      state: "failed",
      queue: name,
      reason: describeFailure(job.failedReason),
      attempts,
      rounds: (job.data.reoffers ?? 0) + 1,
      retryAt: dispatcher.nextOfferAt(job),
      deliveryDeadline: job.data.deliveryDeadline ?? null,
      noPoolFits: await noPoolFits(db, requirements, now),
    };
  }
  if (state === "delayed") {
    return { state: "retrying", queue: name, attempts, lastFailure };
  }
  if (state === "active") {
    const [lease] = await db
      .select()
      .from(leases)
      .where(and(eq(leases.jobId, jobId), eq(leases.status, "active")))
      .orderBy(desc(leases.leasedAt))
      .limit(1);
    return {
      state: "leased",
      queue: name,
      lastFailure,
      leaseId: lease?.id ?? null,
      poolId: lease?.poolId ?? null,
      attempt: lease?.attempt ?? attempts + 1,
      leasedAt: lease?.leasedAt.getTime() ?? job.processedOn ?? now,
      expiresAt: lease?.expiresAt.getTime() ?? (job.processedOn ?? now) + dispatcher.options.leaseTtlMs,
      percent: lease?.percent ?? null,
      step: lease?.step ?? null,
      loss: lease?.loss ?? null,
    };
  }
  // Waiting (plain or prioritized): its place in the class, best first.
  const queue = dispatcher.queue(name);
  const ahead = await queue.getRanges(["wait", "prioritized"], 0, -1, true);
  const position = Math.max(0, ahead.indexOf(jobId));
  const online = await db
    .select()
    .from(pools)
    .where(and(eq(pools.status, "active"), gt(pools.lastHeartbeatAt, new Date(now - ONLINE_MS))));
  const fitting = online.filter((p) => requirements && poolFits(p, requirements));
  const capacity = fitting.reduce((sum, p) => sum + p.maxLeases, 0);
  const busy = await dispatcher.liveLeases(
    fitting.map((p) => p.id),
    now,
  );
  const spec = (job.data as TrainingJobData).spec as
    | { resources?: { maxTrainingMinutes?: number } }
    | undefined;
  const fallback = (spec?.resources?.maxTrainingMinutes ?? 0) * 60_000 || DEFAULT_DURATION_MS;
  const mean = await meanLeaseMs(db, name, fallback);
  const free = capacity - busy;
  let estimatedStartAt: number | null = null;
  if (capacity > 0) {
    estimatedStartAt =
      position < free ? now : now + mean / 2 + Math.floor((position - Math.max(free, 0)) / capacity) * mean;
  }
  return {
    state: "waiting",
    noPoolFits: capacity > 0 ? null : await noPoolFits(db, requirements, now),
    lastFailure,
    queue: name,
    position,
    capacity,
    busy,
    meanLeaseMs: Math.round(mean),
    estimatedStartAt: estimatedStartAt === null ? null : Math.round(estimatedStartAt),
    priority: job.priority,
  };
}
