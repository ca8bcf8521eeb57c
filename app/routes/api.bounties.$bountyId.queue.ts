/**
 * GET /api/bounties/:bountyId/queue: where the bounty's training job stands (JSON): waiting with its
 * position and estimated start, leased with its progress, completed, failed, or none.
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { bountyQueueStatus, QueueUnavailable } from "../models/queue.server.js";
import { apiError, onlyMethods } from "../utils/api.server.js";

export async function loader({ params }: LoaderFunctionArgs) {
  const bountyId = params.bountyId ?? "";
  if (!/^\d{1,78}$/.test(bountyId)) throw apiError(400, "bountyId must be a decimal number");
  try {
    return Response.json(await bountyQueueStatus(bountyId), { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    if (error instanceof QueueUnavailable) throw apiError(503, `queue status unavailable: ${error.message}`);
    throw error;
  }
}

/** Read-only: anything but GET and HEAD is answered 405 with `Allow`. */
export const action = onlyMethods("GET", "HEAD");
