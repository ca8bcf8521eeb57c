/**
 * A checkpoint upload belongs to its lease: one checkpoint per lease, one upload at a time (the same bytes
 * sent again after they were stored are answered as stored), within the pool's rolling 24-hour quota. The upload is claimed in
 * `artifact_uploads` before its bytes stream in, at its cap, so uploads under way count against the quota
 * too; a pool's claims are taken one at a time (a transaction-scoped advisory lock), so concurrent uploads
 * cannot overshoot it.
 */
import { randomUUID } from "node:crypto";
import { and, eq, gt, isNull, ne, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { type ArtifactUploadRow, artifactUploads } from "../../db/schema/index.js";

export const QUOTA_WINDOW_MS = 24 * 3_600_000;

/** An upload refused before any byte is stored; `status` is the HTTP answer. */
export class UploadRefused extends Error {
  constructor(
    readonly status: 409 | 413 | 429,
    message: string,
    /** For 429: seconds until the quota has room for this upload. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "UploadRefused";
  }
}

/**
 * What a claim gives the request: the right to stream (its `uploadId`, and the most bytes it may take: the
 * artifact cap, or what is left of the quota), or, for bytes this lease already stored, their size (a
 * retry after a lost answer: nothing to stream).
 */
export type UploadClaim = { uploadId: string; limit: number } | { storedBytes: number };

/**
 * Claims lease `leaseId`'s upload of `sha256` for `poolId`. Refuses (UploadRefused) another checkpoint than
 * the one the lease already uploaded (409), a second upload while one is under way (409; one that started
 * more than `inFlightMs` ago is taken over, its request having timed out), an upload larger than the whole
 * quota (413), and one the quota has no room for now (429, with when it will have). `declaredBytes`: the
 * request's Content-Length, when it has one.
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
    inFlightMs: number;
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
    if (existing?.storedAt) return { storedBytes: existing.bytes };
    if (existing && existing.uploadedAt.getTime() > now.getTime() - request.inFlightMs) {
      throw new UploadRefused(
        409,
        `an upload of this checkpoint for lease ${request.leaseId} is under way since ` +
          `${existing.uploadedAt.toISOString()}: wait for its answer`,
      );
    }
    const needs = request.declaredBytes ?? 1;
    if (needs > request.quotaBytes) {
      throw new UploadRefused(
        413,
        `the checkpoint is ${needs} bytes; a pool may upload at most ${request.quotaBytes} bytes in 24 hours`,
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
    const claim = { uploadId: randomUUID(), limit };
    // Reserved at its cap until stored: uploads under way count against the quota too.
    const row = { bytes: request.declaredBytes ?? limit, uploadId: claim.uploadId, uploadedAt: now };
    if (existing) {
      // A stalled upload whose request timed out: this one takes its place.
      await tx.update(artifactUploads).set(row).where(eq(artifactUploads.leaseId, request.leaseId));
    } else {
      await tx
        .insert(artifactUploads)
        .values({ leaseId: request.leaseId, poolId: request.poolId, sha256: request.sha256, ...row });
    }
    return claim;
  });
}

/** The claimed upload's bytes are in the store: it counts what it took from now on. False if it lost its claim. */
export async function uploadStored(
  db: Database,
  leaseId: string,
  uploadId: string,
  bytes: number,
): Promise<boolean> {
  const updated = await db
    .update(artifactUploads)
    .set({ bytes, storedAt: new Date() })
    .where(and(eq(artifactUploads.leaseId, leaseId), eq(artifactUploads.uploadId, uploadId)))
    .returning({ leaseId: artifactUploads.leaseId });
  return updated.length > 0;
}

/** The claimed upload failed (too large, wrong hash, cut off): its claim is given back. */
export async function uploadFailed(db: Database, leaseId: string, uploadId: string): Promise<void> {
  await db
    .delete(artifactUploads)
    .where(
      and(
        eq(artifactUploads.leaseId, leaseId),
        eq(artifactUploads.uploadId, uploadId),
        isNull(artifactUploads.storedAt),
      ),
    );
}

/** The checkpoint lease `leaseId` uploaded and stored, if any. */
export async function leaseUpload(db: Database, leaseId: string): Promise<ArtifactUploadRow | undefined> {
  const [row] = await db.select().from(artifactUploads).where(eq(artifactUploads.leaseId, leaseId));
  return row?.storedAt ? row : undefined;
}
