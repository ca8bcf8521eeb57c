import { sql } from "drizzle-orm";
import {
  bigint,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { amount } from "./columns.js";

/**
 * A bounty spec, stored by its hash (the `specHash` a bounty carries on-chain).
 * The dispatcher reads a funded bounty's resource requirements from here.
 */
/** Postgres' full-text document type (drizzle has no built-in for it). */
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

export const specs = pgTable(
  "specs",
  {
    specHash: text("spec_hash").primaryKey(),
    spec: jsonb("spec").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** The spec's name and description as words (the bounty list's search, `?q=`), kept by Postgres. */
    search: tsvector("search").generatedAlwaysAs(
      sql`to_tsvector('simple', coalesce(spec->>'name', '') || ' ' || coalesce(spec->>'description', ''))`,
    ),
  },
  (t) => [index("specs_search_idx").using("gin", t.search)],
);

/** A GPU pool run by a trainer (its operator), with what it can run and how many leases at once. */
export const pools = pgTable(
  "pools",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    operator: text("operator").notNull(),
    gpuModel: text("gpu_model").notNull(),
    gpuCount: integer("gpu_count").notNull(),
    vramGb: doublePrecision("vram_gb").notNull(),
    maxLeases: integer("max_leases").notNull(),
    /** `active`, or `disabled` (its agent's calls are refused). */
    status: text("status").notNull().default("active"),
    lastHeartbeatAt: timestamp("last_heartbeat_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("pools_name_idx").on(t.name), index("pools_operator_idx").on(t.operator)],
);

/** A pool's API token: only its sha256 is stored; the token itself is shown once, at creation. */
export const poolTokens = pgTable(
  "pool_tokens",
  {
    id: text("id").primaryKey(),
    poolId: text("pool_id")
      .notNull()
      .references(() => pools.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("pool_tokens_hash_idx").on(t.tokenHash), index("pool_tokens_pool_idx").on(t.poolId)],
);

/**
 * One lease of a bounty's training job to a pool. The live lease is BullMQ's
 * job lock (its token is this id); this row is its record for the pages and
 * the queue estimates. `active` rows whose `expires_at` has passed are dead
 * leases the dispatcher has not swept yet: readers treat them as expired.
 */
export const leases = pgTable(
  "leases",
  {
    id: text("id").primaryKey(),
    chainId: integer("chain_id").notNull(),
    bountyId: amount("bounty_id").notNull(),
    jobId: text("job_id").notNull(),
    queue: text("queue").notNull(),
    poolId: text("pool_id")
      .notNull()
      .references(() => pools.id),
    /** 1 for the first lease of the job, 2 after one lost or failed lease, and so on. */
    attempt: integer("attempt").notNull(),
    /** `active`, `completed`, `failed` or `expired`. */
    status: text("status").notNull(),
    leasedAt: timestamp("leased_at", { withTimezone: true, precision: 3 }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, precision: 3 }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true, precision: 3 }),
    percent: doublePrecision("percent"),
    step: integer("step"),
    loss: doublePrecision("loss"),
    progressAt: timestamp("progress_at", { withTimezone: true, precision: 3 }),
    checkpointSha256: text("checkpoint_sha256"),
    checkpointUri: text("checkpoint_uri"),
    submissionTx: text("submission_tx"),
    reason: text("reason"),
  },
  (t) => [
    index("leases_pool_status_idx").on(t.poolId, t.status),
    index("leases_bounty_idx").on(t.chainId, t.bountyId),
    index("leases_job_idx").on(t.jobId),
    index("leases_active_idx").on(t.expiresAt).where(sql`${t.status} = 'active'`),
    index("leases_ended_idx").on(t.queue, t.endedAt.desc()),
  ],
);

/**
 * A lease's checkpoint upload: one per lease, claimed before the bytes stream in. Until they are stored
 * (`storedAt`), `bytes` is what the upload may take; then what it took. The pool's upload quota counts
 * these; the artifact GC keeps what an active or recent one names (jobs/artifacts/).
 */
export const artifactUploads = pgTable(
  "artifact_uploads",
  {
    leaseId: text("lease_id")
      .primaryKey()
      .references(() => leases.id, { onDelete: "cascade" }),
    poolId: text("pool_id").notNull(),
    /** The checkpoint's sha256, lowercase hex (its artifact name). */
    sha256: text("sha256").notNull(),
    bytes: bigint("bytes", { mode: "number" }).notNull(),
    /** The request streaming the bytes now (a new one per attempt); only it may finish or drop the claim. */
    uploadId: text("upload_id").notNull(),
    uploadedAt: timestamp("uploaded_at", { withTimezone: true }).notNull().defaultNow(),
    storedAt: timestamp("stored_at", { withTimezone: true }),
  },
  (t) => [
    index("artifact_uploads_pool_idx").on(t.poolId, t.uploadedAt),
    index("artifact_uploads_sha256_idx").on(t.sha256),
  ],
);

/**
 * A lease's progress over time: one point per heartbeat that carried progress (the lease row keeps only the
 * latest). The bounty page draws the running lease's loss and progress curve from these.
 */
export const leaseProgress = pgTable(
  "lease_progress",
  {
    leaseId: text("lease_id")
      .notNull()
      .references(() => leases.id, { onDelete: "cascade" }),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
    percent: doublePrecision("percent"),
    step: integer("step"),
    loss: doublePrecision("loss"),
  },
  (t) => [primaryKey({ columns: [t.leaseId, t.at] })],
);

export type PoolRow = typeof pools.$inferSelect;
export type ArtifactUploadRow = typeof artifactUploads.$inferSelect;
export type LeaseRow = typeof leases.$inferSelect;
