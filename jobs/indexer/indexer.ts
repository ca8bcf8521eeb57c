/**
 * The chain indexer: BountyBoard events -> the database, reorg-safe and idempotent.
 *
 * Each step reads one block range [cursor + 1, to] with eth_getLogs and writes
 * it, with the new cursor, in one transaction (see store.ts). The range grows
 * while the RPC accepts it and halves when the RPC refuses a large one.
 * Transient RPC failures (timeouts, dropped connections) back off and retry.
 *
 * Reorgs: the hashes of recent blocks are kept. Before each step the cursor's
 * hash is compared with the chain's; on a mismatch the newest stored block the
 * chain still has is the common ancestor, everything after it is rolled back
 * and re-indexed. A reorg deeper than the kept window stops the indexer with
 * ReorgTooDeepError rather than guess.
 *
 * Effects (dispatch a funded bounty, evaluate a submission, notify on
 * finalization) go to a transactional outbox with the batch and are enqueued
 * with deterministic job ids afterwards. We cancel on rollback rather than wait
 * for confirmations: a rollback deletes the orphaned blocks' outbox rows and
 * removes their jobs from the queues (see docs/decisions/006-indexer.md).
 */
import type { Queue } from "bullmq";
import { type Address, BlockNotFoundError, type Log, type PublicClient } from "viem";
import type { Database } from "../../db/client.server.js";
import type { Logger } from "../../lib/logger.server.js";
import { decodeLogs } from "./decode.js";
import {
  type Cursor,
  markEnqueued,
  pendingEffects,
  readCursor,
  recentBlocks,
  rollbackTo,
  writeBatch,
} from "./store.js";

export class ReorgTooDeepError extends Error {
  constructor(
    readonly cursor: number,
    readonly window: number,
  ) {
    super(
      `chain reorganized deeper than the ${window} kept blocks (cursor ${cursor}): no common ancestor found. ` +
        "Re-index from the deployment block into a fresh database, or raise INDEXER_REORG_WINDOW.",
    );
    this.name = "ReorgTooDeepError";
  }
}

export interface IndexerOptions {
  db: Database;
  chain: PublicClient;
  chainId: number;
  board: Address;
  /** The board's deployment block: where a fresh backfill starts. */
  fromBlock: number;
  /** Blocks behind the head to stay (0 on anvil). */
  confirmations: number;
  /** Recent block hashes kept for reorg detection. */
  reorgWindow: number;
  /** Largest eth_getLogs range tried. */
  maxRange: number;
  /** Effect queues by name; effects for queues not given stay in the outbox. */
  queues: Record<string, Queue>;
  log: Logger;
  /** Test hook, called inside each batch's transaction before it commits. */
  beforeCommit?: (range: { from: number; to: number }) => Promise<void>;
}

export interface StepResult {
  /** Events written by this step. */
  events: number;
  /** True when the cursor has reached the (confirmed) head. */
  atHead: boolean;
  /** Set when this step rolled back a reorg instead of indexing. */
  rolledBackTo?: number;
}

/** An RPC error that means "ask for less", as various nodes phrase it. */
export function isRangeTooLarge(error: unknown): boolean {
  const text =
    `${(error as { details?: string })?.details ?? ""} ${(error as Error)?.message ?? ""}`.toLowerCase();
  return /range|too many|too large|exceed|limit|more than \d+ results|response size/.test(text);
}

export class Indexer {
  private range: number;
  /** The largest range known to be accepted since the last refusal (growth never passes it). */
  private ceiling: number;

  constructor(private readonly o: IndexerOptions) {
    this.range = o.maxRange;
    this.ceiling = o.maxRange;
  }

  /** Indexes one range (or handles one reorg). */
  async step(): Promise<StepResult> {
    const { db, chain, chainId } = this.o;
    const head = Number(await chain.getBlockNumber()) - this.o.confirmations;
    const cursor = (await readCursor(db, chainId)) ?? { block: this.o.fromBlock - 1, hash: null };

    if (cursor.hash) {
      // A chain now shorter than the cursor (the block is gone) is a reorg too.
      const onChain = await this.hashOf(cursor.block).catch((error: unknown) => {
        if (error instanceof BlockNotFoundError) return undefined;
        throw error;
      });
      if (onChain !== cursor.hash)
        return { events: 0, atHead: false, rolledBackTo: await this.rollback(cursor) };
    }
    if (cursor.block >= head) {
      await this.flushEffects();
      return { events: 0, atHead: true };
    }

    const from = cursor.block + 1;
    let to = Math.min(cursor.block + this.range, head);
    const t0 = performance.now();
    let logs: Log[];
    for (;;) {
      try {
        logs = await chain.getLogs({ address: this.o.board, fromBlock: BigInt(from), toBlock: BigInt(to) });
        break;
      } catch (error) {
        if (!isRangeTooLarge(error) || to === from) throw error;
        this.range = Math.max(1, Math.floor((to - from + 1) / 2));
        this.ceiling = this.range;
        to = from + this.range - 1;
        this.o.log.debug(
          { from, to, range: this.range, err: (error as Error).message },
          "RPC refused the range; halving",
        );
      }
    }

    // Remember the hashes of the blocks that fall in the reorg window, and always the range's last block.
    const keepFrom = Math.max(0, head - this.o.reorgWindow);
    const numbers = new Set<number>([to]);
    for (let n = Math.max(from, keepFrom); n <= to; n++) numbers.add(n);
    const blocks = await Promise.all(
      [...numbers].map(async (number) => ({ number, hash: await this.hashOf(number) })),
    );
    const last = blocks.find((b) => b.number === to) as { number: number; hash: string };

    // A log whose block hash is not the canonical one we just read means the chain moved under us: retry.
    if (logs.some((l) => Number(l.blockNumber) === to && l.blockHash !== last.hash)) {
      return { events: 0, atHead: false };
    }

    const t1 = performance.now();
    const batch = decodeLogs(chainId, logs);
    const t2 = performance.now();
    await writeBatch(db, {
      chainId,
      board: this.o.board,
      batch,
      cursor: { block: to, hash: last.hash },
      blocks: blocks.filter((b) => b.number >= keepFrom),
      keepFrom,
      ...(this.o.beforeCommit
        ? { beforeCommit: () => this.o.beforeCommit?.({ from, to }) ?? Promise.resolve() }
        : {}),
    });
    this.range = Math.min(this.ceiling, this.range * 2);
    await this.flushEffects();
    const t3 = performance.now();
    this.o.log.debug(
      {
        from,
        to,
        events: batch.boardEvents.length,
        fetchMs: Math.round(t1 - t0),
        decodeMs: Math.round(t2 - t1),
        writeMs: Math.round(t3 - t2),
      },
      "indexed range",
    );
    return { events: batch.boardEvents.length, atHead: to >= head };
  }

  /** Enqueues outbox effects with their deterministic ids (adding an existing id is a no-op in BullMQ). */
  async flushEffects(): Promise<number> {
    const { db, chainId, queues } = this.o;
    let total = 0;
    for (;;) {
      const rows = (await pendingEffects(db, chainId)).filter((r) => queues[r.queue]);
      if (rows.length === 0) return total;
      for (const row of rows) {
        await queues[row.queue]?.add(row.name, row.payload, { jobId: row.jobId, priority: 1 });
      }
      await markEnqueued(
        db,
        chainId,
        rows.map((r) => r.jobId),
      );
      total += rows.length;
    }
  }

  private async hashOf(block: number): Promise<string> {
    const header = await this.o.chain.getBlock({ blockNumber: BigInt(block) });
    if (!header.hash) throw new Error(`block ${block} has no hash yet`);
    return header.hash;
  }

  private async rollback(cursor: Cursor): Promise<number> {
    const { db, chainId } = this.o;
    let ancestor: Cursor | undefined;
    for (const stored of await recentBlocks(db, chainId)) {
      const onChain = await this.hashOf(stored.number).catch((error: unknown) => {
        if (error instanceof BlockNotFoundError) return undefined;
        throw error;
      });
      if (onChain === stored.hash) {
        ancestor = { block: stored.number, hash: stored.hash };
        break;
      }
    }
    if (!ancestor) throw new ReorgTooDeepError(cursor.block, this.o.reorgWindow);
    const cancelled = await rollbackTo(db, chainId, this.o.board, ancestor);
    for (const { queue, jobId } of cancelled) {
      const job = await this.o.queues[queue]?.getJob(jobId);
      // A job already running or done cannot be unsent; its handler re-reads the chain (idempotent).
      if (job && !(await job.isActive()) && !(await job.isCompleted())) await job.remove();
    }
    this.range = Math.max(1, Math.floor(this.range / 2));
    this.o.log.warn(
      { chainId, from: cursor.block, to: ancestor.block, cancelledEffects: cancelled.length },
      "reorg: rolled back to the common ancestor",
    );
    return ancestor.block;
  }

  /**
   * Follows the chain until `signal` aborts: steps while behind, polls every `pollMs` at the head, and
   * backs off exponentially (up to 30 s) on RPC or database failures, resuming from the stored cursor.
   * A ReorgTooDeepError is not retried: it is thrown.
   */
  async run(signal: AbortSignal, pollMs: number): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const result = await this.step();
        failures = 0;
        if (result.atHead) await sleep(pollMs, signal);
      } catch (error) {
        if (error instanceof ReorgTooDeepError) throw error;
        failures += 1;
        const delay = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
        this.o.log.warn(
          { err: (error as Error).message, failures, retryInMs: delay },
          "indexer step failed; backing off",
        );
        await sleep(delay, signal);
      }
    }
  }

  /** Steps until the head is reached (backfill), returning the number of events written. */
  async catchUp(): Promise<number> {
    let events = 0;
    for (;;) {
      const result = await this.step();
      events += result.events;
      if (result.atHead) return events;
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
