import { asc, eq } from "drizzle-orm";
import type { Database } from "../../db/client.server.js";
import { type DeploymentRow, deployments } from "../../db/schema/index.js";

/** The contracts the platform knows on `chainId`, by name. */
export function listDeployments(db: Database, chainId: number): Promise<DeploymentRow[]> {
  return db.select().from(deployments).where(eq(deployments.chainId, chainId)).orderBy(asc(deployments.name));
}
