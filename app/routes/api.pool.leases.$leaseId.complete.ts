/** POST /api/pool/leases/:leaseId/complete: the checkpoint is uploaded and submitted; the job is done. */
import type { ActionFunctionArgs } from "@remix-run/node";
import { completeSchema } from "../../lib/pool-api.js";
import { apiError, parseJsonBody, requireMethod } from "../lib/api.server.js";
import { leaseCall, requirePool } from "../models/pool.server.js";

export async function action({ request, params }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const { pool, services } = await requirePool(request);
  const body = await parseJsonBody(request, completeSchema);
  const leaseId = params.leaseId ?? "";
  await leaseCall(() => services.dispatcher.assertActiveLease(pool, leaseId));
  if (!(await services.artifacts.has("public", body.checkpointSha256))) {
    throw apiError(400, `checkpointSha256: no uploaded artifact ${body.checkpointSha256}; upload it first`, [
      { path: "checkpointSha256", message: "no artifact with this hash was uploaded" },
    ]);
  }
  await leaseCall(() => services.dispatcher.complete(pool, leaseId, body));
  return Response.json({}, { headers: { "Cache-Control": "no-store" } });
}
