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
  type Dispatcher,
  poolFits,
  requirementsOf,
  type TrainingJobData,
  trainingJobId,
} from "./dispatcher.js";

/** A pool seen within this long counts towards capacity. */
export const ONLINE_MS = 10 * 60_000;
const DEFAULT_DURATION_MS = 60 * 60_000;

export type QueueStatus =
  | { state: "none" }
  | {
      state: "waiting";
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
  | { state: "retrying"; queue: string; attempts: number }
  | {
      state: "leased";
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
  | { state: "failed"; queue: string; reason: string; attempts: number };

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

export async function queueStatus(
  dispatcher: Dispatcher,
  db: Database,
  chainId: number,
  bountyId: string,
  now = Date.now(),
): Promise<QueueStatus> {
  const jobId = trainingJobId(chainId, bountyId);
  for (const name of await dispatcher.classes()) {
    const queue = dispatcher.queue(name);
    const job = await queue.getJob(jobId);
    if (!job) continue;
    const state = await job.getState();
    const attempts = job.attemptsMade + job.stalledCounter;
    if (state === "completed") return { state: "completed", queue: name, finishedAt: job.finishedOn ?? null };
    if (state === "failed") {
      return { state: "failed", queue: name, reason: job.failedReason ?? "unknown", attempts };
    }
    if (state === "delayed") {
      return { state: "retrying", queue: name, attempts };
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
    const ahead = await queue.getRanges(["wait", "prioritized"], 0, -1, true);
    const position = Math.max(0, ahead.indexOf(jobId));
    const requirements = requirementsOf(name);
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
      queue: name,
      position,
      capacity,
      busy,
      meanLeaseMs: Math.round(mean),
      estimatedStartAt: estimatedStartAt === null ? null : Math.round(estimatedStartAt),
      priority: job.priority,
    };
  }
  return { state: "none" };
}
