/**
 * A checkpoint upload belongs to its lease: one checkpoint per lease (the same bytes may be sent again, as
 * a retry after a dropped connection), within the pool's rolling 24-hour quota. The upload is claimed in
 * `artifact_uploads` before its bytes stream in, at its cap, so uploads under way count against the quota
 * too; a pool's claims are taken one at a time (a transaction-scoped advisory lock), so concurrent uploads
 * cannot overshoot it.
 */
import { and, eq, gt, isNull, ne, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { type ArtifactUploadRow, artifactUploads } from "../../db/schema/index.js";

export const QUOTA_WINDOW_MS = 24 * 3_600_000;

/** An upload refused before any byte is stored; `status` is the HTTP answer. */
export class UploadRefused extends Error {
  constructor(
    readonly status: 409 | 429,
    message: string,
    /** For 429: seconds until the quota has room for this upload. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "UploadRefused";
  }
}

export interface UploadClaim {
  /** The most bytes this upload may stream: the artifact cap, or what is left of the quota. */
  limit: number;
  /** False when the lease had already claimed (or stored) these bytes: a retry, released by nobody. */
  fresh: boolean;
}

/**
 * Claims lease `leaseId`'s upload of `sha256` for `poolId`. Refuses (UploadRefused) another checkpoint
 * than the one the lease already uploaded (409), and an upload the quota has no room for (429, with
 * when it will have). `declaredBytes`: the request's Content-Length, when it has one.
 */
export async function claimUpload(
  db: Database,
  request: {
    leaseId: string;
    poolId: string;
    sha256: string;
    declaredBytes: number | undefined;
    maxBytes: number;
    quotaBytes: number;
  },
  now = new Date(),
): Promise<UploadClaim> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`artifact-upload:${request.poolId}`}))`);
    const [existing] = await tx
      .select()
      .from(artifactUploads)
      .where(eq(artifactUploads.leaseId, request.leaseId));
    if (existing && existing.sha256 !== request.sha256) {
      throw new UploadRefused(
        409,
        `lease ${request.leaseId} already uploaded checkpoint ${existing.sha256}: one checkpoint per lease ` +
          "(fail this lease and take another to upload different bytes)",
      );
    }
    const windowStart = new Date(now.getTime() - QUOTA_WINDOW_MS);
    const [used] = await tx
      .select({
        bytes: sql<string>`coalesce(sum(${artifactUploads.bytes}), 0)`,
        oldest: sql<Date | null>`min(${artifactUploads.uploadedAt})`,
      })
      .from(artifactUploads)
      .where(
        and(
          eq(artifactUploads.poolId, request.poolId),
          gt(artifactUploads.uploadedAt, windowStart),
          ne(artifactUploads.leaseId, request.leaseId),
        ),
      );
    const usedBytes = Number(used?.bytes ?? 0);
    const left = request.quotaBytes - usedBytes;
    const needs = request.declaredBytes ?? 1;
    if (needs > left) {
      const oldest = used?.oldest ? new Date(used.oldest).getTime() : now.getTime();
      throw new UploadRefused(
        429,
        `pool upload quota reached: ${usedBytes} of ${request.quotaBytes} bytes uploaded in the last 24 hours; ` +
          `this upload needs ${needs}`,
        Math.max(1, Math.ceil((oldest + QUOTA_WINDOW_MS - now.getTime()) / 1000)),
      );
    }
    const limit = Math.min(request.maxBytes, left);
    // The same bytes again (a retry): the claim stands as it is.
    if (existing) return { limit, fresh: false };
    await tx.insert(artifactUploads).values({
      leaseId: request.leaseId,
      poolId: request.poolId,
      sha256: request.sha256,
      bytes: request.declaredBytes ?? limit,
      uploadedAt: now,
    });
    return { limit, fresh: true };
  });
}

/** The claimed upload's bytes are in the store: it counts what it took from now on. */
export async function uploadStored(db: Database, leaseId: string, bytes: number): Promise<void> {
  await db
    .update(artifactUploads)
    .set({ bytes, storedAt: new Date() })
    .where(eq(artifactUploads.leaseId, leaseId));
}

/** The claimed upload failed (too large, wrong hash, cut off): a fresh claim is given back. */
export async function uploadFailed(db: Database, leaseId: string, claim: UploadClaim): Promise<void> {
  if (!claim.fresh) return;
  await db
    .delete(artifactUploads)
    .where(and(eq(artifactUploads.leaseId, leaseId), isNull(artifactUploads.storedAt)));
}

/** The checkpoint lease `leaseId` uploaded and stored, if any. */
export async function leaseUpload(db: Database, leaseId: string): Promise<ArtifactUploadRow | undefined> {
  const [row] = await db.select().from(artifactUploads).where(eq(artifactUploads.leaseId, leaseId));
  return row?.storedAt ? row : undefined;
}
