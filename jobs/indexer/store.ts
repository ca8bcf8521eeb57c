/**
 * The indexer's database side. A batch (its events, the aggregates they
 * change, the effects they decide, the cursor and the recent block hashes) is
 * written in one transaction; a rollback undoes every row of orphaned blocks
 * in one transaction too. Aggregates (bounty status and raised amount, backers,
 * verdicts, bond states, roles, tokens) are always recomputed from the event
 * rows, so replaying or rolling back can never leave them out of step.
 */
import { and, asc, desc, eq, getTableColumns, gt, inArray, lt, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { Database } from "../../db/client.server.js";
import {
  boardEvents,
  bounties,
  claims,
  contributions,
  effectsOutbox,
  evaluations,
  indexedBlocks,
  indexerState,
  payments,
  shareTransfers,
  submissions,
} from "../../db/schema/index.js";
import type { Batch } from "./decode.js";

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
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => key in (rows[0] as object));
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
const EVENT_TABLES = [boardEvents, contributions, shareTransfers, claims, submissions, evaluations, payments];

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
  /** Test hook: runs inside the transaction, before commit. */
  beforeCommit?: () => Promise<void>;
}

export async function writeBatch(db: Database, w: WriteBatch): Promise<void> {
  const { chainId, batch } = w;
  await db.transaction(async (tx) => {
    await insertChunked(tx, boardEvents, batch.boardEvents);
    await insertChunked(tx, bounties, batch.bounties);
    await insertChunked(tx, contributions, batch.contributions);
    await insertChunked(tx, shareTransfers, batch.shareTransfers);
    await insertChunked(tx, claims, batch.claims);
    await insertChunked(tx, submissions, batch.submissions);
    await insertChunked(tx, evaluations, batch.evaluations);
    await insertChunked(tx, payments, batch.payments);
    await insertChunked(tx, effectsOutbox, batch.effects);
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
  await db.execute(sql`
    update bounties b set
      raised = coalesce((select sum(c.amount) from contributions c
                         where c.chain_id = b.chain_id and c.bounty_id = b.bounty_id), 0),
      backer_count = (select count(distinct c.backer) from contributions c
                      where c.chain_id = b.chain_id and c.bounty_id = b.bounty_id),
      status = coalesce((
        select case e.event_name
                 when 'BountyFunded' then 'Funded'
                 when 'BountyCancelled' then 'Cancelled'
                 else case e.args->>'status' when '3' then 'Fulfilled' when '4' then 'Failed' else 'Unknown' end
               end
        from board_events e
        where e.chain_id = b.chain_id and e.bounty_id = b.bounty_id
          and e.event_name in ('BountyFunded', 'BountyCancelled', 'BountyFinalized')
        order by e.block_number desc, e.log_index desc limit 1), 'Funding'),
      best_submission_id = (select ev.submission_id from evaluations ev
                            where ev.chain_id = b.chain_id and ev.bounty_id = b.bounty_id and ev.best
                            order by ev.block_number desc, ev.log_index desc limit 1),
      best_score = (select ev.score from evaluations ev
                    where ev.chain_id = b.chain_id and ev.bounty_id = b.bounty_id and ev.best
                    order by ev.block_number desc, ev.log_index desc limit 1)
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
    update submissions s set
      verdict = coalesce(ev.verdict, 'Pending'), score = ev.score, report_hash = ev.report_hash
    from (select s2.chain_id, s2.submission_id, e.verdict, e.score, e.report_hash
          from submissions s2
          left join evaluations e on e.chain_id = s2.chain_id and e.submission_id = s2.submission_id
          where s2.chain_id = ${chainId} and s2.bounty_id in ${ids}) ev
    where s.chain_id = ev.chain_id and s.submission_id = ev.submission_id`);
  await db.execute(sql`
    update claims c set bond_state = coalesce((
      select case e.event_name when 'BondReturned' then 'Returned' else 'Forfeited' end
      from board_events e
      where e.chain_id = c.chain_id and e.bounty_id = c.bounty_id
        and e.event_name in ('BondReturned', 'BondForfeited') and e.args->>'trainer' = c.trainer
      order by e.block_number desc, e.log_index desc limit 1), 'Posted')
    where c.chain_id = ${chainId} and c.bounty_id in ${ids}`);
}

/** Rebuilds the role holders and the token allowlist from their events (small tables). */
async function recomputeConfig(db: Exec, chainId: number) {
  await db.execute(sql`delete from roles where chain_id = ${chainId}`);
  await db.execute(sql`
    insert into roles (chain_id, role, account, granted, block_number)
    select distinct on (args->>'role', args->>'account')
      ${chainId}, args->>'role', args->>'account', event_name = 'RoleGranted', block_number
    from board_events
    where chain_id = ${chainId} and event_name in ('RoleGranted', 'RoleRevoked')
    order by args->>'role', args->>'account', block_number desc, log_index desc`);
  await db.execute(sql`delete from tokens where chain_id = ${chainId}`);
  await db.execute(sql`
    insert into tokens (chain_id, token, allowed, block_number)
    select distinct on (args->>'token')
      ${chainId}, args->>'token', (args->>'allowed')::boolean, block_number
    from board_events
    where chain_id = ${chainId} and event_name = 'TokenAllowlistUpdated'
    order by args->>'token', block_number desc, log_index desc`);
}
