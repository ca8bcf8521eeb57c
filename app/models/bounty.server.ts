import { createHash } from "node:crypto";
import { and, asc, count, desc, eq, inArray, isNotNull, type SQL, sql } from "drizzle-orm";
import { getAddress } from "viem";
import { z } from "zod";
import { type BountySpec, TASK_TYPES } from "../../core/spec.js";
import { type Database, queryRows } from "../../db/client.js";
import {
  boardEvents,
  bounties,
  disputes,
  evaluationRuns,
  indexerState,
  leases,
  pools,
  specs,
  submissions,
  tokens,
} from "../../db/schema/index.js";
import { findSpec } from "../../jobs/bounties/index.js";
import { fundingValue } from "../../jobs/dispatch/index.js";
import { BOUNTY_SORTS, LISTED_STATUSES } from "../utils/bounty-list.js";

/* ------------------------------------------------------------------------ */
/* Funding normalized across tokens                                          */
/* ------------------------------------------------------------------------ */

/** Reference prices of one whole token by address (TOKEN_PRICES); an unlisted token counts 1. */
export type TokenPrices = ReadonlyMap<string, number>;

function priceOf(prices: TokenPrices, token: string): number {
  return prices.get(getAddress(token)) ?? prices.get(token) ?? 1;
}

type FundedRow = { raised: string; token: string; tokenDecimals: number | null };

/**
 * A bounty's raised amount in reference units, as the dispatcher weighs it (`fundingValue` in
 * jobs/dispatch/priority.ts): base units / 10^decimals × the token's reference price. Null while the
 * token's decimals are not indexed.
 */
function normalizedFunding(row: FundedRow, prices: TokenPrices) {
  return row.tokenDecimals === null
    ? null
    : fundingValue(BigInt(row.raised), row.tokenDecimals, priceOf(prices, row.token));
}

/** Rows with their normalized funding (`normalizedFunding`) added. */
function withFundingValues<Row extends FundedRow>(rows: Row[], prices: TokenPrices) {
  return rows.map((row) => ({ ...row, fundingValue: normalizedFunding(row, prices) }));
}

/**
 * The same value in SQL, to rank by it where the rows are: exact numeric arithmetic, the price a CASE over
 * the configured tokens (a handful). Null while the token's decimals are not indexed: such bounties rank
 * after the others (`nulls last`), since their amounts cannot be compared yet.
 */
function fundingValueSql(prices: TokenPrices): SQL {
  const priced = [...prices].map(
    ([token, price]) => sql`when ${token.toLowerCase()} then ${String(price)}::numeric`,
  );
  const price = priced.length
    ? sql`(case lower(${bounties.token}) ${sql.join(priced, sql` `)} else 1 end)`
    : sql`1`;
  return sql`(${bounties.raised} / power(10::numeric, ${tokens.decimals}) * ${price})`;
}

/** The token columns every bounty row carries (left-joined: null until the indexer has read the token). */
const TOKEN_COLUMNS = { tokenSymbol: tokens.symbol, tokenDecimals: tokens.decimals };
const tokenJoin = and(eq(tokens.chainId, bounties.chainId), eq(tokens.token, bounties.token));

export interface BountyOverview {
  bountyId: string;
  status: string;
  token: string;
  tokenSymbol: string | null;
  tokenDecimals: number | null;
  goal: string;
  raised: string;
  backerCount: number;
  createdTx: string;
}

/** The most funded bounties on `chainId`, ranked by funding normalized across tokens (see `fundedPage`). */
export function topFundedBounties(
  db: Database,
  chainId: number,
  prices: TokenPrices,
  limit = 10,
): Promise<BountyListRow[]> {
  return listRows(db, prices, { chainId }, "funding", limit);
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
  /** Words of a bounty's name or description (Postgres full-text search), or the start of its DAO's address. */
  q: z
    .string()
    .trim()
    // Control characters never get this far: server/http.ts refuses them in any request target.
    .max(200, { error: "a search is at most 200 characters" })
    .optional(),
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
  /** The raised amount in reference units (TOKEN_PRICES); null while the token's decimals are unknown. */
  fundingValue: number | null;
}

/** A row of the best-score board: a list row with its target, and its margin over it. */
export interface ScoredBountyRow extends BountyListRow {
  direction: string;
  targetScore: string;
  /** See `bounties.bestMargin`: how far the best score beats the target, 0 (just) to 1 (ideal). */
  bestMargin: number | null;
}

const taskOf = sql<string | null>`${specs.spec}->'task'->>'type'`;

/** A list row's columns: the bounty, its token's symbol and decimals, and from its spec its name, task and metric. */
const LIST_COLUMNS = {
  bountyId: bounties.bountyId,
  status: bounties.status,
  token: bounties.token,
  ...TOKEN_COLUMNS,
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

/**
 * Which bounties a list shows: those of a chain, narrowed by `where` (conditions on bounties, and on specs
 * when `joinSpecs`: the task filter).
 */
interface ListFilter {
  chainId: number;
  where?: SQL | undefined;
  joinSpecs?: boolean;
}

/**
 * The order of the sorts other than funding, ties broken by id: backers and newest are read off
 * bounties_backers_idx and bounties_status_idx; score off bounties_best_margin_idx, since best scores of
 * different metrics are compared by their margin over the target (see `bounties.bestMargin`), never by
 * their raw values.
 */
function order(sort: Exclude<BountyListQuery["sort"], "funding">): SQL[] {
  switch (sort) {
    case "backers":
      return [desc(bounties.backerCount), desc(bounties.raised), asc(bounties.bountyId)];
    case "newest":
      return [desc(bounties.createdBlock), desc(bounties.bountyId)];
    case "score":
      return [sql`${bounties.bestMargin} desc nulls last`, asc(bounties.bountyId)];
  }
}

/** LIST_COLUMNS as a raw select list, for the funding query (see `fundedPage`). */
const LIST_SELECT = sql.join(
  Object.entries(LIST_COLUMNS).map(([key, column]) => sql`${column} as ${sql.identifier(key)}`),
  sql`, `,
);

/**
 * One page of bounties by funding normalized across tokens (`fundingValueSql`), most first; ties by raised
 * base units, then id.
 *
 * Computing the value of every bounty to sort them costs about 60 ms over 10,000 (numeric division per
 * row, the specs joined before the sort). Instead: within one token the value orders as the raised amount
 * does (a positive factor; a zero price makes every value 0, and then the raised amount breaks the tie),
 * so the page lies within the first offset + limit matching bounties of each token, read in order off
 * bounties_token_raised_idx. The distinct tokens come from the same index, one probe each (a loose index
 * scan, so a bounty whose token row is missing still ranks). A page costs tokens × (offset + limit) rows
 * read, however many bounties there are (under a millisecond for the first pages); only the deepest pages
 * approach a full sort.
 *
 * A raw statement (drizzle's builder has no recursive CTE): its rows come back as the builder's would for
 * these column types (numeric as decimal strings, integer and double precision as numbers).
 */
async function fundedPage(
  db: Database,
  filter: ListFilter,
  prices: TokenPrices,
  limit: number,
  offset: number,
): Promise<Omit<BountyListRow, "fundingValue">[]> {
  const { chainId } = filter;
  return queryRows<Omit<BountyListRow, "fundingValue">>(
    db,
    sql`
    with recursive funded_tokens(token) as (
      (select token from ${bounties} where chain_id = ${chainId} order by token limit 1)
      union all
      select (select b.token from ${bounties} b where b.chain_id = ${chainId} and b.token > f.token
              order by b.token limit 1)
      from funded_tokens f where f.token is not null
    )
    select ${LIST_SELECT}
    from funded_tokens f
    cross join lateral (
      select ${bounties}.* from ${bounties}
      ${filter.joinSpecs ? sql`left join ${specs} on ${specs.specHash} = ${bounties.specHash}` : sql``}
      where ${bounties.chainId} = ${chainId} and ${bounties.token} = f.token
        ${filter.where ? sql`and ${filter.where}` : sql``}
      order by ${bounties.raised} desc, ${bounties.bountyId}
      limit ${offset + limit}
    ) as ${bounties}
    left join ${specs} on ${specs.specHash} = ${bounties.specHash}
    left join ${tokens} on ${tokenJoin}
    where f.token is not null
    order by ${fundingValueSql(prices)} desc nulls last, ${bounties.raised} desc, ${bounties.bountyId}
    limit ${limit} offset ${offset}`,
  );
}

async function listRows(
  db: Database,
  prices: TokenPrices,
  filter: ListFilter,
  sort: BountyListQuery["sort"],
  limit: number,
  offset = 0,
): Promise<BountyListRow[]> {
  const rows =
    sort === "funding"
      ? await fundedPage(db, filter, prices, limit, offset)
      : await db
          .select(LIST_COLUMNS)
          .from(bounties)
          .leftJoin(specs, eq(specs.specHash, bounties.specHash))
          .leftJoin(tokens, tokenJoin)
          .where(and(eq(bounties.chainId, filter.chainId), filter.where))
          .orderBy(...order(sort))
          .limit(limit)
          .offset(offset);
  return withFundingValues(rows, prices);
}

/** One page of bounties matching `query`, and how many match in all. */
export async function listBounties(
  db: Database,
  chainId: number,
  query: BountyListQuery,
  prices: TokenPrices,
): Promise<{ rows: BountyListRow[]; total: number; page: number; pages: number }> {
  const filter: ListFilter = {
    chainId,
    where: and(
      query.status ? eq(bounties.status, query.status) : undefined,
      query.task ? sql`${taskOf} = ${query.task}` : undefined,
      query.token ? sql`lower(${bounties.token}) = ${query.token}` : undefined,
      query.dao ? sql`lower(${bounties.dao}) = ${query.dao}` : undefined,
      query.q ? searchCondition(query.q) : undefined,
    ),
    joinSpecs: query.task !== undefined || Boolean(query.q),
  };
  const where = and(eq(bounties.chainId, chainId), filter.where);
  const [rows, [counted]] = await Promise.all([
    listRows(db, prices, filter, query.sort, BOUNTY_PAGE_SIZE, (query.page - 1) * BOUNTY_PAGE_SIZE),
    // The spec is joined only when the task filter or the search needs it.
    filter.joinSpecs
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

/**
 * The search's condition: the words (as a web search box takes them: quotes, or, -) in the spec's name or
 * description (`specs.search`, GIN-indexed), or, for a 0x… term, the start of the DAO's address.
 */
function searchCondition(q: string): SQL {
  const words = sql`${specs.search} @@ websearch_to_tsquery('simple', ${q})`;
  return /^0x[0-9a-fA-F]{1,40}$/.test(q)
    ? sql`(${words} or lower(${bounties.dao}) like ${`${q.toLowerCase()}%`})`
    : words;
}

/* ------------------------------------------------------------------------ */
/* One bounty: spec, submissions, the verifiable timeline                    */
/* ------------------------------------------------------------------------ */

/** The timeline's steps, in the order a bounty lives them. */
export const TIMELINE_STEPS = [
  "proposed",
  "contributed",
  "funded",
  "leased",
  "claimed",
  "checkpoint",
  "evaluated",
  "disputed",
  "finalized",
  "verified",
  "paid",
  "revenue",
  "shares",
] as const;
export type TimelineStep = (typeof TIMELINE_STEPS)[number];

/** The on-chain events that are timeline steps (a share Transfer: see `transferStep`). */
const STEP_OF_EVENT: Record<string, TimelineStep> = {
  BountyCreated: "proposed",
  BountyFunded: "funded",
  BountyClaimed: "claimed",
  CheckpointCommitted: "checkpoint",
  CheckpointRevealed: "checkpoint",
  EvaluationPublished: "evaluated",
  SubmissionDisqualified: "evaluated",
  BestSubmissionChanged: "evaluated",
  DisputeOpened: "disputed",
  DisputeResolved: "disputed",
  BountyFinalized: "finalized",
  BountyCancelled: "finalized",
  EvalSetRevealed: "verified",
  PayoutUnlocked: "verified",
  PayoutWithdrawn: "paid",
  Refunded: "paid",
  BondReturned: "paid",
  BondForfeited: "paid",
  RevenueDeposited: "revenue",
  RevenueClaimed: "revenue",
};

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/**
 * A share Transfer's step: a mint is a contribution, a move between holders a share transfer; a burn is
 * the refund's (its Refunded event is the step), so none.
 */
function transferStep(args: Record<string, unknown>): TimelineStep | undefined {
  if (args.sender === ZERO_ADDRESS) return "contributed";
  if (args.receiver === ZERO_ADDRESS) return undefined;
  return "shares";
}

/** The latest on-chain steps the timeline lists (contributions and share moves apart). */
export const TIMELINE_STEPS_SHOWN = 500;

/** The latest contributions and share moves the timeline lists; the funding chart shows them all. */
export const TIMELINE_TRANSFERS = 20;

export interface TimelineEntry {
  /** Unique within a bounty: the log's transaction and index, or the lease id. */
  key: string;
  step: TimelineStep;
  event: string;
  /** The transaction, for on-chain steps (a lease is off-chain). */
  txHash: string | null;
  blockNumber: number | null;
  logIndex: number | null;
  /** When (ISO): a lease's start, an event's block time where the index has it. */
  at: string | null;
  args: Record<string, unknown>;
}

/**
 * A submission as the bounty page shows it: committed (`revealedAt` null: the checkpoint is still secret),
 * then revealed (hash, URI, reveal transaction), then its verdict. `txHash` is the commit's transaction.
 */
export interface SubmissionRow {
  submissionId: string;
  trainer: string;
  commitment: string;
  committedAt: string;
  checkpointHash: string | null;
  uri: string | null;
  revealedAt: string | null;
  revealTx: string | null;
  verdict: string;
  score: string | null;
  txHash: string;
  /** The board's copy verdict: the earlier submission this one copies. */
  copyOf: string | null;
  outcome: string | null;
  reason: string | null;
  reportSha256: string | null;
}

/** A dispute of a submission's verdict, with its bond, the arbiter's deadline and its ruling. */
export type DisputeRow = Pick<
  typeof disputes.$inferSelect,
  | "disputeId"
  | "submissionId"
  | "disputer"
  | "bond"
  | "reasonHash"
  | "openedAt"
  | "deadline"
  | "outcome"
  | "score"
  | "reportHash"
  | "reward"
  | "resolveTx"
  | "withdrawn"
  | "txHash"
>;

/** A bounty's token: symbol and decimals are null until the indexer has read them from the token. */
export interface BountyToken {
  address: string;
  symbol: string | null;
  decimals: number | null;
}

export interface BountyDetail {
  bounty: typeof bounties.$inferSelect;
  /** The token it is funded in, for showing amounts (and for the funding form's parseUnits). */
  token: BountyToken;
  spec: BountySpec | undefined;
  submissions: SubmissionRow[];
  disputes: DisputeRow[];
  timeline: TimelineEntry[];
  /** Contributions and share moves older than the timeline's TIMELINE_TRANSFERS. */
  earlierTransfers: number;
}

/** What the DAO needs to reveal its eval set (only for it): jobs/evalsets/reveal.ts. */
export { evalSetRevealFor } from "../../jobs/evalsets/index.js";

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
  const bountyEvents = and(eq(boardEvents.chainId, chainId), eq(boardEvents.bountyId, bountyId));
  const [spec, subs, disputeRows, events, transfers, [transferCount], leaseRows, [token]] = await Promise.all(
    [
      findSpec(db, bounty.specHash),
      db
        .select({
          submissionId: submissions.submissionId,
          trainer: submissions.trainer,
          commitment: submissions.commitment,
          committedAt: submissions.committedAt,
          checkpointHash: submissions.checkpointHash,
          uri: submissions.uri,
          revealedAt: submissions.revealedAt,
          revealTx: submissions.revealTx,
          verdict: submissions.verdict,
          score: submissions.score,
          txHash: submissions.txHash,
          copyOf: sql<string | null>`coalesce(${submissions.copyOf}, ${evaluationRuns.copyOf})`,
          outcome: evaluationRuns.outcome,
          reason: evaluationRuns.reason,
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
        .select({
          disputeId: disputes.disputeId,
          submissionId: disputes.submissionId,
          disputer: disputes.disputer,
          bond: disputes.bond,
          reasonHash: disputes.reasonHash,
          openedAt: disputes.openedAt,
          deadline: disputes.deadline,
          outcome: disputes.outcome,
          score: disputes.score,
          reportHash: disputes.reportHash,
          reward: disputes.reward,
          resolveTx: disputes.resolveTx,
          withdrawn: disputes.withdrawn,
          txHash: disputes.txHash,
        })
        .from(disputes)
        .where(and(eq(disputes.chainId, chainId), eq(disputes.bountyId, bountyId)))
        .orderBy(asc(disputes.disputeId))
        .limit(200),
      db
        .select()
        .from(boardEvents)
        .where(and(bountyEvents, inArray(boardEvents.eventName, Object.keys(STEP_OF_EVENT))))
        // The latest steps, put in order below (a bounty with hundreds of submissions keeps its ending).
        .orderBy(desc(boardEvents.blockNumber), desc(boardEvents.logIndex))
        .limit(TIMELINE_STEPS_SHOWN),
      // The latest share Transfers (contributions, moves): a popular bounty has thousands.
      db
        .select()
        .from(boardEvents)
        .where(and(bountyEvents, eq(boardEvents.eventName, "Transfer")))
        .orderBy(desc(boardEvents.blockNumber), desc(boardEvents.logIndex))
        .limit(TIMELINE_TRANSFERS),
      db
        .select({ n: count() })
        .from(boardEvents)
        .where(and(bountyEvents, eq(boardEvents.eventName, "Transfer"))),
      db
        .select()
        .from(leases)
        .where(and(eq(leases.chainId, chainId), eq(leases.bountyId, bountyId)))
        // The latest leases (the running one among them), put oldest first below.
        .orderBy(desc(leases.leasedAt))
        .limit(50),
      db
        .select({ symbol: tokens.symbol, decimals: tokens.decimals })
        .from(tokens)
        .where(and(eq(tokens.chainId, chainId), eq(tokens.token, bounty.token))),
    ],
  );
  const entry = (event: typeof boardEvents.$inferSelect, step: TimelineStep): TimelineEntry => ({
    key: `${event.txHash}-${event.logIndex}`,
    step,
    event: event.eventName,
    txHash: event.txHash,
    blockNumber: event.blockNumber,
    logIndex: event.logIndex,
    at: event.blockTime === null ? null : new Date(Number(event.blockTime) * 1000).toISOString(),
    args: event.args as Record<string, unknown>,
  });
  const moves = transfers.flatMap((event) => {
    const step = transferStep(event.args as Record<string, unknown>);
    return step ? [entry(event, step)] : [];
  });
  const onchain = [
    ...events.map((event) => entry(event, STEP_OF_EVENT[event.eventName] as TimelineStep)),
    ...moves,
  ].sort(
    (a, b) =>
      (a.blockNumber as number) - (b.blockNumber as number) ||
      (a.logIndex as number) - (b.logIndex as number),
  );
  const leased: TimelineEntry[] = leaseRows.toReversed().map((lease) => ({
    key: lease.id,
    step: "leased",
    event: `Lease ${lease.status}`,
    txHash: null,
    blockNumber: null,
    logIndex: null,
    at: lease.leasedAt.toISOString(),
    args: { pool: lease.poolId, attempt: lease.attempt, percent: lease.percent },
  }));
  const timeline = placeLeases(onchain, leased);
  return {
    bounty,
    token: { address: bounty.token, symbol: token?.symbol ?? null, decimals: token?.decimals ?? null },
    spec,
    submissions: subs,
    disputes: disputeRows,
    timeline,
    earlierTransfers: Math.max(0, (transferCount?.n ?? 0) - transfers.length),
  };
}

/**
 * The off-chain leases (oldest first) among the on-chain steps (in chain order): never before the funding,
 * since nothing is leased earlier, and after it by time, each before the first step that came later (a
 * claim, a checkpoint, a share moved in the meantime). A step without a time keeps the leases before it.
 */
export function placeLeases(onchain: TimelineEntry[], leased: TimelineEntry[]): TimelineEntry[] {
  // The funding may be older than the steps the timeline keeps: then by time from the first kept step.
  const funded = onchain.findIndex((entry) => entry.step === "funded");
  const placed = onchain.slice(0, funded + 1);
  let next = funded + 1;
  for (const lease of leased) {
    while (next < onchain.length) {
      const at = onchain[next]?.at ?? null;
      if (at === null || lease.at === null || at > lease.at) break;
      placed.push(onchain[next++] as TimelineEntry);
    }
    placed.push(lease);
  }
  return [...placed, ...onchain.slice(next)];
}

/** What the bounty API answers for an indexed bounty: its row's public facts and how many submissions it has. */
export interface BountySummary {
  bounty: typeof bounties.$inferSelect;
  submissionCount: number;
}

/**
 * A bounty's row and its number of submissions, in one statement: what `/api/bounties/:id` needs, without
 * the page's timeline, charts and tables (`bountyDetail`). Undefined when the bounty is not indexed.
 */
export async function bountySummary(
  db: Database,
  chainId: number,
  bountyId: string,
): Promise<BountySummary | undefined> {
  const [row] = await db
    .select({
      bounty: bounties,
      submissionCount: sql<number>`(select count(*) from ${submissions}
        where ${submissions.chainId} = ${chainId} and ${submissions.bountyId} = ${bountyId})`.mapWith(Number),
    })
    .from(bounties)
    .where(and(eq(bounties.chainId, chainId), eq(bounties.bountyId, bountyId)));
  return row;
}

/* ------------------------------------------------------------------------ */
/* The home page's boards                                                    */
/* ------------------------------------------------------------------------ */

/** The home page's boards beside the top funded (topFundedBounties). */
export interface HomeBoards {
  byBackers: BountyListRow[];
  /** Bounties with a best qualifying score, by how far it beats their target (`bounties.bestMargin`). */
  byScore: ScoredBountyRow[];
  training: (BountyListRow & { percent: number | null; pool: string })[];
  fulfilled: (BountyListRow & { winner: string | null })[];
  totals: { bounties: number; funded: number; backers: number; submissions: number };
  /** The block the indexer had read through when the totals were counted (its cursor); null before its first. */
  indexedThrough: number | null;
}

/**
 * The platform's totals, remembered for TOTALS_TTL_MS per chain: they aggregate every bounty, change only
 * when the indexer writes, and a public page need not recount them for each visitor. They come with the
 * indexer's cursor read in the same statement, so the page says which block they are as of.
 */
const TOTALS_TTL_MS = 2_000;
type TotalsAsOf = Pick<HomeBoards, "totals" | "indexedThrough">;
const totalsCache = new Map<number, { at: number; value: Promise<TotalsAsOf> }>();

function platformTotals(db: Database, chainId: number): Promise<TotalsAsOf> {
  const cached = totalsCache.get(chainId);
  if (cached && Date.now() - cached.at < TOTALS_TTL_MS) return cached.value;
  const value = db
    .select({
      bounties: count(),
      funded:
        sql<number>`count(*) filter (where ${bounties.status} in ('Funded', 'Verifying', 'Fulfilled'))`.mapWith(
          Number,
        ),
      backers: sql<number>`coalesce(sum(${bounties.backerCount}), 0)`.mapWith(Number),
      submissions:
        sql<number>`(select count(*) from ${submissions} where ${submissions.chainId} = ${chainId})`.mapWith(
          Number,
        ),
      cursor: sql<
        string | null
      >`(select ${indexerState.cursor} from ${indexerState} where ${indexerState.chainId} = ${chainId})`,
    })
    .from(bounties)
    .where(eq(bounties.chainId, chainId))
    .then(([row]) => ({
      totals: {
        bounties: Number(row?.bounties ?? 0),
        funded: row?.funded ?? 0,
        backers: row?.backers ?? 0,
        submissions: row?.submissions ?? 0,
      },
      indexedThrough: row?.cursor == null ? null : Number(row.cursor),
    }));
  totalsCache.set(chainId, { at: Date.now(), value });
  value.catch(() => totalsCache.delete(chainId));
  return value;
}

/**
 * Prepares `query` as a named statement whose name carries a digest of its text, so that a name never
 * stands for two texts. Postgres keeps a connection's named statements for the connection's life: were
 * this module ever loaded twice into one process with a pool (a dev server that reloads modules instead of
 * restarting, as `remix dev` does today), an edited query under its old name would fail with "prepared
 * statement already exists".
 */
function prepareNamed<Prepared>(
  base: string,
  query: { toSQL(): { sql: string }; prepare(name: string): Prepared },
): Prepared {
  return query.prepare(
    `${base}_${createHash("sha256").update(query.toSQL().sql).digest("hex").slice(0, 12)}`,
  );
}

/**
 * The home page's board queries, prepared once per database: drizzle builds them once, not on every visit
 * to the most visited page (about a millisecond of the server's CPU per visit for four joined queries, ADR
 * 012), and they are named statements, which the database parses and plans once per connection rather than
 * on every call.
 */
function prepareHomeStatements(db: Database) {
  const chainId = sql.placeholder("chainId");
  return {
    byBackers: prepareNamed(
      "home_by_backers",
      db
        .select(LIST_COLUMNS)
        .from(bounties)
        .leftJoin(specs, eq(specs.specHash, bounties.specHash))
        .leftJoin(tokens, tokenJoin)
        .where(eq(bounties.chainId, chainId))
        .orderBy(...order("backers"))
        .limit(5),
    ),
    // Best scores: read off bounties_best_margin_idx.
    byScore: prepareNamed(
      "home_by_score",
      db
        .select({
          ...LIST_COLUMNS,
          direction: bounties.direction,
          targetScore: bounties.targetScore,
          bestMargin: bounties.bestMargin,
        })
        .from(bounties)
        .leftJoin(specs, eq(specs.specHash, bounties.specHash))
        .leftJoin(tokens, tokenJoin)
        .where(and(eq(bounties.chainId, chainId), isNotNull(bounties.bestMargin)))
        .orderBy(...order("score"))
        .limit(5),
    ),
    // The newest fulfilled bounties, each with its winner (the trainer of its best submission).
    fulfilled: prepareNamed(
      "home_fulfilled",
      db
        .select({ ...LIST_COLUMNS, winner: submissions.trainer })
        .from(bounties)
        .leftJoin(specs, eq(specs.specHash, bounties.specHash))
        .leftJoin(tokens, tokenJoin)
        .leftJoin(
          submissions,
          and(
            eq(submissions.chainId, bounties.chainId),
            eq(submissions.submissionId, bounties.bestSubmissionId),
          ),
        )
        .where(and(eq(bounties.chainId, chainId), eq(bounties.status, "Fulfilled")))
        .orderBy(...order("newest"))
        .limit(5),
    ),
    training: prepareNamed(
      "home_training",
      db
        .select({ bountyId: leases.bountyId, percent: leases.percent, pool: pools.name })
        .from(leases)
        .innerJoin(pools, eq(pools.id, leases.poolId))
        .where(and(eq(leases.chainId, chainId), eq(leases.status, "active")))
        .orderBy(desc(leases.leasedAt))
        .limit(5),
    ),
  };
}
const homeStatements = new WeakMap<Database, ReturnType<typeof prepareHomeStatements>>();

/** Everything the home page ranks and counts, in parallel queries served by indexes. */
export async function homeBoards(db: Database, chainId: number, prices: TokenPrices): Promise<HomeBoards> {
  let statements = homeStatements.get(db);
  if (!statements) {
    statements = prepareHomeStatements(db);
    homeStatements.set(db, statements);
  }
  const withFunding = <Row extends FundedRow>(rows: Row[]) => withFundingValues(rows, prices);
  const [byBackers, byScore, fulfilled, trainingRows, { totals, indexedThrough }] = await Promise.all([
    statements.byBackers.execute({ chainId }).then(withFunding),
    statements.byScore.execute({ chainId }).then(withFunding),
    statements.fulfilled.execute({ chainId }).then(withFunding),
    statements.training.execute({ chainId }),
    platformTotals(db, chainId),
  ]);
  const trainingIds = trainingRows.map((row) => row.bountyId);
  const trainingBounties = trainingIds.length
    ? await listRows(db, prices, { chainId, where: inArray(bounties.bountyId, trainingIds) }, "newest", 5)
    : [];
  return {
    byBackers,
    byScore,
    training: trainingRows.flatMap((lease) => {
      const row = trainingBounties.find((b) => b.bountyId === lease.bountyId);
      return row ? [{ ...row, percent: lease.percent, pool: lease.pool }] : [];
    }),
    fulfilled,
    totals,
    indexedThrough,
  };
}
