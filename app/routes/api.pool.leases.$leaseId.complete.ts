/**
 * POST /api/pool/leases/:leaseId/complete: the checkpoint is uploaded and submitted; the job is done.
 * With `"next": true` the same call leases the pool its next job, answered as `next` (null when none
 * waits), as a BullMQ worker takes its next job as it completes one.
 */
import type { ActionFunctionArgs } from "@remix-run/node";
import { completeSchema } from "../../core/pool-api.js";
import { leaseUpload } from "../models/artifact.server.js";
import { leaseCall, leaseView, requirePool } from "../models/pool.server.js";
import { apiError, onlyMethods, parseJsonBody, requireMethod } from "../utils/api.server.js";

export async function action({ request, params }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const { pool, services } = await requirePool(request);
  const { next: wantNext, ...result } = await parseJsonBody(request, completeSchema);
  const leaseId = params.leaseId ?? "";
  await leaseCall(() => services.dispatcher.assertActiveLease(pool, leaseId));
  // The checkpoint must be the one this lease uploaded (and still stored). A lease with no upload of its
  // own may name one its pool uploaded before (its agent resuming a checkpoint; a lease taken before uploads
  // were recorded per lease).
  const upload = await leaseUpload(services.db.db, leaseId);
  const own = upload
    ? upload.sha256 === result.checkpointSha256
    : await services.artifacts.isOwner(result.checkpointSha256, pool.id);
  if (!own || !(await services.artifacts.has("public", result.checkpointSha256))) {
    const message = upload
      ? `this lease uploaded ${upload.sha256}, not ${result.checkpointSha256}`
      : "neither this lease nor its pool uploaded that checkpoint";
    throw apiError(400, `checkpointSha256: ${message}; upload it with this lease first`, [
      { path: "checkpointSha256", message },
    ]);
  }
  const next = await leaseCall(() =>
    services.dispatcher.complete(pool, leaseId, result, { next: wantNext === true }),
  );
  if (next && request.signal.aborted) {
    // The agent hung up while its next job was being taken: nobody would ever heartbeat it.
    await services.dispatcher.abandon(pool, next);
    return new Response(null, { status: 204 });
  }
  const body = wantNext ? { next: next ? leaseView(next) : null } : {};
  return Response.json(body, { headers: { "Cache-Control": "no-store" } });
}

/** Any other method: 405 with `Allow`. */
export const loader = onlyMethods("POST");
