import { type ActionFunctionArgs, redirect } from "@remix-run/node";
import { onlyMethods, readForm } from "../utils/api.server.js";
import { requireCsrf, requireUser, signOut } from "../utils/session.server.js";

/** POST /auth/logout (form with its CSRF token): ends the session. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, "api");
  requireCsrf(request, user, await readForm(request));
  return redirect("/", { headers: { "Set-Cookie": await signOut(request) } });
}

/** Any other method: 405 with `Allow`. */
export const loader = onlyMethods("POST");
