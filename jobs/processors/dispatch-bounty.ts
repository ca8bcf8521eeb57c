/**
 * `dispatch-bounty`: the indexer saw BountyFunded; queue the bounty's training
 * job for the GPU pools. The chain is read again (the event's block may have
 * been reorged away since), the requirements come from the bounty's spec, and
 * the priority inputs from the chain (raised, token decimals), the index
 * (backers) and the configured token prices. Idempotent: the training job's
 * id is the bounty's.
 */
import { UnrecoverableError } from "bullmq";
import { and, eq } from "drizzle-orm";
import { type Address, erc20Abi, getAddress, type PublicClient } from "viem";
import { z } from "zod";
import { bountyBoardAbi } from "../../contracts/abi.js";
import type { Database } from "../../db/client.server.js";
import { bounties, deployments, specs } from "../../db/schema/index.js";
import { BOUNTY_STATUS, enumValue } from "../../lib/board.server.js";
import type { Logger } from "../../lib/logger.server.js";
import type { Dispatcher, Requirements } from "../dispatch/dispatcher.server.js";

export const dispatchBountyPayload = z.object({
  chainId: z.number().int().positive(),
  bountyId: z.string().regex(/^\d+$/, "must be a decimal bounty id"),
  txHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
});

/** The part of a stored spec the dispatcher reads; the full schema lives in lib/spec.ts. */
const specResources = z.object({
  resources: z.object({
    // Rounded up to 0.01 GB so a class name never needs an exponent (requirementsOf parses it back).
    minVramGb: z
      .number()
      .min(0)
      .max(100_000)
      .transform((gb) => Math.ceil(gb * 100) / 100),
    gpus: z.number().int().min(0).max(100_000),
  }),
});

export interface DispatchBountyDeps {
  db: Database;
  chain: PublicClient;
  log: Logger;
  dispatcher: Dispatcher;
  /** Reference price of one whole token, by checksummed address (TOKEN_PRICES). */
  tokenPrices: ReadonlyMap<string, number>;
}

const decimalsCache = new Map<string, number>();

async function tokenDecimals(chain: PublicClient, token: Address): Promise<number> {
  const key = `${await chain.getChainId()}-${token}`;
  let decimals = decimalsCache.get(key);
  if (decimals === undefined) {
    decimals = await chain.readContract({ address: token, abi: erc20Abi, functionName: "decimals" });
    decimalsCache.set(key, decimals);
  }
  return decimals;
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

  const [board] = await deps.db
    .select({ address: deployments.address })
    .from(deployments)
    .where(and(eq(deployments.chainId, chainId), eq(deployments.name, "BountyBoard")));
  if (!board) throw new Error(`no BountyBoard deployment known on chain ${chainId} yet`);
  const boardAddress = getAddress(board.address);

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

  const [specRow] = await deps.db
    .select()
    .from(specs)
    .where(eq(specs.specHash, onChain.specHash.toLowerCase()));
  if (!specRow) {
    // Retried with backoff: the DAO may register the spec late. After the last attempt the job fails with this.
    throw new Error(`spec ${onChain.specHash} of bounty ${bountyId} is not registered with the platform`);
  }
  const resources = specResources.safeParse(specRow.spec);
  if (!resources.success) {
    throw new UnrecoverableError(
      `spec ${onChain.specHash} has no valid resources: ${resources.error.message}`,
    );
  }
  const requirements: Requirements = resources.data.resources;

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
    spec: specRow.spec,
    requirements,
    raised: onChain.raised.toString(),
    decimals: await tokenDecimals(deps.chain, token),
    price: deps.tokenPrices.get(token) ?? 1,
    backers: indexed?.backers ?? 1,
    enqueuedAt,
  });
  deps.log.info(
    { bountyId, jobId: queued.jobId, queue: queued.queue, priority: queued.priority },
    "bounty queued",
  );
  return { queued: true, jobId: queued.jobId, priority: queued.priority };
}
