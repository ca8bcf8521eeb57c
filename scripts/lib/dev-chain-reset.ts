/**
 * A new deployment on a dev chain means a new chain (anvil's state was lost)
 * or a new board on it: whatever the platform derived from the old one is
 * stale, and its ids come back meaning other things (bounty 1 of the new
 * board is not bounty 1 of the old). `npm run dev` clears it before the
 * workers start, so the new bounties are indexed, dispatched and evaluated
 * afresh:
 *
 * - the index of the chain (jobs/indexer/store.ts `resetChainProjection`);
 * - the chain's lease records, evaluation runs and notifications (an old run
 *   of submission 1 would stand for the new submission 1, and an old
 *   notification about bounty 1 would keep the new bounty 1's from being
 *   written: they are unique per bounty, account and kind);
 * - the queues, when Redis is the private redis-server dev runs: a training
 *   job's id is its bounty's, so a finished job of the old bounty 1 would keep
 *   the new bounty 1 from ever being queued. A Redis given as REDIS_URL is
 *   left alone (it is not dev's to wipe); the caller warns instead.
 *
 * Specs, eval sets, pools and artifacts stay: they are keyed by content or
 * name, not by chain position.
 */
import { eq } from "drizzle-orm";
import { openDb } from "../../db/client.js";
import { evaluationRuns, leases, notifications } from "../../db/schema/index.js";
import { resetChainProjection } from "../../jobs/indexer/index.js";
import { createRedis } from "../../server/redis.js";

export interface DevChainResetOptions {
  databaseUrl: string;
  chainId: number;
  /** The URL of dev's own redis-server, flushed; undefined leaves Redis untouched. */
  privateRedisUrl?: string | undefined;
}

export async function resetDevChainState(options: DevChainResetOptions): Promise<void> {
  const handle = await openDb({ kind: "postgres", url: options.databaseUrl });
  try {
    await resetChainProjection(handle.db, options.chainId);
    await handle.db.transaction(async (tx) => {
      await tx.delete(leases).where(eq(leases.chainId, options.chainId));
      await tx.delete(evaluationRuns).where(eq(evaluationRuns.chainId, options.chainId));
      await tx.delete(notifications).where(eq(notifications.chainId, options.chainId));
    });
  } finally {
    await handle.close();
  }
  if (options.privateRedisUrl) {
    const redis = createRedis(options.privateRedisUrl, "worker");
    try {
      await redis.flushdb();
    } finally {
      redis.disconnect();
    }
  }
}
