import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { bounties, evalSets } from "../../db/schema/index.js";

/**
 * What the bounty's DAO needs to reveal its eval set on-chain (`revealEvalSet(bountyId, sha256, salt,
 * uri)`): the stored sha256 and salt of its commitment. Only for `account` being the DAO of the earliest
 * indexed bounty carrying the commitment (commitments are public: a later bounty reusing one cannot
 * make its DAO the owner), once that bounty was finalized, and only while the eval set is not yet
 * revealed on-chain. Undefined otherwise: the salt never leaves the server for anyone else.
 */
export async function evalSetRevealFor(
  db: Database,
  chainId: number,
  bountyId: string,
  account: string,
): Promise<{ sha256: `0x${string}`; salt: `0x${string}` } | undefined> {
  const [bounty] = await db
    .select({
      dao: bounties.dao,
      commitment: bounties.evalSetCommitment,
      finalizedAt: bounties.finalizedAt,
      revealedAt: bounties.evalSetRevealedAt,
    })
    .from(bounties)
    .where(and(eq(bounties.chainId, chainId), eq(bounties.bountyId, bountyId)));
  if (!bounty || bounty.finalizedAt === null || bounty.revealedAt !== null) return undefined;
  if (bounty.dao.toLowerCase() !== account.toLowerCase()) return undefined;
  const [first] = await db
    .select({ bountyId: bounties.bountyId })
    .from(bounties)
    .where(
      and(
        eq(bounties.chainId, chainId),
        sql`lower(${bounties.evalSetCommitment}) = ${bounty.commitment.toLowerCase()}`,
      ),
    )
    .orderBy(asc(bounties.createdBlock), asc(bounties.bountyId))
    .limit(1);
  if (first?.bountyId !== bountyId) return undefined;
  const [row] = await db
    .select({ sha256: evalSets.sha256, salt: evalSets.salt })
    .from(evalSets)
    .where(eq(evalSets.commitment, bounty.commitment.toLowerCase()));
  if (!row) return undefined;
  return { sha256: `0x${row.sha256}`, salt: row.salt as `0x${string}` };
}
