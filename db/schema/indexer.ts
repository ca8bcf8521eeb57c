import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { eventColumns } from "./columns.js";

/** Every BountyBoard event, decoded (bigints as decimal strings): the complete, replayable history. */
export const boardEvents = pgTable(
  "board_events",
  {
    ...eventColumns(),
    eventName: text("event_name").notNull(),
    bountyId: numeric("bounty_id", { precision: 78, scale: 0 }),
    args: jsonb("args").notNull(),
    /**
     * The block's timestamp, read for every event (required for those whose time the board keeps but does
     * not emit: a commit, a finalization, a dispute's opening and resolution, the eval set's reveal). Null
     * only in rows indexed before migration 0010 for the other events.
     */
    blockTime: numeric("block_time", { precision: 78, scale: 0 }),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.txHash, t.logIndex] }),
    index("board_events_block_idx").on(t.chainId, t.blockNumber),
    index("board_events_bounty_idx").on(t.chainId, t.bountyId, t.blockNumber),
    index("board_events_name_idx").on(t.chainId, t.eventName),
    // An account's history (/accounts/:address): the events whose arguments name it, by jsonb containment.
    index("board_events_args_idx").using("gin", sql`${t.args} jsonb_path_ops`),
  ],
);

/** Where the indexer is: the last block fully written, and its hash. */
export const indexerState = pgTable("indexer_state", {
  chainId: integer("chain_id").primaryKey(),
  board: text("board").notNull(),
  cursor: bigint("cursor", { mode: "number" }).notNull(),
  cursorHash: text("cursor_hash"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Hashes of recent indexed blocks (a window behind the head), to find the common ancestor after a reorg. */
export const indexedBlocks = pgTable(
  "indexed_blocks",
  {
    chainId: integer("chain_id").notNull(),
    number: bigint("number", { mode: "number" }).notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.number] })],
);

/**
 * Follow-up jobs decided by a batch, written in the batch's transaction (a transactional outbox) and
 * enqueued with their deterministic id afterwards. A rollback deletes the rows of orphaned blocks and
 * removes their jobs from the queue.
 */
export const effectsOutbox = pgTable(
  "effects_outbox",
  {
    chainId: integer("chain_id").notNull(),
    jobId: text("job_id").notNull(),
    queue: text("queue").notNull(),
    name: text("name").notNull(),
    payload: jsonb("payload").notNull(),
    blockNumber: bigint("block_number", { mode: "number" }).notNull(),
    enqueuedAt: timestamp("enqueued_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.jobId] }),
    index("effects_outbox_block_idx").on(t.chainId, t.blockNumber),
  ],
);
