/** One board transaction as the index holds it: its events, each with its bounty's token (for amounts). */
import { and, asc, eq } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { boardEvents, bounties, tokens } from "../../db/schema/index.js";

export async function transactionEvents(db: Database, chainId: number, txHash: string) {
  return db
    .select({
      logIndex: boardEvents.logIndex,
      blockNumber: boardEvents.blockNumber,
      blockTime: boardEvents.blockTime,
      eventName: boardEvents.eventName,
      bountyId: boardEvents.bountyId,
      args: boardEvents.args,
      tokenSymbol: tokens.symbol,
      tokenDecimals: tokens.decimals,
    })
    .from(boardEvents)
    .leftJoin(
      bounties,
      and(eq(bounties.chainId, boardEvents.chainId), eq(bounties.bountyId, boardEvents.bountyId)),
    )
    .leftJoin(tokens, and(eq(tokens.chainId, bounties.chainId), eq(tokens.token, bounties.token)))
    .where(and(eq(boardEvents.chainId, chainId), eq(boardEvents.txHash, txHash.toLowerCase())))
    .orderBy(asc(boardEvents.logIndex))
    .limit(200);
}
