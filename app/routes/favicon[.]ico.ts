/**
 * GET /favicon.ico: browsers still ask for it where a page names no icon (a JSON answer, an artifact,
 * or a document being re-rendered). The icon is public/favicon.svg; send them there rather than a 404.
 */
import { onlyMethods } from "../utils/api.server.js";

export function loader() {
  return new Response(null, {
    status: 301,
    headers: { Location: "/favicon.svg", "Cache-Control": "public, max-age=86400" },
  });
}

/** Read-only: anything but GET and HEAD is answered 405 with `Allow`. */
export const action = onlyMethods("GET", "HEAD");
