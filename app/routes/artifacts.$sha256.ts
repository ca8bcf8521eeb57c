/**
 * GET /artifacts/:sha256: a public artifact (a checkpoint, an evaluation report) by its content hash.
 * Immutable by construction, so cached forever. Private eval sets are never served here.
 */
import { Readable } from "node:stream";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { isSha256 } from "../../lib/artifacts.server.js";
import { services } from "../services.server.js";

export async function loader({ params }: LoaderFunctionArgs) {
  const sha256 = params.sha256 ?? "";
  if (!isSha256(sha256)) return new Response("not a sha256\n", { status: 400 });
  const { artifacts } = await services();
  const found = await artifacts.has("public", sha256);
  if (!found) return new Response("no such artifact\n", { status: 404 });
  const body = Readable.toWeb(artifacts.read("public", sha256)) as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(found.size),
      "Cache-Control": "public, max-age=31536000, immutable",
      ETag: `"${sha256}"`,
    },
  });
}
