/**
 * The keeper's schedule: one BullMQ job scheduler on the `keeper` queue, a `finalize-due` job every
 * KEEPER_INTERVAL_MS. Every worker process upserts the same scheduler id, so however many run there is
 * one schedule and each tick is one job, run by one of them. A run is its own retry (the next tick), so
 * the job is tried once and only a little history is kept.
 */
import type { Queue } from "bullmq";
import { JOB, KEEPER_SCHEDULER_ID } from "../queues.js";

/** Creates or updates the schedule (`intervalMs` > 0), or removes it (0: the keeper is off). */
export async function syncKeeperSchedule(
  queue: Queue,
  intervalMs: number,
): Promise<"scheduled" | "removed" | "absent"> {
  if (intervalMs === 0) {
    return (await queue.removeJobScheduler(KEEPER_SCHEDULER_ID)) ? "removed" : "absent";
  }
  await queue.upsertJobScheduler(
    KEEPER_SCHEDULER_ID,
    { every: intervalMs },
    {
      name: JOB.finalizeDue,
      data: {},
      opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
    },
  );
  return "scheduled";
}
