/**
 * Garbage collection of the artifact store: an artifact nothing refers to, older than the retention period,
 * is deleted; one something refers to never is. References:
 * - public (checkpoints, reports, imported training data): a submission's checkpoint hash (on-chain, so
 *   forever), a lease's completed checkpoint, an evaluation report, a registered spec that links it, an
 *   upload of a lease still active or made within the retention period;
 * - private (eval sets): every stored eval set (its commitment may be on-chain) and every revealed one.
 * Unfinished uploads (temporary files) older than a day go too. The record of which pools uploaded a
 * checkpoint (`owners/`) stays: a few bytes, and deleting it could race a new upload of the same bytes and
 * leave them ungated before their reveal. The worker runs it every
 * ARTIFACT_GC_INTERVAL_MS (one process at a time); `npm run artifacts -- gc [--dry-run]` by hand.
 */
import { and, eq, gte, or, sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import {
  artifactUploads,
  bounties,
  evalSets,
  evaluationRuns,
  leases,
  specs,
  submissions,
} from "../../db/schema/index.js";
import type { ArtifactArea, ArtifactStore } from "../../server/artifacts.js";
import { everyIntervalOnOneProcess } from "../../server/periodic.js";

export interface GcOptions {
  retentionMs: number;
  /** Report what would go, delete nothing. */
  dryRun?: boolean;
  now?: number;
}

export interface GcResult {
  removed: { area: ArtifactArea; sha256: string; size: number }[];
  kept: number;
  temporaries: number;
}

/** Whether anything refers to artifact `sha256` of `area` (see the module comment). */
async function isReferenced(db: Database, area: ArtifactArea, sha256: string, since: Date): Promise<boolean> {
  const any = async (query: Promise<unknown[]>) => (await query).length > 0;
  const checks =
    area === "private"
      ? [
          any(db.select({ one: sql`1` }).from(evalSets).where(eq(evalSets.sha256, sha256)).limit(1)),
          any(
            db
              .select({ one: sql`1` })
              .from(bounties)
              .where(sql`lower(${bounties.evalSetSha256}) in (${sha256}, ${`0x${sha256}`})`)
              .limit(1),
          ),
        ]
      : [
          any(
            db
              .select({ one: sql`1` })
              .from(submissions)
              .where(sql`lower(${submissions.checkpointHash}) = ${`0x${sha256}`}`)
              .limit(1),
          ),
          any(
            db
              .select({ one: sql`1` })
              .from(leases)
              .where(and(eq(leases.checkpointSha256, sha256), eq(leases.status, "completed")))
              .limit(1),
          ),
          any(
            db
              .select({ one: sql`1` })
              .from(evaluationRuns)
              .where(eq(evaluationRuns.reportSha256, sha256))
              .limit(1),
          ),
          any(db.select({ one: sql`1` }).from(evalSets).where(eq(evalSets.trainingSha256, sha256)).limit(1)),
          any(
            db
              .select({ one: sql`1` })
              .from(specs)
              .where(sql`${specs.spec}::text like ${`%${sha256}%`}`)
              .limit(1),
          ),
          any(
            db
              .select({ one: sql`1` })
              .from(artifactUploads)
              .innerJoin(leases, eq(leases.id, artifactUploads.leaseId))
              .where(
                and(
                  eq(artifactUploads.sha256, sha256),
                  or(eq(leases.status, "active"), gte(artifactUploads.uploadedAt, since)),
                ),
              )
              .limit(1),
          ),
        ];
  return (await Promise.all(checks)).some(Boolean);
}

/** One collection over both areas. */
export async function collectArtifacts(
  db: Database,
  store: ArtifactStore,
  options: GcOptions,
): Promise<GcResult> {
  const now = options.now ?? Date.now();
  const cutoff = now - options.retentionMs;
  const result: GcResult = { removed: [], kept: 0, temporaries: 0 };
  // Against the wrong (an empty, a fresh) database everything would look unreferenced: eval sets in the
  // store and none in the database means this is not the platform's database. Nothing is deleted then.
  const [anySet] = await db.select({ one: sql`1` }).from(evalSets).limit(1);
  if (!anySet) {
    for await (const _ of store.list("private")) {
      throw new Error(
        "the database holds no eval sets, yet the artifact store does: is this the platform's database " +
          "(DATABASE_URL)? Nothing was deleted.",
      );
    }
  }
  for (const area of ["public", "private"] as const) {
    for await (const artifact of store.list(area)) {
      if (artifact.mtimeMs >= cutoff || (await isReferenced(db, area, artifact.sha256, new Date(cutoff)))) {
        result.kept++;
        continue;
      }
      // Written again since it was listed (the same bytes uploaded anew): kept.
      if (options.dryRun || (await store.remove(area, artifact.sha256, cutoff))) {
        result.removed.push({ area, sha256: artifact.sha256, size: artifact.size });
      } else {
        result.kept++;
      }
    }
  }
  if (!options.dryRun) result.temporaries = await store.removeStaleTemporaries(now - 86_400_000);
  return result;
}

/** Runs the collection every `intervalMs`, on one process at a time. Returns a stop function. */
export function startArtifactGc(
  deps: { db: Database; store: ArtifactStore; redis: Redis; prefix: string; log: Logger },
  options: { intervalMs: number; retentionMs: number },
): () => void {
  return everyIntervalOnOneProcess(
    {
      redis: deps.redis,
      lockKey: `${deps.prefix}:artifacts:gc-lock`,
      intervalMs: options.intervalMs,
      log: deps.log,
      what: "collecting artifacts",
    },
    async () => {
      const result = await collectArtifacts(deps.db, deps.store, { retentionMs: options.retentionMs });
      if (result.removed.length > 0 || result.temporaries > 0) {
        deps.log.info(
          {
            removed: result.removed.length,
            bytes: result.removed.reduce((sum, a) => sum + a.size, 0),
            temporaries: result.temporaries,
            kept: result.kept,
          },
          "unreferenced artifacts collected",
        );
      }
    },
  );
}
