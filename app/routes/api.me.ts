import type { LoaderFunctionArgs } from "@remix-run/node";
import { onlyMethods } from "../utils/api.server.js";
import { requireUser } from "../utils/session.server.js";

/** GET /api/me: the signed-in account and its CSRF token (for JSON calls), or 401. */
export async function loader({ request }: LoaderFunctionArgs) {
  const { address, csrf } = await requireUser(request, "api");
  return Response.json({ address, csrf }, { headers: { "Cache-Control": "no-store" } });
}

/** Read-only: anything but GET and HEAD is answered 405 with `Allow`. */
export const action = onlyMethods("GET", "HEAD");
