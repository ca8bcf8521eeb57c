import { desc, eq } from "drizzle-orm";
import type { Database } from "../../db/client.server.js";
import { bounties, indexerState } from "../../db/schema/index.js";

export interface BountyOverview {
  bountyId: string;
  status: string;
  token: string;
  goal: string;
  raised: string;
  backerCount: number;
  createdTx: string;
}

/** The most funded bounties on `chainId` (the top-funded leaderboard index serves this). */
export async function topFundedBounties(
  db: Database,
  chainId: number,
  limit = 10,
): Promise<BountyOverview[]> {
  return db
    .select({
      bountyId: bounties.bountyId,
      status: bounties.status,
      token: bounties.token,
      goal: bounties.goal,
      raised: bounties.raised,
      backerCount: bounties.backerCount,
      createdTx: bounties.createdTx,
    })
    .from(bounties)
    .where(eq(bounties.chainId, chainId))
    .orderBy(desc(bounties.raised), bounties.bountyId)
    .limit(limit);
}

/** How far the indexer has read the chain: its cursor block, or undefined before its first batch. */
export async function indexedThrough(db: Database, chainId: number): Promise<number | undefined> {
  const [row] = await db
    .select({ cursor: indexerState.cursor })
    .from(indexerState)
    .where(eq(indexerState.chainId, chainId));
  return row ? Number(row.cursor) : undefined;
}
