import { type ActionFunctionArgs, type LoaderFunctionArgs, redirect } from "@remix-run/node";
import { requireMethod } from "../utils/api.server.js";

/**
 * GET /trainers/:address: moved to the account's desk, /accounts/:address, which shows a trainer's claims,
 * bonds, submissions and payouts beside the rest. 301, the query kept, so old links keep working (a bad
 * address is answered there, with a 400).
 */
export async function loader({ params, request }: LoaderFunctionArgs) {
  const { search } = new URL(request.url);
  return redirect(`/accounts/${encodeURIComponent(params.address ?? "")}${search}`, 301);
}

/** Any other method: 405 with `Allow` (a resource route without an action would answer a bare 405). */
export async function action({ request }: ActionFunctionArgs) {
  requireMethod(request, "GET", "HEAD");
  return null;
}
