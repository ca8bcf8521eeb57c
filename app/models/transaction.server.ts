/** Board events as the pages show them: each with the token its amounts are in. */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { boardEvents, bounties, tokens } from "../../db/schema/index.js";

/**
 * A select of board events, each with its amounts' token: its bounty's, or the token the event names itself
 * (fees, sweeps). The caller adds the filter, order and limit.
 */
export function eventsWithTokens(db: Database) {
  return db
    .select({
      txHash: boardEvents.txHash,
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
    .leftJoin(
      tokens,
      and(
        eq(tokens.chainId, boardEvents.chainId),
        eq(tokens.token, sql`coalesce(${bounties.token}, ${boardEvents.args}->>'token')`),
      ),
    );
}

/** One board transaction as the index holds it: its events in order. */
export async function transactionEvents(db: Database, chainId: number, txHash: string) {
  return eventsWithTokens(db)
    .where(and(eq(boardEvents.chainId, chainId), eq(boardEvents.txHash, txHash.toLowerCase())))
    .orderBy(asc(boardEvents.logIndex))
    .limit(200);
}
