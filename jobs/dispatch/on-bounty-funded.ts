/**
 * `dispatch-bounty`: the indexer saw BountyFunded; queue the bounty's training
 * job for the GPU pools. The chain is read again (the event's block may have
 * been reorged away since), the requirements come from the bounty's spec, and
 * the priority inputs from the chain (raised), the index (token decimals,
 * backers) and the configured token prices. Idempotent: the training job's
 * id is the bounty's. A bounty whose spec is not registered yet is left for
 * `dispatchWaitingForSpec`, which the spec's registration calls.
 */
import { type Queue, UnrecoverableError } from "bullmq";
import { and, eq, sql } from "drizzle-orm";
import { getAddress, type PublicClient } from "viem";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { BOUNTY_STATUS, enumValue } from "../../core/board.js";
import type { Logger } from "../../core/logger.js";
import { type BountySpec, specRequirements } from "../../core/spec.js";
import type { Database } from "../../db/client.js";
import { bounties } from "../../db/schema/index.js";
import { findSpec } from "../bounties/index.js";
import { requireBoardAddress } from "../deployments/index.js";
import { indexedDecimals } from "../indexer/index.js";
import { dispatchBountyPayload, JOB } from "../queues.js";
import type { Dispatcher, Requirements } from "./dispatcher.js";

export interface DispatchBountyDeps {
  db: Database;
  chain: PublicClient;
  log: Logger;
  dispatcher: Dispatcher;
  /** Reference price of one whole token, by checksummed address (TOKEN_PRICES). */
  tokenPrices: ReadonlyMap<string, number>;
}

export async function dispatchBounty(
  data: unknown,
  enqueuedAt: number,
  deps: DispatchBountyDeps,
): Promise<{ queued: boolean; reason?: string; jobId?: string; priority?: number }> {
  const parsed = dispatchBountyPayload.safeParse(data);
  if (!parsed.success)
    throw new UnrecoverableError(`invalid dispatch-bounty payload: ${parsed.error.message}`);
  const { chainId, bountyId } = parsed.data;

  const boardAddress = await requireBoardAddress(deps.db, chainId);

  const onChain = await deps.chain.readContract({
    address: boardAddress,
    abi: bountyBoardAbi,
    functionName: "getBounty",
    args: [BigInt(bountyId)],
  });
  if (onChain.status !== enumValue(BOUNTY_STATUS, "Funded")) {
    // Reorged away, or already past training: nothing to queue.
    const status = BOUNTY_STATUS[onChain.status] ?? String(onChain.status);
    deps.log.info({ bountyId, status }, "bounty not funded on-chain; not queued");
    return { queued: false, reason: `bounty is ${status}` };
  }

  // Commits close at the delivery deadline (a reveal may follow within the reveal period): no point training
  // for a bounty nobody can commit to any more.
  const latest = await deps.chain.getBlock({ blockTag: "latest" });
  if (latest.timestamp >= onChain.deliveryDeadline) {
    deps.log.info(
      { bountyId, deliveryDeadline: onChain.deliveryDeadline.toString() },
      "bounty past its delivery deadline; not queued",
    );
    return { queued: false, reason: "the delivery deadline has passed: commits are closed" };
  }

  let spec: BountySpec | undefined;
  try {
    spec = await findSpec(deps.db, onChain.specHash);
  } catch (error) {
    throw new UnrecoverableError(`spec ${onChain.specHash} is stored but invalid: ${String(error)}`);
  }
  if (!spec) {
    // The bounty page says so; registering the spec dispatches it (dispatchWaitingForSpec).
    const reason = `spec ${onChain.specHash} is not registered with the platform: it is dispatched once it is`;
    deps.log.warn({ bountyId, specHash: onChain.specHash }, "bounty's spec not registered; not queued");
    return { queued: false, reason };
  }
  const needs = specRequirements(spec);
  // Rounded up to 0.01 GB so a class name never needs an exponent (the dispatcher parses it back).
  const requirements: Requirements = { minVramGb: Math.ceil(needs.minVramGb * 100) / 100, gpus: needs.gpus };

  const [indexed] = await deps.db
    .select({ backers: bounties.backerCount })
    .from(bounties)
    .where(and(eq(bounties.chainId, chainId), eq(bounties.bountyId, bountyId)));
  const token = getAddress(onChain.token);
  const queued = await deps.dispatcher.enqueue({
    chainId,
    bountyId,
    board: boardAddress,
    token,
    specHash: onChain.specHash,
    spec,
    requirements,
    raised: onChain.raised.toString(),
    decimals: await indexedDecimals(deps.db, chainId, token),
    price: deps.tokenPrices.get(token) ?? 1,
    backers: indexed?.backers ?? 1,
    enqueuedAt,
    deliveryDeadline: Number(onChain.deliveryDeadline),
  });
  deps.log.info(
    { bountyId, jobId: queued.jobId, queue: queued.queue, priority: queued.priority },
    "bounty queued",
  );
  return { queued: true, jobId: queued.jobId, priority: queued.priority };
}

/**
 * A spec was registered: dispatch the Funded bounties that were waiting for it (their BountyFunded found no
 * spec). One dispatch-bounty job per bounty and spec (a second registration adds nothing). Resolves with
 * the bounty ids.
 */
export async function dispatchWaitingForSpec(
  db: Database,
  /** The dispatch queue (QUEUE.dispatch). */
  dispatchQueue: Queue,
  chainId: number,
  specHash: string,
): Promise<string[]> {
  const waiting = await db
    .select({ bountyId: bounties.bountyId })
    .from(bounties)
    .where(
      and(
        eq(bounties.chainId, chainId),
        eq(bounties.status, "Funded"),
        sql`lower(${bounties.specHash}) = ${specHash.toLowerCase()}`,
      ),
    );
  for (const { bountyId } of waiting) {
    await dispatchQueue.add(
      JOB.dispatchBounty,
      { chainId, bountyId },
      { jobId: `${JOB.dispatchBounty}-${chainId}-${bountyId}-spec-${specHash.slice(2, 18).toLowerCase()}` },
    );
  }
  return waiting.map((row) => row.bountyId);
}
