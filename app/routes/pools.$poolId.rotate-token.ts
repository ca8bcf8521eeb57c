import type { ActionFunctionArgs } from "@remix-run/node";
import { poolById, rotatePoolToken } from "../models/pool.server.js";
import { services } from "../services.server.js";
import { apiError, onlyMethods, readForm, requireMethod } from "../utils/api.server.js";
import { requireCsrf, requireUser, sameAccount } from "../utils/session.server.js";

/**
 * POST /pools/:poolId/rotate-token (the pool's operator, signed in; form field or header with the CSRF
 * token): issues a new API token and revokes the old ones. The token is in the answer, once.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const user = await requireUser(request, "api");
  // The token may come as a header (JSON clients) or as the form field of a form post.
  const form = request.headers.get("content-type")?.includes("form") ? await readForm(request) : undefined;
  requireCsrf(request, user, form);
  const { db } = await services();
  const pool = await poolById(db.db, params.poolId ?? "");
  if (!pool) throw apiError(404, `no pool ${params.poolId}`);
  if (!sameAccount(user.address, pool.operator)) {
    throw apiError(403, `only the pool's operator (${pool.operator}) may rotate its token`);
  }
  const token = await rotatePoolToken(db.db, pool.id);
  return Response.json({ pool: pool.name, token }, { status: 201, headers: { "Cache-Control": "no-store" } });
}

/** Any other method: 405 with `Allow`. */
export const loader = onlyMethods("POST");
