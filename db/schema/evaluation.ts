import {
  bigint,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { amount } from "./columns.js";

/**
 * A private eval set, uploaded by a DAO when it proposes a bounty. The bytes live in the artifact store's
 * private area under their sha256; the salt stays here until the bounty is finalized and the set is
 * revealed. `commitment` = sha256(salt ‖ sha256) is the bounty's on-chain `evalSetCommitment`
 * (ml/evalset.ts).
 */
export const evalSets = pgTable("eval_sets", {
  commitment: text("commitment").primaryKey(),
  /** sha256 of the eval-set file, lowercase hex without 0x (its artifact name). */
  sha256: text("sha256").notNull(),
  /** 32 random bytes, 0x-hex: private until reveal. */
  salt: text("salt").notNull(),
  byteLength: bigint("byte_length", { mode: "number" }).notNull(),
  task: text("task").notNull(),
  samples: integer("samples").notNull(),
  /** The spec it was uploaded for, when known. */
  specHash: text("spec_hash"),
  /** The published training part, when the set was split from imported data (an artifact the GC keeps). */
  trainingSha256: text("training_sha256"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The evaluator's record of one submission, from checkpoint to on-chain verdict (jobs/evaluate).
 *
 * - `outcome`: `scored` (published with publishEvaluation), `copy` (its outputs match an earlier
 *   submission's: disqualified) or `invalid` (the checkpoint could not be evaluated: disqualified);
 *   null while it is being evaluated.
 * - `publish`: `pending` → `sent` (the signed transaction is saved BEFORE it is broadcast, so a retry
 *   re-sends the same transaction and never a second one) → `confirmed` or `reverted` (with `txError`),
 *   or `skipped` when the chain already held a verdict.
 */
export const evaluationRuns = pgTable(
  "evaluation_runs",
  {
    chainId: integer("chain_id").notNull(),
    submissionId: amount("submission_id").notNull(),
    bountyId: amount("bounty_id").notNull(),
    outcome: text("outcome"),
    reason: text("reason"),
    metric: text("metric"),
    score: doublePrecision("score"),
    /** The on-chain int128 score (9 decimals), decimal string. */
    onchainScore: amount("onchain_score"),
    /** sha256 of the report, lowercase hex without 0x (its artifact name); on-chain as `reportHash`. */
    reportSha256: text("report_sha256"),
    /** The submission this one copies (outcome `copy`). */
    copyOf: amount("copy_of"),
    /** The report (jobs/evaluate/report.ts); kept before the outcome is known, so a retry need not re-run. */
    report: jsonb("report").$type<Record<string, unknown>>(),
    /** Outputs on the probe rows (see jobs/evaluation/fingerprint.ts), for copy detection. */
    fingerprint: jsonb("fingerprint").$type<number[]>(),
    publish: text("publish").notNull().default("pending"),
    txHash: text("tx_hash"),
    rawTx: text("raw_tx"),
    txError: text("tx_error"),
    attempts: integer("attempts").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.submissionId] }),
    index("evaluation_runs_bounty_idx").on(t.chainId, t.bountyId, t.submissionId),
    // /reports/:sha256 shows only what an evaluation wrote.
    index("evaluation_runs_report_idx").on(t.reportSha256),
  ],
);

export type EvalSetRow = typeof evalSets.$inferSelect;
export type EvaluationRunRow = typeof evaluationRuns.$inferSelect;
