/**
 * Eval sets for the web routes: storing a DAO's eval set, or its own data split into the private eval
 * set and the public training part. A `.server` module in app/ is left out of the browser bundle by
 * Remix, and so is everything it imports; modules outside app/ are not (Remix empties only app/ ones), and
 * the data import's CSV parser needs Node's Buffer, so routes take these from here.
 */
import { eq, inArray, sql } from "drizzle-orm";
import type { BountyStatus } from "../../core/board.js";
import type { Database } from "../../db/client.js";
import { bounties, type EvalSetRow, evalSets } from "../../db/schema/index.js";

export {
  builtinAlphabet,
  builtinEvalSet,
  DATA_FORMATS,
  type DataFormat,
  DataImportError,
  DEFAULT_HELD_OUT,
  deriveAlphabet,
  EVAL_SET_MAX_BYTES,
  formatOfFileName,
  IMPORT_LIMITS,
  type ImportResult,
  importDataset,
  randomSplitSalt,
  storeEvalSet,
  storeImportedData,
} from "../../jobs/evalsets/index.js";
export { sha256Hex } from "../../server/hash.js";

const FINALIZED = ["Fulfilled", "Failed", "Cancelled"] as const satisfies readonly BountyStatus[];

/** The stored eval set with this (lowercase) commitment. */
export async function evalSetOf(db: Database, commitment: string): Promise<EvalSetRow | undefined> {
  const [row] = await db.select().from(evalSets).where(eq(evalSets.commitment, commitment));
  return row;
}

/** Whether it was revealed on-chain, or every indexed bounty with `commitment` (at least one) ended. */
export async function isEvalSetRevealed(db: Database, commitment: string): Promise<boolean> {
  const [result] = await db
    .select({
      allFinalized: sql<boolean | null>`bool_and(${inArray(bounties.status, [...FINALIZED])})`,
      revealedOnChain: sql<boolean | null>`bool_or(${bounties.evalSetRevealedAt} is not null)`,
    })
    .from(bounties)
    .where(sql`lower(${bounties.evalSetCommitment}) = ${commitment}`);
  // bool_and over no rows is null: no bounty uses this eval set (yet), so it stays private.
  return result?.revealedOnChain === true || result?.allFinalized === true;
}
