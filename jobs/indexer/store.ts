/**
 * The indexer's database side. A batch (its events, the aggregates they
 * change, the effects they decide, the cursor and the recent block hashes) is
 * written in one transaction; a rollback undoes every row of orphaned blocks
 * in one transaction too. Aggregates (bounty status and raised amount, backers,
 * verdicts, bond states, roles, tokens) are always recomputed from the event
 * rows, so replaying or rolling back can never leave them out of step.
 *
 * Token metadata is the exception, since it comes from the token contracts, not
 * from events: the indexer reads it for the tokens a batch names that have none
 * yet, and the batch's transaction stores it; a row stays while an allowlist
 * event or a bounty names its token, so a rollback drops the tokens only its
 * orphaned blocks named.
 */
import { and, asc, desc, eq, getTableColumns, gt, inArray, lt, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { METRIC_NAMES, METRICS, metricIdOf, toOnchainScore } from "../../core/spec.js";
import { type Database, queryRows } from "../../db/client.js";
import {
  boardEvents,
  bounties,
  claims,
  contributions,
  disputes,
  effectsOutbox,
  evaluations,
  indexedBlocks,
  indexerState,
  payments,
  shareTransfers,
  submissions,
} from "../../db/schema/index.js";
import type { Batch } from "./decode.js";
import type { TokenMetadata } from "./tokens.js";

/** Rows per insert statement. Each statement binds one array per column, not one parameter per value. */
const CHUNK_ROWS = 10_000;

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];
type Exec = Database | Tx;

/**
 * Bulk insert through `unnest`: one array parameter per column, so a chunk of any size binds a handful
 * of parameters (Postgres caps them at 65,534 per statement) and parses far faster than VALUES lists.
 * Existing keys are skipped, which makes replays write nothing twice.
 */
async function insertChunked(db: Exec, table: PgTable, rows: Record<string, unknown>[]) {
  if (rows.length === 0) return;
  // Every column any row sets: rows of one table differ in their optional fields (a disqualification's
  // copyOf, a payment's recipient), and a column missing from the first row must not be dropped for all.
  const keys = new Set<string>();
  for (const row of rows) for (const key in row) keys.add(key);
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => keys.has(key));
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
    const chunk = rows.slice(i, i + CHUNK_ROWS);
    const arrays = columns.map(([key, column]) => {
      const type = column.getSQLType();
      const values = chunk.map((row) => {
        const value = row[key];
        return type === "jsonb" && value !== null && value !== undefined
          ? JSON.stringify(value)
          : (value ?? null);
      });
      return sql`${sql.param(values)}::${sql.raw(type)}[]`;
    });
    await db.execute(sql`
      insert into ${table} (${sql.join(
        columns.map(([, column]) => sql.identifier(column.name)),
        sql`, `,
      )})
      select * from unnest(${sql.join(arrays, sql`, `)})
      on conflict do nothing`);
  }
}

/** The tables of rows derived from single events: each row carries its chain id and block number. */
const EVENT_TABLES = [
  boardEvents,
  contributions,
  shareTransfers,
  claims,
  submissions,
  disputes,
  evaluations,
  payments,
];

export interface Cursor {
  block: number;
  hash: string | null;
}

export async function readCursor(
  db: Database,
  chainId: number,
): Promise<(Cursor & { board: string }) | undefined> {
  const [row] = await db.select().from(indexerState).where(eq(indexerState.chainId, chainId));
  return row ? { block: Number(row.cursor), hash: row.cursorHash, board: row.board } : undefined;
}

/**
 * Deletes the whole projection of `chainId` (a dev chain that was reset: its blocks and board are new).
 * The next indexer run backfills from the deployment block.
 */
export async function resetChainProjection(db: Database, chainId: number): Promise<void> {
  await db.transaction(async (tx) => {
    for (const table of EVENT_TABLES) {
      await tx.delete(table).where(eq(table.chainId, chainId));
    }
    for (const name of [
      "bounties",
      "backers",
      "roles",
      "tokens",
      "indexed_blocks",
      "effects_outbox",
      "indexer_state",
    ]) {
      await tx.execute(sql`delete from ${sql.identifier(name)} where chain_id = ${chainId}`);
    }
  });
}

/** Stored hashes of recent blocks, newest first. */
export async function recentBlocks(
  db: Database,
  chainId: number,
): Promise<{ number: number; hash: string }[]> {
  return db
    .select({ number: indexedBlocks.number, hash: indexedBlocks.hash })
    .from(indexedBlocks)
    .where(eq(indexedBlocks.chainId, chainId))
    .orderBy(desc(indexedBlocks.number));
}

export interface WriteBatch {
  chainId: number;
  board: string;
  batch: Batch;
  /** The last block of the range, now fully indexed. */
  cursor: Cursor;
  /** Hashes to remember (the recent part of the range), and the oldest block worth remembering. */
  blocks: { number: number; hash: string }[];
  keepFrom: number;
  /** Metadata of tokens the batch names that had none stored (read by the indexer before the transaction). */
  tokens: TokenMetadata[];
  /** Test hook: runs inside the transaction, before commit. */
  beforeCommit?: () => Promise<void>;
}

export async function writeBatch(db: Database, w: WriteBatch): Promise<void> {
  const { chainId, batch } = w;
  await db.transaction(async (tx) => {
    await resolveDisputeWithdrawals(tx, chainId, batch);
    await insertChunked(tx, boardEvents, batch.boardEvents);
    await insertChunked(tx, bounties, batch.bounties);
    await insertChunked(tx, contributions, batch.contributions);
    await insertChunked(tx, shareTransfers, batch.shareTransfers);
    await insertChunked(tx, claims, batch.claims);
    await insertChunked(tx, submissions, batch.submissions);
    await insertChunked(tx, disputes, batch.disputes);
    await insertChunked(tx, evaluations, batch.evaluations);
    await insertChunked(tx, payments, batch.payments);
    await insertChunked(tx, effectsOutbox, batch.effects);
    await upsertTokenMetadata(tx, chainId, w.tokens);
    await recompute(tx, chainId, [...batch.touchedBounties]);
    if (batch.touchedConfig) await recomputeConfig(tx, chainId);
    await saveCursor(tx, chainId, w.board, w.cursor);
    await insertChunked(
      tx,
      indexedBlocks,
      w.blocks.map((b) => ({ chainId, number: b.number, hash: b.hash })),
    );
    await tx
      .delete(indexedBlocks)
      .where(and(eq(indexedBlocks.chainId, chainId), lt(indexedBlocks.number, w.keepFrom)));
    await w.beforeCommit?.();
  });
}

/**
 * DisputeBondWithdrawn names its dispute, not its bounty: fills the bounty in on its board event and
 * payment rows (from a DisputeOpened of the batch, else of the index) and touches it. The dispute always
 * opened before its money was withdrawn, so one of the two has it.
 */
async function resolveDisputeWithdrawals(db: Exec, chainId: number, batch: Batch) {
  if (batch.disputeWithdrawals.length === 0) return;
  const bountyOf = new Map(batch.disputes.map((d) => [d.disputeId, d.bountyId]));
  const missing = batch.disputeWithdrawals.map((w) => w.disputeId).filter((id) => !bountyOf.has(id));
  if (missing.length > 0) {
    const rows = await queryRows<{ dispute_id: string; bounty_id: string }>(
      db as Database,
      sql`select dispute_id::text, bounty_id::text from disputes
          where chain_id = ${chainId} and dispute_id = any(${sql.param(missing)}::numeric[])`,
    );
    for (const row of rows) bountyOf.set(row.dispute_id, row.bounty_id);
  }
  for (const w of batch.disputeWithdrawals) {
    const bountyId = bountyOf.get(w.disputeId);
    if (bountyId === undefined) throw new Error(`dispute ${w.disputeId} was withdrawn but never opened`);
    const event = batch.boardEvents[w.boardEvent];
    const payment = batch.payments[w.payment];
    if (event) event.bountyId = bountyId;
    if (payment) payment.bountyId = bountyId;
    batch.touchedBounties.add(bountyId);
  }
}

async function saveCursor(db: Exec, chainId: number, board: string, cursor: Cursor) {
  await db
    .insert(indexerState)
    .values({ chainId, board, cursor: cursor.block, cursorHash: cursor.hash })
    .onConflictDoUpdate({
      target: indexerState.chainId,
      set: { board, cursor: cursor.block, cursorHash: cursor.hash, updatedAt: sql`now()` },
    });
}

/**
 * Undoes every row derived from blocks after `ancestor` and moves the cursor back to it. Returns the
 * effects (job ids and queues) that were decided in the orphaned blocks, for the caller to cancel.
 */
export async function rollbackTo(
  db: Database,
  chainId: number,
  board: string,
  ancestor: Cursor,
  cancel: (effects: { queue: string; jobId: string }[]) => Promise<void>,
): Promise<{ queue: string; jobId: string }[]> {
  return db.transaction(async (tx) => {
    const orphaned = await tx
      .selectDistinct({ bountyId: boardEvents.bountyId })
      .from(boardEvents)
      .where(and(eq(boardEvents.chainId, chainId), gt(boardEvents.blockNumber, ancestor.block)));
    const cancelled = await tx
      .delete(effectsOutbox)
      .where(and(eq(effectsOutbox.chainId, chainId), gt(effectsOutbox.blockNumber, ancestor.block)))
      .returning({ queue: effectsOutbox.queue, jobId: effectsOutbox.jobId });
    for (const table of EVENT_TABLES) {
      await tx.delete(table).where(and(eq(table.chainId, chainId), gt(table.blockNumber, ancestor.block)));
    }
    await tx
      .delete(bounties)
      .where(and(eq(bounties.chainId, chainId), gt(bounties.createdBlock, ancestor.block)));
    await tx
      .delete(indexedBlocks)
      .where(and(eq(indexedBlocks.chainId, chainId), gt(indexedBlocks.number, ancestor.block)));
    await recompute(
      tx,
      chainId,
      orphaned.map((o) => o.bountyId).filter((id): id is string => id !== null),
    );
    await recomputeConfig(tx, chainId);
    await saveCursor(tx, chainId, board, ancestor);
    await cancel(cancelled);
    return cancelled;
  });
}

/** Effects written but not yet enqueued, oldest first. */
export function pendingEffects(db: Database, chainId: number, limit = 1_000) {
  return db
    .select()
    .from(effectsOutbox)
    .where(and(eq(effectsOutbox.chainId, chainId), sql`${effectsOutbox.enqueuedAt} is null`))
    .orderBy(asc(effectsOutbox.blockNumber))
    .limit(limit);
}

export async function markEnqueued(db: Database, chainId: number, jobIds: string[]) {
  if (jobIds.length === 0) return;
  await db
    .update(effectsOutbox)
    .set({ enqueuedAt: sql`now()` })
    .where(and(eq(effectsOutbox.chainId, chainId), inArray(effectsOutbox.jobId, jobIds)));
}

/** Recomputes every aggregate of `bountyIds` from the event rows. */
async function recompute(db: Exec, chainId: number, bountyIds: string[]) {
  if (bountyIds.length === 0) return;
  const ids = sql`(select unnest(${`{${bountyIds.join(",")}}`}::numeric[]))`;
  /** The latest board event of bounty `b` among `names`, as `e`. */
  const latest = (names: string[], select: ReturnType<typeof sql>) => sql`(
    select ${select} from board_events e
    where e.chain_id = b.chain_id and e.bounty_id = b.bounty_id
      and e.event_name in (${sql.join(
        names.map((n) => sql`${n}`),
        sql`, `,
      )})
    order by e.block_number desc, e.log_index desc limit 1)`;
  // Submissions first: their reveals and latest verdicts.
  await db.execute(sql`
    update submissions s set
      checkpoint_hash = r.checkpoint_hash, uri = r.uri, revealed_at = r.revealed_at,
      reveal_tx = r.tx_hash, reveal_block = r.block_number,
      verdict = coalesce(ev.verdict, 'Pending'), score = ev.score, report_hash = ev.report_hash,
      copy_of = ev.copy_of
    from submissions s2
    left join lateral (
      select e.args->>'checkpointHash' as checkpoint_hash, e.args->>'uri' as uri,
             (e.args->>'revealedAt')::numeric as revealed_at, e.tx_hash, e.block_number
      from board_events e
      where e.chain_id = s2.chain_id and e.bounty_id = s2.bounty_id and e.event_name = 'CheckpointRevealed'
        and (e.args->>'submissionId')::numeric = s2.submission_id
      order by e.block_number desc, e.log_index desc limit 1) r on true
    left join lateral (
      select e.verdict, case when e.verdict = 'Scored' then e.score end as score, e.report_hash, e.copy_of
      from evaluations e
      where e.chain_id = s2.chain_id and e.submission_id = s2.submission_id
      order by e.block_number desc, e.log_index desc limit 1) ev on true
    where s2.chain_id = ${chainId} and s2.bounty_id in ${ids}
      and s.chain_id = s2.chain_id and s.submission_id = s2.submission_id`);
  // Disputes: their ruling (or expiry) and withdrawal.
  await db.execute(sql`
    update disputes d set
      outcome = coalesce(case r.outcome when '2' then 'Rejected' when '3' then 'Upheld'
                          when '4' then 'Corrected' when '5' then 'Expired' end, 'Open'),
      score = r.score, report_hash = r.report_hash, reward = coalesce(r.reward, 0),
      resolve_tx = r.tx_hash, resolved_at = r.block_time,
      withdrawn = w.tx_hash is not null, withdraw_tx = w.tx_hash
    from disputes d2
    left join lateral (
      select e.args->>'outcome' as outcome, (e.args->>'score')::numeric as score,
             e.args->>'reportHash' as report_hash, (e.args->>'reward')::numeric as reward,
             e.tx_hash, e.block_time
      from board_events e
      where e.chain_id = d2.chain_id and e.bounty_id = d2.bounty_id and e.event_name = 'DisputeResolved'
        and (e.args->>'disputeId')::numeric = d2.dispute_id
      order by e.block_number desc, e.log_index desc limit 1) r on true
    left join lateral (
      select e.tx_hash from board_events e
      where e.chain_id = d2.chain_id and e.bounty_id = d2.bounty_id and e.event_name = 'DisputeBondWithdrawn'
        and (e.args->>'disputeId')::numeric = d2.dispute_id
      order by e.block_number desc, e.log_index desc limit 1) w on true
    where d2.chain_id = ${chainId} and d2.bounty_id in ${ids}
      and d.chain_id = d2.chain_id and d.dispute_id = d2.dispute_id`);
  await db.execute(sql`
    update contributions c set raised_after = t.running
    from (select chain_id, tx_hash, log_index,
                 sum(amount) over (partition by bounty_id order by block_number, log_index) as running
          from contributions where chain_id = ${chainId} and bounty_id in ${ids}) t
    where c.chain_id = t.chain_id and c.tx_hash = t.tx_hash and c.log_index = t.log_index
      and c.raised_after is distinct from t.running`);
  // The best qualifying submission: the latest "best" score, or the latest re-scan after a dispute (0: none).
  const best = sql`(
    select x.submission_id, x.score from (
      select ev.submission_id, ev.score, ev.block_number, ev.log_index from evaluations ev
      where ev.chain_id = b.chain_id and ev.bounty_id = b.bounty_id and ev.best
      union all
      select nullif((e.args->>'submissionId')::numeric, 0), case when e.args->>'submissionId' <> '0'
             then (e.args->>'score')::numeric end, e.block_number, e.log_index
      from board_events e
      where e.chain_id = b.chain_id and e.bounty_id = b.bounty_id and e.event_name = 'BestSubmissionChanged'
    ) x order by x.block_number desc, x.log_index desc limit 1)`;
  await db.execute(sql`
    update bounties b set
      -- The board lowers \`raised\` (the shares' total supply) by every refund.
      raised = coalesce((select sum(c.amount) from contributions c
                         where c.chain_id = b.chain_id and c.bounty_id = b.bounty_id), 0)
               - coalesce((select sum(p.amount) from payments p
                           where p.chain_id = b.chain_id and p.bounty_id = b.bounty_id
                             and p.kind = 'refund'), 0),
      backer_count = (select count(distinct c.backer) from contributions c
                      where c.chain_id = b.chain_id and c.bounty_id = b.bounty_id),
      status = coalesce(${latest(
        ["BountyFunded", "BountyCancelled", "BountyFinalized", "PayoutUnlocked"],
        sql`case e.event_name
              when 'BountyFunded' then 'Funded'
              when 'BountyCancelled' then 'Cancelled'
              when 'PayoutUnlocked' then 'Fulfilled'
              else case e.args->>'status' when '3' then 'Fulfilled' when '4' then 'Failed'
                                          when '6' then 'Verifying' else 'Unknown' end
            end`,
      )}, 'Funding'),
      best_submission_id = (select submission_id from ${best} bb),
      best_score = (select score from ${best} bb),
      finalized_at = (select min(e.block_time) from board_events e
                      where e.chain_id = b.chain_id and e.bounty_id = b.bounty_id
                        and e.event_name = 'BountyFinalized'),
      eval_set_revealed_at = ${latest(["EvalSetRevealed"], sql`e.block_time`)},
      eval_set_sha256 = ${latest(["EvalSetRevealed"], sql`e.args->>'evalSetSha256'`)},
      eval_set_salt = ${latest(["EvalSetRevealed"], sql`e.args->>'salt'`)},
      eval_set_uri = ${latest(["EvalSetRevealed"], sql`e.args->>'uri'`)},
      open_disputes = (select count(*) from disputes d
                       where d.chain_id = b.chain_id and d.bounty_id = b.bounty_id and d.outcome = 'Open'),
      payout = ${latest(["PayoutUnlocked"], sql`(e.args->>'payout')::numeric`)},
      fee = ${latest(["PayoutUnlocked"], sql`(e.args->>'fee')::numeric`)}
    where b.chain_id = ${chainId} and b.bounty_id in ${ids}`);
  // The payout unlocks a verification period after an eval-set reveal made in time, else at the reveal
  // deadline (finalization + reveal period); only a bounty finalized with a winner has one.
  await db.execute(sql`
    update bounties b set
      best_margin = ${bestMarginSql},
      unlock_at = case
        when not exists (select 1 from board_events e
                         where e.chain_id = b.chain_id and e.bounty_id = b.bounty_id
                           and e.event_name = 'BountyFinalized' and e.args->>'status' = '6') then null
        else coalesce(${latest(["EvalSetRevealed"], sql`(e.args->>'unlockAt')::numeric`)},
                      b.finalized_at + b.reveal_period)
      end
    where b.chain_id = ${chainId} and b.bounty_id in ${ids}`);
  await db.execute(sql`delete from backers where chain_id = ${chainId} and bounty_id in ${ids}`);
  await db.execute(sql`
    insert into backers (chain_id, bounty_id, account, contributed, refunded, shares)
    select ${chainId}, bounty_id, account, sum(contributed), sum(refunded), sum(shares)
    from (
      select bounty_id, backer as account, amount as contributed, 0 as refunded, 0 as shares
        from contributions where chain_id = ${chainId} and bounty_id in ${ids}
      union all
      select bounty_id, account, 0, amount, 0
        from payments where chain_id = ${chainId} and kind = 'refund' and bounty_id in ${ids}
      union all
      select bounty_id, to_account, 0, 0, amount
        from share_transfers where chain_id = ${chainId} and bounty_id in ${ids}
          and to_account <> '0x0000000000000000000000000000000000000000'
      union all
      select bounty_id, from_account, 0, 0, -amount
        from share_transfers where chain_id = ${chainId} and bounty_id in ${ids}
          and from_account <> '0x0000000000000000000000000000000000000000'
    ) parts
    group by bounty_id, account`);
  await db.execute(sql`
    update claims c set bond_state = coalesce((
      select case e.event_name when 'BondReturned' then 'Returned' else 'Forfeited' end
      from board_events e
      where e.chain_id = c.chain_id and e.bounty_id = c.bounty_id
        and e.event_name in ('BondReturned', 'BondForfeited') and e.args->>'trainer' = c.trainer
      order by e.block_number desc, e.log_index desc limit 1), 'Posted')
    where c.chain_id = ${chainId} and c.bounty_id in ${ids}`);
}

/**
 * Rebuilds the role holders and the tokens' allowlist state from their events (small tables). Token rows
 * keep their metadata; a token no allowlist event and no bounty names any more (a rollback) is removed.
 */
async function recomputeConfig(db: Exec, chainId: number) {
  await db.execute(sql`delete from roles where chain_id = ${chainId}`);
  await db.execute(sql`
    insert into roles (chain_id, role, account, granted, block_number)
    select distinct on (args->>'role', args->>'account')
      ${chainId}, args->>'role', args->>'account', event_name = 'RoleGranted', block_number
    from board_events
    where chain_id = ${chainId} and event_name in ('RoleGranted', 'RoleRevoked')
    order by args->>'role', args->>'account', block_number desc, log_index desc`);
  await db.execute(sql`
    update tokens set allowed = false, block_number = null
    where chain_id = ${chainId} and block_number is not null`);
  await db.execute(sql`
    insert into tokens (chain_id, token, allowed, block_number)
    select distinct on (args->>'token')
      ${chainId}, args->>'token', (args->>'allowed')::boolean, block_number
    from board_events
    where chain_id = ${chainId} and event_name = 'TokenAllowlistUpdated'
    order by args->>'token', block_number desc, log_index desc
    on conflict (chain_id, token) do update set allowed = excluded.allowed, block_number = excluded.block_number`);
  await db.execute(sql`
    delete from tokens t
    where t.chain_id = ${chainId} and t.block_number is null
      and not exists (select 1 from bounties b where b.chain_id = t.chain_id and b.token = t.token)`);
}

/* ------------------------------------------------------------------------ */
/* Token metadata and the best-score margin                                  */
/* ------------------------------------------------------------------------ */

/**
 * Stores tokens' metadata, creating the row of a token only a bounty names (not allowlisted, as far as
 * the index knows). Metadata once stored is kept: a replay or a second reader changes nothing.
 */
async function upsertTokenMetadata(db: Exec, chainId: number, rows: TokenMetadata[]) {
  if (rows.length === 0) return;
  await db.execute(sql`
    insert into tokens (chain_id, token, allowed, symbol, name, decimals, indexed_at)
    select ${chainId}, m.token, false, m.symbol, m.name, m.decimals, now()
    from unnest(
      ${sql.param(rows.map((r) => r.token))}::text[], ${sql.param(rows.map((r) => r.symbol))}::text[],
      ${sql.param(rows.map((r) => r.name))}::text[], ${sql.param(rows.map((r) => r.decimals))}::integer[]
    ) as m(token, symbol, name, decimals)
    on conflict (chain_id, token) do update
      set symbol = excluded.symbol, name = excluded.name, decimals = excluded.decimals, indexed_at = excluded.indexed_at
      where tokens.indexed_at is null`);
}

/** Stores tokens' metadata outside a batch (one statement): the backfill of tokens indexed before metadata was. */
export async function saveTokenMetadata(db: Database, chainId: number, rows: TokenMetadata[]): Promise<void> {
  await upsertTokenMetadata(db, chainId, rows);
}

/**
 * Which of `candidates` have no metadata stored yet; without candidates, every token the index knows
 * (allowlisted or named by a bounty) that has none.
 */
export async function tokensWithoutMetadata(
  db: Database,
  chainId: number,
  candidates?: string[],
): Promise<string[]> {
  if (candidates) {
    if (candidates.length === 0) return [];
    const known = await queryRows<{ token: string }>(
      db,
      sql`select token from tokens
          where chain_id = ${chainId} and indexed_at is not null and token = any(${sql.param(candidates)}::text[])`,
    );
    const have = new Set(known.map((r) => r.token));
    return candidates.filter((token) => !have.has(token));
  }
  const missing = await queryRows<{ token: string }>(
    db,
    sql`select token from tokens where chain_id = ${chainId} and indexed_at is null
        union
        select distinct b.token from bounties b
        where b.chain_id = ${chainId}
          and not exists (select 1 from tokens t where t.chain_id = b.chain_id and t.token = b.token)`,
  );
  return missing.map((r) => r.token);
}

/**
 * The ideal value of each known metric in on-chain units (the end of its range its direction points at:
 * 1 for accuracy, 0 for mse, 1 for perplexity), with the direction the platform scores it in. A metric
 * whose range is open on its better side has no ideal and no margin.
 */
const METRIC_IDEALS = METRIC_NAMES.flatMap((name) => {
  const { direction, min, max } = METRICS[name];
  const ideal = direction === "higher" ? max : min;
  if (!Number.isFinite(ideal)) return [];
  return [
    {
      metricId: metricIdOf(name).toLowerCase(),
      direction: direction === "higher" ? "HigherIsBetter" : "LowerIsBetter",
      ideal: toOnchainScore(ideal).toString(),
    },
  ];
});

/**
 * A bounty's (alias `b`) best-score margin: how far its best qualifying score beats its target, as a share
 * of the way from the target to the metric's ideal value. 0 just meets the target; 1 reaches the ideal;
 * 0.5 halves the remaining error (accuracy 0.95 against a 0.9 target; mse 0.025 against 0.05). Scores of
 * different metrics cannot be compared, but this share can: it is the relative error reduction beyond
 * what the bounty asked for. A target at the ideal leaves no headroom: meeting it counts 0. Null without
 * a best score, or when the metric (or its direction) is not one the platform scores.
 */
const bestMarginSql = sql`(
  select case
    when b.best_score is null then null
    when m.ideal = b.target_score then 0::float8
    else (case when b.direction = 'LowerIsBetter' then b.target_score - b.best_score
               else b.best_score - b.target_score end)::float8
         / abs(m.ideal - b.target_score)::float8
  end
  from (values ${sql.join(
    METRIC_IDEALS.map((m) => sql`(${m.metricId}::text, ${m.direction}::text, ${m.ideal}::numeric)`),
    sql`, `,
  )}) as m(metric_id, direction, ideal)
  where m.metric_id = lower(b.metric_id) and m.direction = b.direction)`;

/** Fills the best-score margin of bounties scored before it existed (a no-op once they have one). */
export async function backfillBestMargins(db: Database, chainId: number): Promise<void> {
  await db.execute(sql`
    update bounties b set best_margin = ${bestMarginSql}
    where b.chain_id = ${chainId} and b.best_score is not null and b.best_margin is null`);
}
