/** POST /api/pool/lease: a pool agent asks for its next job (long poll up to `waitSeconds`). */
import type { ActionFunctionArgs } from "@remix-run/node";
import { leaseRequestSchema } from "../../core/pool-api.js";
import { leaseCall, leaseView, requirePool } from "../models/pool.server.js";
import { onlyMethods, parseJsonBody, requireMethod } from "../utils/api.server.js";

export async function action({ request }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const { pool, services } = await requirePool(request);
  const { waitSeconds } = await parseJsonBody(request, leaseRequestSchema);
  const lease = await leaseCall(() =>
    services.dispatcher.lease(pool, { waitMs: waitSeconds * 1_000, signal: request.signal }),
  );
  if (!lease) return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
  if (request.signal.aborted) {
    // The agent hung up while the job was being taken: nobody would ever heartbeat it.
    await services.dispatcher.abandon(pool, lease);
    return new Response(null, { status: 204 });
  }
  return Response.json({ lease: leaseView(lease) }, { headers: { "Cache-Control": "no-store" } });
}

/** Any other method: 405 with `Allow`. */
export const loader = onlyMethods("POST");
