import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { bountySpecSchema } from "../../core/spec.js";
import { findSpec, registerSpecAndDispatch } from "../models/spec.server.js";
import { services } from "../services.server.js";
import { apiError, parseJsonBody, requireMethod } from "../utils/api.server.js";
import { requireCsrf, requireRole, requireUser } from "../utils/session.server.js";

/**
 * GET /api/specs?hash=0x…: a registered spec by its hash, public (its hash is on-chain), so anyone can
 * re-run an evaluation (`npm run verify`). 400 for a malformed hash, 404 for an unknown one.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const hash = new URL(request.url).searchParams.get("hash") ?? "";
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) throw apiError(400, "hash must be 0x followed by 64 hex digits");
  const { db } = await services();
  const spec = await findSpec(db.db, hash);
  if (!spec) throw apiError(404, `no spec is registered under ${hash}`);
  return Response.json(spec, { headers: { "Cache-Control": "public, max-age=31536000, immutable" } });
}

/**
 * POST /api/specs (a DAO, signed in; CSRF token in x-csrf-token): stores a bounty spec before the DAO's
 * wallet signs createBounty with its hash (or after: Funded bounties waiting for it are dispatched then).
 * 400 names each bad field; 201 `{specHash}`.
 */
export async function action({ request }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const user = await requireUser(request, "api");
  requireCsrf(request, user);
  await requireRole(user.address, "DAO_ROLE");
  const spec = await parseJsonBody(request, bountySpecSchema);
  const { specHash } = await registerSpecAndDispatch(await services(), spec);
  return Response.json({ specHash }, { status: 201 });
}
