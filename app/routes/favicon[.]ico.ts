/**
 * GET /favicon.ico: browsers still ask for it where a page names no icon (a JSON answer, an artifact,
 * or a document being re-rendered). The icon is public/favicon.svg; send them there rather than a 404.
 */
export function loader() {
  return new Response(null, {
    status: 301,
    headers: { Location: "/favicon.svg", "Cache-Control": "public, max-age=86400" },
  });
}
