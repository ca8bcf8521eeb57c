import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { apiError, onlyMethods, parseJsonBody, requireMethod } from "../utils/api.server.js";
import { SignInError, signIn } from "../utils/session.server.js";

const body = z.object({
  message: z.string().min(1, { error: "message is required" }).max(4_096, { error: "message is too long" }),
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/, { error: "signature must be 0x-prefixed hex" }),
});

/**
 * POST /auth/verify `{message, signature}`: checks a signed EIP-4361 message and starts a session
 * (an httpOnly cookie). Answers `{address, csrf}`; 400 names what is wrong with the message, 401 a bad
 * signature.
 */
export async function action({ request }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const { message, signature } = await parseJsonBody(request, body);
  try {
    const { address, cookie, csrf } = await signIn(request, message, signature as `0x${string}`);
    return Response.json(
      { address, csrf },
      { headers: { "Set-Cookie": cookie, "Cache-Control": "no-store" } },
    );
  } catch (error) {
    if (error instanceof SignInError) throw apiError(error.status, error.message);
    throw error;
  }
}

/** Any other method: 405 with `Allow`. */
export const loader = onlyMethods("POST");
