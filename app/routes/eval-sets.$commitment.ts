/**
 * GET /eval-sets/:commitment: a bounty's private eval set, revealed once the bounty is finalized, so
 * anyone can re-run the evaluation and check the published scores against the on-chain commitment
 * (sha256(salt ‖ sha256 of the file), ml/evalset.ts).
 *
 * - 400: the commitment is not 0x + 64 hex digits (any case), or `format` is not `json`;
 * - 404: no eval set is stored under it;
 * - 403: not revealed yet. Until then neither the bytes nor the salt ever leave the server;
 * - 200: the file as an attachment, its salt, sha256 and commitment in `x-eval-set-*` headers; with
 *   `?format=json`, those and its size, task and sample count as JSON with a `download` link.
 *
 * Revealed means: a bounty's DAO revealed it on-chain (EvalSetRevealed: the salt and sha256 are public
 * from then on, and the verification period needs the bytes), or at least one indexed bounty carries the
 * commitment and EVERY such bounty ended (Fulfilled, Failed or Cancelled). Commitments are public
 * on-chain, so "any one of them ended" would let any DAO leak a live bounty's eval set by creating a
 * bounty with the same commitment and cancelling it at once; an on-chain reveal needs the salt, which
 * only the DAO that stored the eval set can fetch (app/models/bounty.server.ts, evalSetRevealFor).
 */
import { Readable } from "node:stream";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { evalSetOf, isEvalSetRevealed } from "../models/eval-set.server.js";
import { services } from "../services.server.js";
import { apiError, onlyMethods } from "../utils/api.server.js";

const COMMITMENT = /^0x[0-9a-fA-F]{64}$/;

export async function loader({ params, request }: LoaderFunctionArgs) {
  const param = params.commitment ?? "";
  if (!COMMITMENT.test(param)) throw apiError(400, "the commitment must be 0x followed by 64 hex digits");
  const format = new URL(request.url).searchParams.get("format");
  if (format !== null && format !== "json") {
    throw apiError(400, "format must be json, or absent for the file");
  }
  // The store and the indexer both keep commitments lowercase.
  const commitment = param.toLowerCase();

  const { db, artifacts, log } = await services();
  const row = await evalSetOf(db.db, commitment);
  if (!row) throw apiError(404, `no eval set has the commitment ${commitment}`);
  if (!(await isEvalSetRevealed(db.db, commitment))) {
    throw apiError(403, "this eval set is private: its DAO reveals it once the bounty is finalized");
  }

  // Revealed bytes under a commitment never change (the commitment binds their sha256), and once
  // served they are public for good: cache them like any content-addressed artifact.
  const cacheControl = "public, max-age=31536000, immutable";
  if (format === "json") {
    return Response.json(
      {
        commitment,
        sha256: row.sha256,
        salt: row.salt,
        bytes: row.byteLength,
        task: row.task,
        samples: row.samples,
        download: `/eval-sets/${commitment}`,
      },
      { headers: { "Cache-Control": cacheControl } },
    );
  }

  const found = await artifacts.has("private", row.sha256);
  if (!found) {
    log.error({ commitment, sha256: row.sha256 }, "revealed eval set is missing from the artifact store");
    throw apiError(500, "the eval set's bytes are missing from the artifact store");
  }
  // HEAD answers the headers without opening the file.
  const body =
    request.method === "HEAD"
      ? null
      : (Readable.toWeb(artifacts.read("private", row.sha256)) as ReadableStream<Uint8Array>);
  return new Response(body, {
    headers: {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(found.size),
      "Content-Disposition": `attachment; filename="eval-set-${commitment.slice(2, 14)}.bin"`,
      // no-transform: the bytes must arrive exactly as hashed, with their length; it also keeps
      // remix-serve's compression middleware from gzipping (and dropping Content-Length) on the fly.
      "Cache-Control": `${cacheControl}, no-transform`,
      ETag: `"${row.sha256}"`,
      "x-eval-set-salt": row.salt,
      "x-eval-set-sha256": row.sha256,
      "x-eval-set-commitment": commitment,
    },
  });
}

/** Read-only: anything but GET and HEAD is answered 405 with `Allow`. */
export const action = onlyMethods("GET", "HEAD");
