import type { ActionFunctionArgs } from "@remix-run/node";
import { eq } from "drizzle-orm";
import { apiError, requireMethod } from "~/lib/api.server";
import { requireCsrf, requireUser, sameAccount } from "~/lib/session.server";
import { services } from "~/services.server";
import { pools } from "../../db/schema/index.js";
import { rotatePoolToken } from "../../jobs/dispatch/pools.server.js";

/**
 * POST /pools/:poolId/rotate-token (the pool's operator, signed in; form field or header with the CSRF
 * token): issues a new API token and revokes the old ones. The token is in the answer, once.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const user = await requireUser(request, "api");
  const form = request.headers.get("content-type")?.includes("form") ? await request.formData() : undefined;
  requireCsrf(request, user, form);
  const { db } = await services();
  const [pool] = await db.db
    .select()
    .from(pools)
    .where(eq(pools.id, params.poolId ?? ""));
  if (!pool) throw apiError(404, `no pool ${params.poolId}`);
  if (!sameAccount(user.address, pool.operator)) {
    throw apiError(403, `only the pool's operator (${pool.operator}) may rotate its token`);
  }
  const token = await rotatePoolToken(db.db, pool.id);
  return Response.json({ pool: pool.name, token }, { status: 201, headers: { "Cache-Control": "no-store" } });
}
