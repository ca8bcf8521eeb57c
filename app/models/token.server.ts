import { and, asc, eq } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { tokens } from "../../db/schema/index.js";

export { indexedToken } from "../../jobs/indexer/index.js";

/** The tokens the board accepts for new bounties, with their symbol and decimals once indexed. */
export async function allowedTokens(db: Database, chainId: number) {
  return db
    .select({ token: tokens.token, symbol: tokens.symbol, name: tokens.name, decimals: tokens.decimals })
    .from(tokens)
    .where(and(eq(tokens.chainId, chainId), eq(tokens.allowed, true)))
    .orderBy(asc(tokens.symbol), asc(tokens.token))
    .limit(100);
}
