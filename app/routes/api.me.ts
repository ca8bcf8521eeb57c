import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "../utils/session.server.js";

/** GET /api/me: the signed-in account and its CSRF token (for JSON calls), or 401. */
export async function loader({ request }: LoaderFunctionArgs) {
  const { address, csrf } = await requireUser(request, "api");
  return Response.json({ address, csrf }, { headers: { "Cache-Control": "no-store" } });
}
