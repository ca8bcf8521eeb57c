/** Queue transparency for the pages: a bounty's training job, its position and estimated start. */
import pTimeout from "p-timeout";
import { type QueueStatus, queueStatus } from "../../jobs/dispatch/index.js";
import { services } from "../services.server.js";

export type { QueueStatus };

/** Raised when Redis (the queues) does not answer within the page's budget. */
export class QueueUnavailable extends Error {}

/**
 * The bounty's queue status, or a QueueUnavailable after `timeoutMs`: the dispatcher's Redis connection
 * retries forever (the pool API waits out a Redis restart), so a page must not wait on it.
 */
export async function bountyQueueStatus(bountyId: string, timeoutMs = 1_000): Promise<QueueStatus> {
  const { dispatcher, db, config } = await services();
  return pTimeout(queueStatus(dispatcher, db.db, config.CHAIN_ID, bountyId), {
    milliseconds: timeoutMs,
    message: new QueueUnavailable(`the queues did not answer within ${timeoutMs} ms`),
  });
}
