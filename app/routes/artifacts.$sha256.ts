/**
 * GET /artifacts/:sha256: an artifact by its content hash. Evaluation reports are public. A checkpoint is
 * public only once a submission revealed it on-chain (protocol v2, ADR 016: nobody can copy it between its
 * upload and its reveal); before that only the pool that uploaded it, by its bearer token, can read it back
 * (anyone else gets 404, as if it did not exist). Immutable by construction: a public answer is cached
 * forever, a private one never. Private eval sets are never served here.
 */
import { Readable } from "node:stream";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { isSha256 } from "../models/artifact.server.js";
import { requirePool } from "../models/pool.server.js";
import { isCheckpointRevealed } from "../models/spec.server.js";
import { services } from "../services.server.js";
import { onlyMethods } from "../utils/api.server.js";

const NOT_FOUND = () => new Response("no such artifact\n", { status: 404 });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const sha256 = params.sha256 ?? "";
  if (!isSha256(sha256)) return new Response("not a sha256\n", { status: 400 });
  const { artifacts, db } = await services();
  const found = await artifacts.has("public", sha256);
  if (!found) return NOT_FOUND();
  let cache = "public, max-age=31536000, immutable";
  // A checkpoint a pool uploaded is gated until its reveal; reports and the like have no owner.
  if (await artifacts.hasOwners(sha256)) {
    if (!(await isCheckpointRevealed(db.db, sha256))) {
      // Unrevealed: its own pool only. A bad token is a 401; no token, or another pool's, sees nothing.
      if (!request.headers.get("authorization")) return NOT_FOUND();
      const { pool } = await requirePool(request);
      if (!(await artifacts.isOwner(sha256, pool.id))) return NOT_FOUND();
      cache = "private, no-store";
    }
  }
  const body = Readable.toWeb(artifacts.read("public", sha256)) as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(found.size),
      "Cache-Control": cache,
      ETag: `"${sha256}"`,
    },
  });
}

/** Read-only: anything but GET and HEAD is answered 405 with `Allow`. */
export const action = onlyMethods("GET", "HEAD");
