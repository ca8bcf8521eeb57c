import { type ActionFunctionArgs, redirect } from "@remix-run/node";
import { requireCsrf, requireUser, signOut } from "../utils/session.server.js";

/** POST /auth/logout (form with its CSRF token): ends the session. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, "api");
  requireCsrf(request, user, await request.formData());
  return redirect("/", { headers: { "Set-Cookie": await signOut(request) } });
}
