import type { ActionFunctionArgs } from "@remix-run/node";
import { parseJsonBody, requireMethod } from "~/lib/api.server";
import { requireCsrf, requireRole, requireUser } from "~/lib/session.server";
import { services } from "~/services.server";
import { bountySpecSchema } from "../../lib/spec.js";
import { registerSpec } from "../../lib/specs.server.js";

/**
 * POST /api/specs (a DAO, signed in; CSRF token in x-csrf-token): stores a bounty spec before the DAO's
 * wallet signs createBounty with its hash. 400 names each bad field; 201 `{specHash}`.
 */
export async function action({ request }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const user = await requireUser(request, "api");
  requireCsrf(request, user);
  await requireRole(user.address, "DAO_ROLE");
  const spec = await parseJsonBody(request, bountySpecSchema);
  const { db } = await services();
  const { specHash } = await registerSpec(db.db, spec);
  return Response.json({ specHash }, { status: 201 });
}
