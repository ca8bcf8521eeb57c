/**
 * No stranded training. A training job that spent its attempts fails for good in BullMQ, yet its bounty
 * stays Funded until the delivery deadline: without this nobody would train it again. The sweep offers
 * such a job once more, in rounds, each after a backoff that doubles (DISPATCH_REOFFER_MS up to
 * DISPATCH_REOFFER_MAX_MS), to any pool of its class, while the bounty is Funded on the index and its
 * delivery deadline (chain time) is ahead. The bounty page shows the failure, its reason and the next
 * round (queue-status.ts); `npm run training -- retry <bountyId>` starts a round by hand (retryTraining).
 */
import { and, eq } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { PublicClient } from "viem";
import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { bounties } from "../../db/schema/index.js";
import { everyIntervalOnOneProcess } from "../../server/periodic.js";
import type { Dispatcher } from "./dispatcher.js";
import { type DispatchBountyDeps, dispatchBounty } from "./on-bounty-funded.js";

export interface ReofferDeps {
  dispatcher: Dispatcher;
  db: Database;
  chain: PublicClient;
  log: Logger;
}

/**
 * Why a training job may not get another round, or null when it may. `final`: it never will (the bounty
 * left Funded, or its delivery deadline passed); otherwise it may later (not indexed yet).
 */
async function roundRefused(
  deps: ReofferDeps,
  chainId: number,
  bountyId: string,
  chainNow: () => Promise<bigint>,
): Promise<{ reason: string; final: boolean } | null> {
  const [bounty] = await deps.db
    .select({ status: bounties.status, deliveryDeadline: bounties.deliveryDeadline })
    .from(bounties)
    .where(and(eq(bounties.chainId, chainId), eq(bounties.bountyId, bountyId)));
  if (!bounty) return { reason: `bounty ${bountyId} is not indexed`, final: false };
  if (bounty.status !== "Funded") {
    return { reason: `bounty ${bountyId} is ${bounty.status}, not Funded`, final: true };
  }
  if ((await chainNow()) >= BigInt(bounty.deliveryDeadline)) {
    return {
      reason: `the delivery deadline of bounty ${bountyId} has passed: commits are closed`,
      final: true,
    };
  }
  return null;
}

/** The latest block's time, read once per sweep (uncached: viem would serve a 4 s old head). */
function chainClock(chain: PublicClient): () => Promise<bigint> {
  let read: Promise<bigint> | undefined;
  return () => {
    read ??= chain.getBlock({ blockTag: "latest" }).then((block) => block.timestamp);
    return read;
  };
}

/** One sweep: offers again every failed training job whose round is due. Resolves with their job ids. */
export async function reofferFailedTraining(deps: ReofferDeps, now = Date.now()): Promise<string[]> {
  const chainNow = chainClock(deps.chain);
  const offered: string[] = [];
  for await (const { queue, job } of deps.dispatcher.failedJobs()) {
    if (job.data.settled || deps.dispatcher.nextOfferAt(job) > now) continue;
    const refused = await roundRefused(deps, job.data.chainId, job.data.bountyId, chainNow);
    if (refused) {
      // Never again: marked, so later sweeps skip it without asking the database.
      if (refused.final) await job.updateData({ ...job.data, settled: refused.reason }).catch(() => {});
      continue;
    }
    try {
      await deps.dispatcher.reoffer(queue, job);
      offered.push(String(job.id));
    } catch (error) {
      // Offered by another sweep or by hand meanwhile, or removed.
      deps.log.warn({ jobId: job.id, err: error }, "could not offer a failed training job again");
    }
  }
  return offered;
}

/** Runs the sweep every `intervalMs`, on one process at a time. Returns a stop function. */
export function startReoffers(
  deps: ReofferDeps & { redis: Redis; prefix: string },
  intervalMs: number,
): () => void {
  return everyIntervalOnOneProcess(
    {
      redis: deps.redis,
      lockKey: `${deps.prefix}:dispatch:reoffer-lock`,
      intervalMs,
      log: deps.log,
      what: "offering failed training jobs again",
    },
    async () => {
      const offered = await reofferFailedTraining(deps);
      if (offered.length > 0) deps.log.info({ offered }, "failed training jobs offered again");
    },
  );
}

/** What a retry by hand did. */
export type RetryOutcome =
  | { action: "offered"; jobId: string; queue: string }
  | { action: "queued"; jobId: string }
  | { action: "none"; reason: string };

/**
 * A retry by hand (the operator's CLI): a failed job gets a new round now, whatever its backoff, and so
 * does a completed one whose bounty is still Funded (its checkpoint did not qualify); a bounty with no
 * training job at all (its dispatch failed, or its spec came late) is dispatched afresh. Refuses,
 * with the reason, a bounty that is not Funded or past its delivery deadline, and one already queued.
 */
export async function retryTraining(
  deps: ReofferDeps & Pick<DispatchBountyDeps, "tokenPrices">,
  chainId: number,
  bountyId: string,
): Promise<RetryOutcome> {
  const refused = await roundRefused(deps, chainId, bountyId, chainClock(deps.chain));
  if (refused) return { action: "none", reason: refused.reason };
  const found = await deps.dispatcher.findJob(chainId, bountyId);
  if (found) {
    const state = await found.job.getState();
    // Completed, yet the bounty is still Funded: its checkpoint did not qualify (or never reached the chain).
    if (state !== "failed" && state !== "completed") {
      return { action: "none", reason: `its training job is ${state}: nothing to retry` };
    }
    await deps.dispatcher.reoffer(found.queue, found.job, state);
    return { action: "offered", jobId: String(found.job.id), queue: found.queue };
  }
  const dispatched = await dispatchBounty({ chainId, bountyId }, Date.now(), deps);
  if (!dispatched.queued || !dispatched.jobId) {
    return { action: "none", reason: dispatched.reason ?? "it was not queued" };
  }
  return { action: "queued", jobId: dispatched.jobId };
}
