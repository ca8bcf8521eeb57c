import type { ActionFunctionArgs } from "@remix-run/node";
import { apiError, requireMethod } from "~/lib/api.server";
import { requireCsrf, requireRole, requireUser } from "~/lib/session.server";
import { services } from "~/services.server";
import { EVAL_SET_MAX_BYTES, storeEvalSet } from "../../lib/evalsets.server.js";
import { findSpec } from "../../lib/specs.server.js";
import { EvalSetError } from "../../ml/evalset.js";

/**
 * POST /api/eval-sets?specHash=0x… (a DAO, signed in; CSRF token in x-csrf-token; the eval-set file as
 * the body): validates the eval set against the registered spec and stores it privately with a fresh
 * salt. 201 `{commitment}`: the evalSetCommitment the DAO's wallet then signs into createBounty.
 */
export async function action({ request }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const user = await requireUser(request, "api");
  requireCsrf(request, user);
  await requireRole(user.address, "DAO_ROLE");
  const specHash = new URL(request.url).searchParams.get("specHash") ?? "";
  if (!/^0x[0-9a-f]{64}$/.test(specHash))
    throw apiError(400, "specHash must be the spec's 0x-prefixed sha256");
  const { db, artifacts } = await services();
  const spec = await findSpec(db.db, specHash);
  if (!spec) throw apiError(404, `no spec ${specHash} is registered: POST it to /api/specs first`);
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > EVAL_SET_MAX_BYTES)
    throw apiError(413, `an eval set is at most ${EVAL_SET_MAX_BYTES} bytes`);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.length > EVAL_SET_MAX_BYTES)
    throw apiError(413, `an eval set is at most ${EVAL_SET_MAX_BYTES} bytes`);
  try {
    const row = await storeEvalSet(db.db, artifacts, bytes, { spec, specHash });
    return Response.json({ commitment: row.commitment, samples: row.samples }, { status: 201 });
  } catch (error) {
    if (error instanceof EvalSetError) throw apiError(400, `invalid eval set: ${error.message}`);
    throw error;
  }
}
