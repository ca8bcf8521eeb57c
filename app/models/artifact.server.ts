/**
 * The artifact store's names and errors (server/artifacts.ts) and the lease uploads (jobs/artifacts), for
 * the routes that serve and take artifacts.
 */
import { eq, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { evaluationRuns } from "../../db/schema/index.js";

export {
  claimUpload,
  leaseUpload,
  UploadRefused,
  uploadFailed,
  uploadStored,
} from "../../jobs/artifacts/index.js";
export { ArtifactError, isSha256 } from "../../server/artifacts.js";

/** Whether an evaluation run wrote this report (its sha256, as /artifacts/ names it). */
export async function isEvaluationReport(db: Database, sha256: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql`1` })
    .from(evaluationRuns)
    .where(eq(evaluationRuns.reportSha256, sha256.toLowerCase()))
    .limit(1);
  return row !== undefined;
}
