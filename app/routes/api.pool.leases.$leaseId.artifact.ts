/**
 * PUT /api/pool/leases/:leaseId/artifact: the checkpoint's bytes, with their sha256 in x-content-sha256.
 * Only for the pool's own active lease, one checkpoint per lease and one upload at a time (409 otherwise;
 * bytes the lease already stored are answered 200 as stored), within the pool's 24-hour upload quota (429
 * with Retry-After; 413 past the whole quota). Streamed to disk, refused
 * past ARTIFACT_MAX_BYTES or what is left of the quota (413) or when the bytes do not hash to the declared
 * sha256 (400); empty files are refused (400). Answers the URI to reveal on-chain. The pool is recorded
 * as its owner first, so /artifacts/<sha256> serves it to this pool's token only until a submission revealed it
 * on-chain, then to everyone (ADR 016).
 */
import type { ActionFunctionArgs } from "@remix-run/node";
import { SHA256_HEADER } from "../../core/pool-api.js";
import {
  ArtifactError,
  claimUpload,
  isSha256,
  UploadRefused,
  uploadFailed,
  uploadStored,
} from "../models/artifact.server.js";
import { leaseCall, requirePool } from "../models/pool.server.js";
import { apiError, onlyMethods, requireMethod } from "../utils/api.server.js";

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export async function action({ request, params }: ActionFunctionArgs) {
  requireMethod(request, "PUT");
  const { pool, services } = await requirePool(request);
  const sha256 = request.headers.get(SHA256_HEADER) ?? "";
  if (!isSha256(sha256)) {
    throw apiError(400, `${SHA256_HEADER} must be the body's sha256 as 64 lower-case hex digits`, [
      { path: SHA256_HEADER, message: "must be 64 lower-case hex digits" },
    ]);
  }
  // sha256 of zero bytes: an empty file is no checkpoint, however it is sent (with a length or chunked).
  if (sha256 === EMPTY_SHA256 || request.headers.get("content-length") === "0") {
    throw apiError(400, "the checkpoint is empty: send the ONNX file's bytes");
  }
  const limit = services.config.ARTIFACT_MAX_BYTES;
  const length = request.headers.get("content-length");
  const declared = length === null ? undefined : Number(length);
  if (declared !== undefined && declared > limit) {
    throw apiError(413, `artifact is larger than the ${limit}-byte limit`);
  }
  const leaseId = params.leaseId ?? "";
  await leaseCall(() => services.dispatcher.assertActiveLease(pool, leaseId));
  if (!request.body) throw apiError(400, "the body is empty: send the checkpoint bytes");
  const db = services.db.db;
  const base = services.config.PUBLIC_URL ?? new URL(request.url).origin;
  const answer = (stored: { sha256: string; size: number }, status: number) =>
    Response.json({ ...stored, uri: `${base}/artifacts/${stored.sha256}` }, { status });
  let claim: Awaited<ReturnType<typeof claimUpload>>;
  try {
    claim = await claimUpload(db, {
      leaseId,
      poolId: pool.id,
      sha256,
      declaredBytes: declared,
      maxBytes: limit,
      quotaBytes: services.config.POOL_UPLOAD_QUOTA_BYTES,
      inFlightMs: services.config.HTTP_REQUEST_TIMEOUT_MS,
    });
  } catch (error) {
    if (!(error instanceof UploadRefused)) throw error;
    const response = apiError(error.status, error.message);
    if (error.retryAfterSeconds) response.headers.set("Retry-After", String(error.retryAfterSeconds));
    throw response;
  }
  // Stored by this lease already (its answer was lost): the same answer again, nothing read or counted.
  if ("storedBytes" in claim) return answer({ sha256, size: claim.storedBytes }, 200);
  try {
    // Owner first: the bytes are never in the store ungated.
    await services.artifacts.addOwner(sha256, pool.id);
    const stored = await services.artifacts.put("public", request.body, sha256, claim.limit);
    if (!(await uploadStored(db, leaseId, claim.uploadId, stored.size))) {
      throw apiError(409, `lease ${leaseId}'s upload was taken over by a later request`);
    }
    return answer(stored, 201);
  } catch (error) {
    await uploadFailed(db, leaseId, claim.uploadId);
    if (error instanceof ArtifactError) {
      // Past the quota's room rather than the artifact cap: say which.
      const message =
        error.status === 413 && claim.limit < limit
          ? `artifact is larger than the ${claim.limit} bytes left of the pool's 24-hour upload quota`
          : error.message;
      throw apiError(error.status, message);
    }
    throw error;
  }
}

/** Any other method: 405 with `Allow`. */
export const loader = onlyMethods("PUT");
