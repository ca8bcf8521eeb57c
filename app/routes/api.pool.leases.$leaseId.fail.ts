/** POST /api/pool/leases/:leaseId/fail: the agent gives the job up, retryably or not. */
import type { ActionFunctionArgs } from "@remix-run/node";
import { failSchema } from "../../core/pool-api.js";
import { leaseCall, requirePool } from "../models/pool.server.js";
import { onlyMethods, parseJsonBody, requireMethod } from "../utils/api.server.js";

export async function action({ request, params }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const { pool, services } = await requirePool(request);
  const { reason, retryable } = await parseJsonBody(request, failSchema);
  const result = await leaseCall(() =>
    services.dispatcher.fail(pool, params.leaseId ?? "", reason, retryable),
  );
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
}

/** Any other method: 405 with `Allow`. */
export const loader = onlyMethods("POST");
