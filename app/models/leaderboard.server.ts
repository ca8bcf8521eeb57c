/**
 * The leaderboard (/leaderboard): models across bounties by their margin over the target, trainers by wins,
 * earnings and scored submissions, backers by what they funded. Every board is one SQL statement that
 * aggregates and ranks in Postgres and returns at most LEADERBOARD_LIMIT rows.
 *
 * Amounts in different tokens are never added as base units: each account's amounts are summed per token
 * and shown per token, and accounts are ranked by their value across tokens, as the home page ranks
 * funding (whole tokens × the token's reference price, TOKEN_PRICES, 1 when unlisted; see `fundingValue`
 * in jobs/dispatch). While a token's decimals are not indexed, an account holding it has no value and
 * ranks after those that have one.
 */
import { type AnyColumn, and, asc, eq, isNotNull, type SQL, sql } from "drizzle-orm";
import { getAddress, type Hex } from "viem";
import { z } from "zod";
import {
  fromOnchainScore,
  METRIC_NAMES,
  METRICS,
  type MetricName,
  metricIdOf,
  metricNameOf,
  metricsForTask,
  TASK_TYPES,
  type TaskType,
} from "../../core/spec.js";
import { type Database, queryRows } from "../../db/client.js";
import { backers, bounties, payments, specs, submissions, tokens } from "../../db/schema/index.js";
import { fundingValue } from "../../jobs/dispatch/index.js";
import type { TokenPrices } from "./bounty.server.js";

/** Rows per board. */
export const LEADERBOARD_LIMIT = 50;

/* ------------------------------------------------------------------------ */
/* The query string                                                          */
/* ------------------------------------------------------------------------ */

/** How the trainers' board may be ranked (`?trainers=`). */
export const TRAINER_SORTS = ["wins", "earnings", "scored"] as const;
export type TrainerSort = (typeof TRAINER_SORTS)[number];

/** `?task=&metric=&trainers=`, every field optional; a metric must score the task it is paired with. */
export const leaderboardQuerySchema = z
  .object({
    task: z.enum(TASK_TYPES, { error: `task must be one of ${TASK_TYPES.join(", ")}` }).optional(),
    metric: z
      .enum(METRIC_NAMES as [MetricName, ...MetricName[]], {
        error: `metric must be one of ${METRIC_NAMES.join(", ")}`,
      })
      .optional(),
    trainers: z
      .enum(TRAINER_SORTS, { error: `trainers must be ranked by one of ${TRAINER_SORTS.join(", ")}` })
      .default("wins"),
  })
  .superRefine((query, ctx) => {
    if (query.task && query.metric && METRICS[query.metric].task !== query.task) {
      ctx.addIssue({
        code: "custom",
        path: ["metric"],
        // core/spec.ts' wording for a spec that pairs them.
        message: `a ${query.task} bounty is scored by ${metricsForTask(query.task).join(" or ")}, not ${query.metric}`,
      });
    }
  });
export type LeaderboardQuery = z.infer<typeof leaderboardQuerySchema>;

/** Parses a query string; empty parameters count as absent (what an untouched form field sends). */
export function parseLeaderboardQuery(
  params: URLSearchParams,
): { ok: true; query: LeaderboardQuery } | { ok: false; fieldErrors: Record<string, string> } {
  const raw = Object.fromEntries([...params].filter(([, value]) => value !== ""));
  const parsed = leaderboardQuerySchema.safeParse(raw);
  if (parsed.success) return { ok: true, query: parsed.data };
  const fieldErrors: Record<string, string> = {};
  for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0] ?? "query")] ??= issue.message;
  return { ok: false, fieldErrors };
}

/* ------------------------------------------------------------------------ */
/* Display of scores and margins                                             */
/* ------------------------------------------------------------------------ */

/** A margin over the target (a share, 0 to 1) as a percentage with at most one decimal: 0.16466 is "16.5%". */
export function formatMargin(margin: number): string {
  return `${Math.round(margin * 1_000) / 10}%`;
}

/* ------------------------------------------------------------------------ */
/* Shared pieces                                                             */
/* ------------------------------------------------------------------------ */

/**
 * The bounties a filter keeps, by their on-chain metric: a task is the metrics that score it
 * (core/spec.ts' METRICS; a spec pairs them so), so the filter needs no spec, and works for bounties whose
 * spec is not registered.
 */
function metricCondition(query: Pick<LeaderboardQuery, "task" | "metric">, metricId: SQL | AnyColumn): SQL {
  const names = query.metric ? [query.metric] : query.task ? metricsForTask(query.task) : [];
  if (names.length === 0) return sql`true`;
  const ids = names.map((name) => sql`${metricIdOf(name).toLowerCase()}`);
  return sql`lower(${metricId}) in (${sql.join(ids, sql`, `)})`;
}

/**
 * The value of `amount` base units of `token` (whose decimals are `decimals`) in reference units, in SQL,
 * to rank by: the arithmetic of `fundingValue` (exact numeric), the price a CASE over the configured tokens.
 * Null while the decimals are unknown. It is bounty.server.ts' `fundingValueSql` over any amount rather
 * than `bounties.raised`; that one is private to its module, and should become this one.
 */
function valueSql(amount: SQL, token: SQL, decimals: SQL, prices: TokenPrices): SQL {
  const priced = [...prices].map(
    ([address, price]) => sql`when ${address.toLowerCase()} then ${String(price)}::numeric`,
  );
  const price = priced.length ? sql`(case lower(${token}) ${sql.join(priced, sql` `)} else 1 end)` : sql`1`;
  return sql`(${amount} / power(10::numeric, ${decimals}) * ${price})`;
}

/** An account's sum in one token, with what the page needs to show it. */
export interface TokenAmount {
  token: string;
  symbol: string | null;
  decimals: number | null;
  /** Base units, as a decimal string. */
  amount: string;
}

/**
 * Per-token sums (`sums`: account, token, amount; a token column `token`) folded per account: the value
 * across tokens (null if any token's decimals are unknown) and the amounts as a JSON array.
 */
function perAccount(sums: string, prices: TokenPrices): { value: SQL; amounts: SQL; join: SQL } {
  const s = sql.raw(sums);
  return {
    value: sql`case when bool_or(t.decimals is null) then null
      else sum(${valueSql(sql`${s}.amount`, sql`${s}.token`, sql`t.decimals`, prices)})::float8 end`,
    amounts: sql`jsonb_agg(jsonb_build_object('token', ${s}.token, 'amount', ${s}.amount::text,
      'symbol', t.symbol, 'decimals', t.decimals) order by ${s}.token)`,
    join: sql`left join ${tokens} t on t.chain_id = ${s}.chain_id and t.token = ${s}.token`,
  };
}

/** The display value of amounts in several tokens, with jobs/dispatch's `fundingValue` (as the home page). */
function valueAcross(amounts: TokenAmount[], prices: TokenPrices): number | null {
  let total = 0;
  for (const { token, decimals, amount } of amounts) {
    if (decimals === null) return null;
    total += fundingValue(BigInt(amount), decimals, prices.get(getAddress(token)) ?? prices.get(token) ?? 1);
  }
  return total;
}

/** Addresses are grouped case-insensitively and shown checksummed. */
const checksummed = (address: string) => getAddress(address);

/* ------------------------------------------------------------------------ */
/* The boards                                                                */
/* ------------------------------------------------------------------------ */

/** A bounty's best qualifying submission: the model it would pay for. */
export interface ModelRow {
  bountyId: string;
  name: string | null;
  task: TaskType | null;
  metric: string;
  direction: string;
  status: string;
  submissionId: string;
  /** Null only if the submission's row is missing from the index. */
  trainer: string | null;
  score: number;
  target: number;
  /** How far the score beats the target, 0 (just) to 1 (ideal): `bounties.bestMargin`. */
  margin: number | null;
  /** Won: the bounty is Fulfilled with this submission as its best. */
  won: boolean;
}

export interface TrainerRow {
  account: string;
  /** Fulfilled bounties whose best submission is theirs. */
  wins: number;
  /** Submissions with a published score (qualifying or not). */
  scored: number;
  /** Payouts withdrawn, per token. */
  earnings: TokenAmount[];
  /** Their value across tokens; 0 without earnings, null while a token's decimals are unknown. */
  earningsValue: number | null;
}

export interface BackerRow {
  account: string;
  /** Distinct bounties contributed to. */
  bounties: number;
  /** Contributions (share mints), per token, before any refund. */
  funded: TokenAmount[];
  /** Their value across tokens; null while a token's decimals are unknown. */
  fundedValue: number | null;
}

export interface Leaderboard {
  models: ModelRow[];
  trainers: TrainerRow[];
  backers: BackerRow[];
}

/**
 * Each bounty's best qualifying submission, by its margin over the target, whatever the metric: the
 * margin is the indexer's (`bestMarginSql` in jobs/indexer/store.ts, stored as `bounties.bestMargin`), and
 * the order is read off bounties_best_margin_idx. A margin of an unknown metric is null: those rank last.
 */
async function models(db: Database, chainId: number, query: LeaderboardQuery): Promise<ModelRow[]> {
  const rows = await db
    .select({
      bountyId: bounties.bountyId,
      name: sql<string | null>`${specs.spec}->>'name'`,
      metricId: bounties.metricId,
      direction: bounties.direction,
      status: bounties.status,
      submissionId: bounties.bestSubmissionId,
      trainer: submissions.trainer,
      score: bounties.bestScore,
      target: bounties.targetScore,
      margin: bounties.bestMargin,
    })
    .from(bounties)
    .leftJoin(specs, eq(specs.specHash, bounties.specHash))
    .leftJoin(
      submissions,
      and(eq(submissions.chainId, bounties.chainId), eq(submissions.submissionId, bounties.bestSubmissionId)),
    )
    .where(
      and(
        eq(bounties.chainId, chainId),
        isNotNull(bounties.bestSubmissionId),
        isNotNull(bounties.bestScore),
        metricCondition(query, bounties.metricId),
      ),
    )
    .orderBy(sql`${bounties.bestMargin} desc nulls last`, asc(bounties.bountyId))
    .limit(LEADERBOARD_LIMIT);
  return rows.map((row) => {
    const metric = metricName(row.metricId);
    return {
      bountyId: row.bountyId,
      name: row.name,
      task: metric in METRICS ? METRICS[metric as MetricName].task : null,
      metric,
      direction: row.direction,
      status: row.status,
      submissionId: row.submissionId ?? "",
      trainer: row.trainer === null ? null : checksummed(row.trainer),
      score: fromOnchainScore(BigInt(row.score ?? 0)),
      target: fromOnchainScore(BigInt(row.target)),
      margin: row.margin,
      won: row.status === "Fulfilled",
    };
  });
}

/** The metric's name from its on-chain id (a right-padded bytes32 string); the id itself if unreadable. */
function metricName(metricId: string): string {
  try {
    return metricNameOf(metricId as Hex);
  } catch {
    return metricId;
  }
}

const TRAINER_ORDER: Record<TrainerSort, SQL> = {
  wins: sql`wins desc, "earningsValue" desc nulls last, scored desc, account`,
  earnings: sql`"earningsValue" desc nulls last, wins desc, scored desc, account`,
  scored: sql`scored desc, wins desc, "earningsValue" desc nulls last, account`,
};

/**
 * Trainers with a scored submission, a win or a payout: their wins (Fulfilled bounties whose best
 * submission is theirs), their scored submissions and their payouts, ranked by `query.trainers`, ties by
 * the others. Unfiltered (the page as most visit it), the scored submissions are counted without reading
 * the bounties; wins start from the Fulfilled bounties (bounties_status_idx), one submission each.
 */
async function trainers(
  db: Database,
  chainId: number,
  query: LeaderboardQuery,
  prices: TokenPrices,
): Promise<TrainerRow[]> {
  const earned = perAccount("paid", prices);
  const filtered = query.task !== undefined || query.metric !== undefined;
  const rows = await queryRows<{
    account: string;
    wins: number;
    scored: number;
    earningsValue: number | null;
    earnings: TokenAmount[];
  }>(
    db,
    sql`
    with scored as (
      select lower(s.trainer) as account, count(*)::int as scored
      from ${submissions} s
      where s.chain_id = ${chainId} and s.verdict = 'Scored'
        ${
          filtered
            ? sql`and exists (select 1 from ${bounties} b where b.chain_id = s.chain_id
                  and b.bounty_id = s.bounty_id and ${metricCondition(query, sql`b.metric_id`)})`
            : sql``
        }
      group by 1
    ),
    won as (
      select lower(s.trainer) as account, count(*)::int as wins
      from ${bounties} b
      join ${submissions} s on s.chain_id = b.chain_id and s.submission_id = b.best_submission_id
        and s.bounty_id = b.bounty_id
      where b.chain_id = ${chainId} and b.status = 'Fulfilled' and ${metricCondition(query, sql`b.metric_id`)}
      group by 1
    ),
    paid as (
      select p.chain_id, lower(p.account) as account, b.token, sum(p.amount) as amount
      from ${payments} p
      join ${bounties} b on b.chain_id = p.chain_id and b.bounty_id = p.bounty_id
      where p.chain_id = ${chainId} and p.kind = 'payout' and ${metricCondition(query, sql`b.metric_id`)}
      group by 1, 2, 3
    ),
    earned as (
      select paid.account, ${earned.value} as value, ${earned.amounts} as amounts
      from paid ${earned.join}
      group by paid.account
    )
    select account,
           coalesce(won.wins, 0) as wins,
           coalesce(scored.scored, 0) as scored,
           case when earned.amounts is null then 0 else earned.value end as "earningsValue",
           coalesce(earned.amounts, '[]'::jsonb) as earnings
    from scored
    full join won using (account)
    full join earned using (account)
    order by ${TRAINER_ORDER[query.trainers]}
    limit ${LEADERBOARD_LIMIT}`,
  );
  return rows.map((row) => ({
    account: checksummed(row.account),
    wins: row.wins,
    scored: row.scored,
    earnings: row.earnings,
    earningsValue: valueAcross(row.earnings, prices),
  }));
}

/**
 * Accounts by the value of what they contributed across tokens, with the number of bounties they backed:
 * read off the indexer's `backers` (one row per bounty and account, `contributed` the sum of its
 * contributions), not the contributions themselves, so an account's repeated contributions to a bounty
 * are summed once, by the indexer. Accounts that only received shares (contributed 0) are not backers.
 */
async function backersBoard(
  db: Database,
  chainId: number,
  query: LeaderboardQuery,
  prices: TokenPrices,
): Promise<BackerRow[]> {
  const funded = perAccount("given", prices);
  const rows = await queryRows<{ account: string; bountyCount: number; funded: TokenAmount[] }>(
    db,
    sql`
    with given as (
      select k.chain_id, lower(k.account) as account, b.token, sum(k.contributed) as amount,
             count(distinct k.bounty_id)::int as bounties
      from ${backers} k
      join ${bounties} b on b.chain_id = k.chain_id and b.bounty_id = k.bounty_id
      where k.chain_id = ${chainId} and k.contributed > 0 and ${metricCondition(query, sql`b.metric_id`)}
      group by 1, 2, 3
    )
    select given.account,
           -- A bounty has one token: its backers' distinct bounties per token add up.
           sum(given.bounties)::int as "bountyCount",
           ${funded.amounts} as funded
    from given ${funded.join}
    group by given.account
    order by ${funded.value} desc nulls last, "bountyCount" desc, given.account
    limit ${LEADERBOARD_LIMIT}`,
  );
  return rows.map((row) => ({
    account: checksummed(row.account),
    bounties: row.bountyCount,
    funded: row.funded,
    fundedValue: valueAcross(row.funded, prices),
  }));
}

/** The three boards for `query` on `chainId`, in parallel. */
export async function leaderboard(
  db: Database,
  chainId: number,
  query: LeaderboardQuery,
  prices: TokenPrices,
): Promise<Leaderboard> {
  const [modelRows, trainerRows, backerRows] = await Promise.all([
    models(db, chainId, query),
    trainers(db, chainId, query, prices),
    backersBoard(db, chainId, query, prices),
  ]);
  return { models: modelRows, trainers: trainerRows, backers: backerRows };
}
