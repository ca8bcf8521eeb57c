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
 *
 * Token metadata (symbol, name, decimals) is read from the token contracts for
 * the tokens a range names that have none stored, before the range's
 * transaction, which stores it with the range (tokens.ts). Once per run, the
 * tokens indexed before metadata was are read too (the backfill).
 */
import type { Queue } from "bullmq";
import { type Address, BlockNotFoundError, type Log, type PublicClient } from "viem";
import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { blocksNeedingTime, decodeLogs } from "./decode.js";
import {
  backfillBestMargins,
  type Cursor,
  markEnqueued,
  pendingEffects,
  readCursor,
  recentBlocks,
  rollbackTo,
  saveTokenMetadata,
  tokensWithoutMetadata,
  writeBatch,
} from "./store.js";
import { readTokenMetadata, type TokenMetadata } from "./tokens.js";

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

export class BoardChangedError extends Error {
  constructor(
    readonly chainId: number,
    readonly indexed: string,
    readonly configured: string,
  ) {
    super(
      `the database holds the index of board ${indexed} on chain ${chainId}, but the deployment's board is ` +
        `${configured}: index it into a fresh database (in dev, npm run dev resets it when it redeploys)`,
    );
    this.name = "BoardChangedError";
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
  /** Called after a step changed the index (events written, or a reorg rolled back): e.g. to tell the web. */
  onChange?: () => void;
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

/** An RPC error that means "ask for less", as various nodes (and viem's 10 MB response cap) phrase it. */
export function isRangeTooLarge(error: unknown): boolean {
  const text =
    `${(error as { details?: string })?.details ?? ""} ${(error as Error)?.message ?? ""}`.toLowerCase();
  if (/rate limit|too many requests|\b429\b/.test(text)) return false; // slow down, not shrink: back off instead
  return /block range|range too (large|wide)|too large|more than \d+ results|query returned more than|response size|exceeded the size limit|log response/.test(
    text,
  );
}

export class Indexer {
  private range: number;
  /** The largest range known to be accepted since the last refusal (growth never passes it). */
  private ceiling: number;
  /** Whether this run has filled what an index made by an older version lacks (token metadata, margins). */
  private backfilled = false;

  constructor(private readonly o: IndexerOptions) {
    this.range = o.maxRange;
    this.ceiling = o.maxRange;
  }

  /** Indexes one range (or handles one reorg). */
  async step(): Promise<StepResult> {
    const { db, chain, chainId } = this.o;
    // cacheTime 0: viem would otherwise answer from a cache up to its polling interval old (4 s), and every
    // step would lag the chain by that much (and miss a reorg that happened meanwhile).
    const head = Number(await chain.getBlockNumber({ cacheTime: 0 })) - this.o.confirmations;
    const stored = await readCursor(db, chainId);
    if (stored && stored.board.toLowerCase() !== this.o.board.toLowerCase()) {
      throw new BoardChangedError(chainId, stored.board, this.o.board);
    }
    const cursor = stored ?? { block: this.o.fromBlock - 1, hash: null };
    if (!this.backfilled) {
      await this.backfill();
      this.backfilled = true;
    }

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
        this.o.log.debug({ from, to, range: this.range, err: error }, "RPC refused the range; halving");
      }
    }

    // Read the headers of the range's ends and of the blocks in the reorg window (their hashes are kept).
    const keepFrom = Math.max(0, head - this.o.reorgWindow);
    const numbers = new Set<number>([from, to]);
    for (let n = Math.max(from, keepFrom); n <= to; n++) numbers.add(n);
    // And of the blocks whose time an event needs (a commit's, a finalization's...: see TIMED_EVENTS).
    for (const n of blocksNeedingTime(logs)) numbers.add(n);
    const headers = await this.headers([...numbers]);
    const last = headers.get(to) as { hash: string; parentHash: string };
    // The chain moved under us if the range does not continue the cursor, or a log's block is not the one
    // we just read: write nothing; the next step re-checks the cursor (and rolls back if needed).
    const first = headers.get(from);
    const moved =
      (cursor.hash !== null && first !== undefined && first.parentHash !== cursor.hash) ||
      logs.some((l) => {
        const header = headers.get(Number(l.blockNumber));
        return header !== undefined && header.hash !== l.blockHash;
      });
    if (moved) return { events: 0, atHead: false };
    const blocks = [...headers].map(([number, header]) => ({ number, hash: header.hash }));
    const times = new Map([...headers].map(([number, header]) => [number, header.timestamp]));

    const t1 = performance.now();
    const batch = decodeLogs(chainId, logs, times);
    const t2 = performance.now();
    const tokens = await this.readTokens(await tokensWithoutMetadata(db, chainId, [...batch.tokens]));
    const tTokens = performance.now();
    await writeBatch(db, {
      chainId,
      board: this.o.board,
      batch,
      tokens,
      cursor: { block: to, hash: last.hash },
      blocks: blocks.filter((b) => b.number >= keepFrom),
      keepFrom,
      ...(this.o.beforeCommit
        ? { beforeCommit: () => this.o.beforeCommit?.({ from, to }) ?? Promise.resolve() }
        : {}),
    });
    // Grow back: double up to the last accepted size, and let that ceiling creep up (data per block varies).
    this.ceiling = Math.min(this.o.maxRange, Math.ceil(this.ceiling * 1.25));
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
        tokensMs: Math.round(tTokens - t2),
        writeMs: Math.round(t3 - tTokens),
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

  /**
   * Fills what an index written before token metadata and best-score margins existed lacks: the metadata
   * of every known token without any, and the margins of scored bounties. Idempotent; once per run.
   */
  private async backfill(): Promise<void> {
    const { db, chainId } = this.o;
    const tokens = await this.readTokens(await tokensWithoutMetadata(db, chainId));
    await saveTokenMetadata(db, chainId, tokens);
    await backfillBestMargins(db, chainId);
  }

  /** Reads tokens' metadata from the chain (a few calls each, in parallel); throws if the node fails. */
  private async readTokens(addresses: string[]): Promise<TokenMetadata[]> {
    const read = await Promise.all(addresses.map((token) => readTokenMetadata(this.o.chain, token)));
    return read.map(({ fallbacks, ...token }) => {
      if (fallbacks.length > 0) {
        this.o.log.warn(
          { token: token.token, fallbacks, symbol: token.symbol, decimals: token.decimals },
          "token metadata partly unreadable: fell back (decimals 18 when decimals() failed)",
        );
      } else {
        this.o.log.info(
          { token: token.token, symbol: token.symbol, decimals: token.decimals },
          "token metadata read",
        );
      }
      return token;
    });
  }

  /** Headers (hash, parent hash, timestamp) of `numbers`, read a few at a time. */
  private async headers(
    numbers: number[],
  ): Promise<Map<number, { hash: string; parentHash: string; timestamp: bigint }>> {
    const out = new Map<number, { hash: string; parentHash: string; timestamp: bigint }>();
    for (let i = 0; i < numbers.length; i += 16) {
      const chunk = numbers.slice(i, i + 16);
      const read = await Promise.all(chunk.map((n) => this.o.chain.getBlock({ blockNumber: BigInt(n) })));
      read.forEach((block, k) => {
        if (!block.hash) throw new Error(`block ${chunk[k]} has no hash yet`);
        out.set(chunk[k] as number, {
          hash: block.hash,
          parentHash: block.parentHash,
          timestamp: block.timestamp,
        });
      });
    }
    return out;
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
    // Jobs are removed inside the rollback's transaction: if Redis fails, nothing is deleted and the next
    // step tries again, so a cancellation is never lost.
    const cancelled = await rollbackTo(db, chainId, this.o.board, ancestor, async (effects) => {
      for (const { queue, jobId } of effects) {
        const job = await this.o.queues[queue]?.getJob(jobId);
        // A job already running or done cannot be unsent; its handler re-reads the chain (idempotent).
        if (job && !(await job.isActive()) && !(await job.isCompleted())) await job.remove();
      }
    });
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
        if (result.events > 0 || result.rolledBackTo !== undefined) this.o.onChange?.();
        if (result.atHead) await sleep(pollMs, signal);
      } catch (error) {
        if (error instanceof ReorgTooDeepError) throw error;
        failures += 1;
        const delay = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
        this.o.log.warn({ err: error, failures, retryInMs: delay }, "indexer step failed; backing off");
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
