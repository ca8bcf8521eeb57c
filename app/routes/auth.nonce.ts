import { onlyMethods } from "../utils/api.server.js";
import { issueNonce, NONCE_TTL_S } from "../utils/session.server.js";

/** GET /auth/nonce: a single-use nonce for a Sign-In with Ethereum message, valid NONCE_TTL_S seconds. */
export async function loader() {
  return Response.json(
    { nonce: await issueNonce(), expiresInSeconds: NONCE_TTL_S },
    { headers: { "Cache-Control": "no-store" } },
  );
}

/** Read-only: anything but GET and HEAD is answered 405 with `Allow`. */
export const action = onlyMethods("GET", "HEAD");
