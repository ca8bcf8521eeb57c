/**
 * The bounty page's pictures: funding over time, the top backers, and the running lease's progress and
 * loss curve. Each is bounded (a popular bounty's million contributions become at most MAX_POINTS points),
 * so the page costs the same whatever the bounty's size.
 */
import { and, asc, desc, eq, type SQL, sql } from "drizzle-orm";
import { type Database, queryRows } from "../../db/client.js";
import { backers, boardEvents, contributions, leaseProgress, leases } from "../../db/schema/index.js";

/** The most points a chart gets: longer series are thinned evenly, keeping the first and the last. */
export const MAX_POINTS = 400;

/**
 * `numbered`'s rows (each with its place `n` and the series' length `total`) thinned evenly to MAX_POINTS,
 * keeping the first and the last, in order.
 */
function thinned(numbered: SQL): SQL {
  return sql`
    select * from (${numbered}) numbered
    where total <= ${MAX_POINTS} or n = 1 or n = total
      or n % ceil(total::numeric / ${MAX_POINTS})::bigint = 0
    order by n`;
}

/** The funding total after a contribution; `at` is its block's time (ISO), null where the index lacks it. */
export interface FundingPoint {
  at: string | null;
  block: number;
  raised: string;
}

/**
 * The running total after each contribution, oldest first, thinned to MAX_POINTS. A contribution's time is
 * its block's, which the indexer records for the blocks it reads (see decodeLogs); points without one are
 * left out by the chart, not here.
 */
export async function fundingSeries(
  db: Database,
  chainId: number,
  bountyId: string,
): Promise<FundingPoint[]> {
  const rows = await queryRows<{ block: number | string; raised: string; time: string | null }>(
    db,
    thinned(sql`
      select c.block_number as block, c.raised_after::text as raised, e.block_time::text as time,
        row_number() over (order by c.block_number, c.log_index) as n, count(*) over () as total
      from ${contributions} c
      left join ${boardEvents} e
        on e.chain_id = c.chain_id and e.tx_hash = c.tx_hash and e.log_index = c.log_index
      where c.chain_id = ${chainId} and c.bounty_id = ${bountyId} and c.raised_after is not null`),
  );
  return rows.map((row) => ({
    block: Number(row.block),
    raised: row.raised,
    at: row.time === null ? null : new Date(Number(row.time) * 1000).toISOString(),
  }));
}

export interface BackerShare {
  account: string;
  contributed: string;
  shares: string;
}

/** The bounty's largest backers by what they contributed (public on-chain), and how many there are. */
export async function topBackers(
  db: Database,
  chainId: number,
  bountyId: string,
  limit = 10,
): Promise<BackerShare[]> {
  return db
    .select({ account: backers.account, contributed: backers.contributed, shares: backers.shares })
    .from(backers)
    .where(and(eq(backers.chainId, chainId), eq(backers.bountyId, bountyId)))
    .orderBy(desc(backers.contributed), asc(backers.account))
    .limit(limit);
}

export interface ProgressPoint {
  at: string;
  percent: number | null;
  step: number | null;
  loss: number | null;
}

export interface TrainingCurve {
  leaseId: string;
  poolId: string;
  attempt: number;
  status: string;
  points: ProgressPoint[];
}

/**
 * The progress and loss reported by the heartbeats of the bounty's latest lease (the running one, or the
 * last one that ran), thinned to MAX_POINTS; null before any lease.
 */
export async function trainingCurve(
  db: Database,
  chainId: number,
  bountyId: string,
): Promise<TrainingCurve | null> {
  const [lease] = await db
    .select({ id: leases.id, poolId: leases.poolId, attempt: leases.attempt, status: leases.status })
    .from(leases)
    .where(and(eq(leases.chainId, chainId), eq(leases.bountyId, bountyId)))
    .orderBy(desc(leases.leasedAt))
    .limit(1);
  if (!lease) return null;
  const points = await queryRows<{
    at: Date | string;
    percent: number | null;
    step: number | null;
    loss: number | null;
  }>(
    db,
    thinned(sql`
      select p.at, p.percent, p.step, p.loss, row_number() over (order by p.at) as n, count(*) over () as total
      from ${leaseProgress} p
      where p.lease_id = ${lease.id}`),
  );
  return {
    leaseId: lease.id,
    poolId: lease.poolId,
    attempt: lease.attempt,
    status: lease.status,
    points: points.map((p) => ({
      at: new Date(p.at).toISOString(),
      percent: p.percent === null ? null : Number(p.percent),
      step: p.step === null ? null : Number(p.step),
      loss: p.loss === null ? null : Number(p.loss),
    })),
  };
}
