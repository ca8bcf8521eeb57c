import { and, asc, count, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client.server.js";
import {
  boardEvents,
  bounties,
  evaluationRuns,
  indexerState,
  leases,
  pools,
  specs,
  submissions,
} from "../../db/schema/index.js";
import { type BountySpec, TASK_TYPES } from "../../lib/spec.js";
import { findSpec } from "../../lib/specs.server.js";
import { BOUNTY_SORTS, LISTED_STATUSES } from "../lib/bounty-list.js";

export interface BountyOverview {
  bountyId: string;
  status: string;
  token: string;
  goal: string;
  raised: string;
  backerCount: number;
  createdTx: string;
}

/** The most funded bounties on `chainId` (the top-funded leaderboard index serves this). */
export async function topFundedBounties(
  db: Database,
  chainId: number,
  limit = 10,
): Promise<BountyOverview[]> {
  return db
    .select({
      bountyId: bounties.bountyId,
      status: bounties.status,
      token: bounties.token,
      goal: bounties.goal,
      raised: bounties.raised,
      backerCount: bounties.backerCount,
      createdTx: bounties.createdTx,
    })
    .from(bounties)
    .where(eq(bounties.chainId, chainId))
    .orderBy(desc(bounties.raised), bounties.bountyId)
    .limit(limit);
}

/** How far the indexer has read the chain: its cursor block, or undefined before its first batch. */
export async function indexedThrough(db: Database, chainId: number): Promise<number | undefined> {
  const [row] = await db
    .select({ cursor: indexerState.cursor })
    .from(indexerState)
    .where(eq(indexerState.chainId, chainId));
  return row ? Number(row.cursor) : undefined;
}

/* ------------------------------------------------------------------------ */
/* The bounty list: filters, sorting, server-side pagination                 */
/* ------------------------------------------------------------------------ */

export const BOUNTY_PAGE_SIZE = 20;
const addressParam = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, { error: "must be a 0x-prefixed 20-byte address" })
  .transform((value) => value.toLowerCase());

/** The list page's query string; every field optional. Bad values are reported per field. */
export const bountyListQuerySchema = z.object({
  status: z
    .enum(LISTED_STATUSES, { error: `status must be one of ${LISTED_STATUSES.join(", ")}` })
    .optional(),
  task: z.enum(TASK_TYPES, { error: `task must be one of ${TASK_TYPES.join(", ")}` }).optional(),
  token: addressParam.optional(),
  dao: addressParam.optional(),
  sort: z.enum(BOUNTY_SORTS, { error: `sort must be one of ${BOUNTY_SORTS.join(", ")}` }).default("funding"),
  page: z.coerce
    .number({ error: "page must be a number" })
    .int({ error: "page must be a whole number" })
    .min(1, { error: "page starts at 1" })
    .max(1_000_000, { error: "page is at most 1000000" })
    .default(1),
});
export type BountyListQuery = z.infer<typeof bountyListQuerySchema>;

/** Parses a query string; empty parameters count as absent (what an untouched form field sends). */
export function parseBountyListQuery(
  params: URLSearchParams,
): { ok: true; query: BountyListQuery } | { ok: false; fieldErrors: Record<string, string> } {
  const raw = Object.fromEntries([...params].filter(([, value]) => value !== ""));
  const parsed = bountyListQuerySchema.safeParse(raw);
  if (parsed.success) return { ok: true, query: parsed.data };
  const fieldErrors: Record<string, string> = {};
  for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0] ?? "query")] ??= issue.message;
  return { ok: false, fieldErrors };
}

export interface BountyListRow extends BountyOverview {
  dao: string;
  name: string | null;
  task: string | null;
  metric: string | null;
  bestScore: string | null;
  fundingDeadline: string;
}

const taskOf = sql<string | null>`${specs.spec}->'task'->>'type'`;

/** A list row's columns: the bounty and, from its spec, its name, task and metric. */
const LIST_COLUMNS = {
  bountyId: bounties.bountyId,
  status: bounties.status,
  token: bounties.token,
  goal: bounties.goal,
  raised: bounties.raised,
  backerCount: bounties.backerCount,
  createdTx: bounties.createdTx,
  dao: bounties.dao,
  fundingDeadline: bounties.fundingDeadline,
  bestScore: bounties.bestScore,
  name: sql<string | null>`${specs.spec}->>'name'`,
  task: taskOf,
  metric: sql<string | null>`${specs.spec}->'metric'->>'name'`,
};

/** Each sort's order, ties broken by id (the indexes bounties_raised_idx and bounties_backers_idx match). */
const ORDER = {
  funding: [desc(bounties.raised), asc(bounties.bountyId)],
  backers: [desc(bounties.backerCount), desc(bounties.raised), asc(bounties.bountyId)],
  newest: [desc(bounties.createdBlock), desc(bounties.bountyId)],
  score: [sql`${bounties.bestScore} desc nulls last`, asc(bounties.bountyId)],
} satisfies Record<BountyListQuery["sort"], unknown[]>;

function listRows(
  db: Database,
  where: SQL | undefined,
  sort: BountyListQuery["sort"],
  limit: number,
  offset = 0,
): Promise<BountyListRow[]> {
  return db
    .select(LIST_COLUMNS)
    .from(bounties)
    .leftJoin(specs, eq(specs.specHash, bounties.specHash))
    .where(where)
    .orderBy(...ORDER[sort])
    .limit(limit)
    .offset(offset);
}

/** One page of bounties matching `query`, and how many match in all. */
export async function listBounties(
  db: Database,
  chainId: number,
  query: BountyListQuery,
): Promise<{ rows: BountyListRow[]; total: number; page: number; pages: number }> {
  const where = and(
    eq(bounties.chainId, chainId),
    query.status ? eq(bounties.status, query.status) : undefined,
    query.task ? sql`${taskOf} = ${query.task}` : undefined,
    query.token ? sql`lower(${bounties.token}) = ${query.token}` : undefined,
    query.dao ? sql`lower(${bounties.dao}) = ${query.dao}` : undefined,
  );
  const [rows, [counted]] = await Promise.all([
    listRows(db, where, query.sort, BOUNTY_PAGE_SIZE, (query.page - 1) * BOUNTY_PAGE_SIZE),
    // The spec is joined only when the task filter needs it.
    query.task
      ? db
          .select({ total: count() })
          .from(bounties)
          .leftJoin(specs, eq(specs.specHash, bounties.specHash))
          .where(where)
      : db.select({ total: count() }).from(bounties).where(where),
  ]);
  const total = Number(counted?.total ?? 0);
  return { rows, total, page: query.page, pages: Math.max(1, Math.ceil(total / BOUNTY_PAGE_SIZE)) };
}

/* ------------------------------------------------------------------------ */
/* One bounty: spec, submissions, the verifiable timeline                    */
/* ------------------------------------------------------------------------ */

/** The timeline's steps, in the order a bounty lives them. */
export const TIMELINE_STEPS = [
  "proposed",
  "funded",
  "leased",
  "checkpoint",
  "evaluated",
  "finalized",
  "paid",
] as const;
export type TimelineStep = (typeof TIMELINE_STEPS)[number];

/** The on-chain events that are timeline steps. */
const STEP_OF_EVENT: Record<string, TimelineStep> = {
  BountyCreated: "proposed",
  BountyFunded: "funded",
  CheckpointSubmitted: "checkpoint",
  EvaluationPublished: "evaluated",
  SubmissionDisqualified: "evaluated",
  BountyFinalized: "finalized",
  BountyCancelled: "finalized",
  PayoutWithdrawn: "paid",
  Refunded: "paid",
};

export interface TimelineEntry {
  /** Unique within a bounty: the log's transaction and index, or the lease id. */
  key: string;
  step: TimelineStep;
  event: string;
  /** The transaction, for on-chain steps (a lease is off-chain). */
  txHash: string | null;
  blockNumber: number | null;
  at: string | null;
  args: Record<string, unknown>;
}

export interface SubmissionRow {
  submissionId: string;
  trainer: string;
  checkpointHash: string;
  uri: string;
  submittedAt: string;
  verdict: string;
  score: string | null;
  txHash: string;
  outcome: string | null;
  reason: string | null;
  copyOf: string | null;
  reportSha256: string | null;
}

export interface BountyDetail {
  bounty: typeof bounties.$inferSelect;
  spec: BountySpec | undefined;
  submissions: SubmissionRow[];
  timeline: TimelineEntry[];
}

/** Everything the bounty page shows, or undefined for a bounty the index does not hold. */
export async function bountyDetail(
  db: Database,
  chainId: number,
  bountyId: string,
): Promise<BountyDetail | undefined> {
  const [bounty] = await db
    .select()
    .from(bounties)
    .where(and(eq(bounties.chainId, chainId), eq(bounties.bountyId, bountyId)));
  if (!bounty) return undefined;
  const [spec, subs, events, leaseRows] = await Promise.all([
    findSpec(db, bounty.specHash),
    db
      .select({
        submissionId: submissions.submissionId,
        trainer: submissions.trainer,
        checkpointHash: submissions.checkpointHash,
        uri: submissions.uri,
        submittedAt: submissions.submittedAt,
        verdict: submissions.verdict,
        score: submissions.score,
        txHash: submissions.txHash,
        outcome: evaluationRuns.outcome,
        reason: evaluationRuns.reason,
        copyOf: evaluationRuns.copyOf,
        reportSha256: evaluationRuns.reportSha256,
      })
      .from(submissions)
      .leftJoin(
        evaluationRuns,
        and(
          eq(evaluationRuns.chainId, submissions.chainId),
          eq(evaluationRuns.submissionId, submissions.submissionId),
        ),
      )
      .where(and(eq(submissions.chainId, chainId), eq(submissions.bountyId, bountyId)))
      .orderBy(
        bounty.direction === "LowerIsBetter"
          ? sql`${submissions.score} asc nulls last`
          : sql`${submissions.score} desc nulls last`,
        asc(submissions.submissionId),
      )
      .limit(200),
    db
      .select()
      .from(boardEvents)
      .where(
        and(
          eq(boardEvents.chainId, chainId),
          eq(boardEvents.bountyId, bountyId),
          inArray(boardEvents.eventName, Object.keys(STEP_OF_EVENT)),
        ),
      )
      .orderBy(asc(boardEvents.blockNumber), asc(boardEvents.logIndex))
      .limit(500),
    db
      .select()
      .from(leases)
      .where(and(eq(leases.chainId, chainId), eq(leases.bountyId, bountyId)))
      .orderBy(asc(leases.leasedAt))
      .limit(50),
  ]);
  const onchain: TimelineEntry[] = events.map((event) => ({
    key: `${event.txHash}-${event.logIndex}`,
    step: STEP_OF_EVENT[event.eventName] as TimelineStep,
    event: event.eventName,
    txHash: event.txHash,
    blockNumber: event.blockNumber,
    at: null,
    args: event.args as Record<string, unknown>,
  }));
  const leased: TimelineEntry[] = leaseRows.map((lease) => ({
    key: lease.id,
    step: "leased",
    event: `Lease ${lease.status}`,
    txHash: null,
    blockNumber: null,
    at: lease.leasedAt.toISOString(),
    args: { pool: lease.poolId, attempt: lease.attempt, percent: lease.percent },
  }));
  // Leases are off-chain: they go after the funding, before the first later on-chain step.
  const later = onchain.findIndex(
    (entry) => TIMELINE_STEPS.indexOf(entry.step) > TIMELINE_STEPS.indexOf("leased"),
  );
  const at = later === -1 ? onchain.length : later;
  const timeline = [...onchain.slice(0, at), ...leased, ...onchain.slice(at)];
  return { bounty, spec, submissions: subs, timeline };
}

/* ------------------------------------------------------------------------ */
/* The home page's boards                                                    */
/* ------------------------------------------------------------------------ */

/** The home page's boards beside the top funded (topFundedBounties). */
export interface HomeBoards {
  byBackers: BountyListRow[];
  training: (BountyListRow & { percent: number | null; pool: string })[];
  fulfilled: (BountyListRow & { winner: string | null })[];
  totals: { bounties: number; funded: number; backers: number; submissions: number };
}

/** Everything the home page ranks and counts, in parallel queries served by indexes. */
/**
 * The platform's totals, remembered for TOTALS_TTL_MS per chain: they aggregate every bounty, change only
 * when the indexer writes, and a public page need not recount them for each visitor.
 */
const TOTALS_TTL_MS = 2_000;
const totalsCache = new Map<number, { at: number; value: Promise<HomeBoards["totals"]> }>();

function platformTotals(db: Database, chainId: number): Promise<HomeBoards["totals"]> {
  const cached = totalsCache.get(chainId);
  if (cached && Date.now() - cached.at < TOTALS_TTL_MS) return cached.value;
  const value = db
    .select({
      bounties: count(),
      funded: sql<number>`count(*) filter (where ${bounties.status} in ('Funded', 'Fulfilled'))`.mapWith(
        Number,
      ),
      backers: sql<number>`coalesce(sum(${bounties.backerCount}), 0)`.mapWith(Number),
      submissions:
        sql<number>`(select count(*) from ${submissions} where ${submissions.chainId} = ${chainId})`.mapWith(
          Number,
        ),
    })
    .from(bounties)
    .where(eq(bounties.chainId, chainId))
    .then(([row]) => ({
      bounties: Number(row?.bounties ?? 0),
      funded: row?.funded ?? 0,
      backers: row?.backers ?? 0,
      submissions: row?.submissions ?? 0,
    }));
  totalsCache.set(chainId, { at: Date.now(), value });
  value.catch(() => totalsCache.delete(chainId));
  return value;
}

export async function homeBoards(db: Database, chainId: number): Promise<HomeBoards> {
  const [byBackers, fulfilled, trainingRows, totals] = await Promise.all([
    listRows(db, eq(bounties.chainId, chainId), "backers", 5),
    // The newest fulfilled bounties, each with its winner (the trainer of its best submission).
    db
      .select({ ...LIST_COLUMNS, winner: submissions.trainer })
      .from(bounties)
      .leftJoin(specs, eq(specs.specHash, bounties.specHash))
      .leftJoin(
        submissions,
        and(
          eq(submissions.chainId, bounties.chainId),
          eq(submissions.submissionId, bounties.bestSubmissionId),
        ),
      )
      .where(and(eq(bounties.chainId, chainId), eq(bounties.status, "Fulfilled")))
      .orderBy(...ORDER.newest)
      .limit(5),
    db
      .select({ bountyId: leases.bountyId, percent: leases.percent, pool: pools.name })
      .from(leases)
      .innerJoin(pools, eq(pools.id, leases.poolId))
      .where(and(eq(leases.chainId, chainId), eq(leases.status, "active")))
      .orderBy(desc(leases.leasedAt))
      .limit(5),
    platformTotals(db, chainId),
  ]);
  const trainingIds = trainingRows.map((row) => row.bountyId);
  const trainingBounties = trainingIds.length
    ? await listRows(
        db,
        and(eq(bounties.chainId, chainId), inArray(bounties.bountyId, trainingIds)),
        "funding",
        5,
      )
    : [];
  return {
    byBackers,
    training: trainingRows.flatMap((lease) => {
      const row = trainingBounties.find((b) => b.bountyId === lease.bountyId);
      return row ? [{ ...row, percent: lease.percent, pool: lease.pool }] : [];
    }),
    fulfilled,
    totals,
  };
}
