/** Queue transparency for the pages: a bounty's training job, its position and estimated start. */
import { type QueueStatus, queueStatus } from "../../jobs/dispatch/index.js";
import { services } from "../services.server.js";

export type { QueueStatus };

export async function bountyQueueStatus(bountyId: string): Promise<QueueStatus> {
  const { dispatcher, db, config } = await services();
  return queueStatus(dispatcher, db.db, config.CHAIN_ID, bountyId);
}
