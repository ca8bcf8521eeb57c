/** POST /api/pool/leases/:leaseId/heartbeat: extends the lease and records progress. */
import type { ActionFunctionArgs } from "@remix-run/node";
import { heartbeatSchema } from "../../core/pool-api.js";
import { leaseCall, requirePool } from "../models/pool.server.js";
import { onlyMethods, parseJsonBody, requireMethod } from "../utils/api.server.js";

export async function action({ request, params }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const { pool, services } = await requirePool(request);
  const progress = await parseJsonBody(request, heartbeatSchema);
  const result = await leaseCall(() => services.dispatcher.heartbeat(pool, params.leaseId ?? "", progress));
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
}

/** Any other method: 405 with `Allow`. */
export const loader = onlyMethods("POST");
