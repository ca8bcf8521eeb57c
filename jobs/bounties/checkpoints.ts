import { eq } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { submissions } from "../../db/schema/index.js";
import { isSha256 } from "../../server/artifacts.js";

/**
 * Whether a checkpoint's reveal is on-chain: the index holds a submission that revealed this hash (on any
 * chain; the hash is the bytes'). Until then the checkpoint is not served publicly.
 */
export async function isCheckpointRevealed(db: Database, sha256: string): Promise<boolean> {
  if (!isSha256(sha256)) return false;
  const [row] = await db
    .select({ submissionId: submissions.submissionId })
    .from(submissions)
    .where(eq(submissions.checkpointHash, `0x${sha256}`))
    .limit(1);
  return row !== undefined;
}
