import { sql } from "drizzle-orm";
import { bigint, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { amount } from "./columns.js";

/** What a notification tells its account. */
export const NOTIFICATION_KINDS = [
  /** The winning trainer of a fulfilled bounty: the payout is waiting to be withdrawn. */
  "payout-available",
  /** A backer (or shareholder) of a fulfilled bounty: the model was delivered. */
  "model-delivered",
  /** A backer still holding shares of a failed or cancelled bounty: a refund is waiting. */
  "refund-available",
  /** The bounty's DAO: how its bounty ended. */
  "bounty-fulfilled",
  "bounty-failed",
  "bounty-cancelled",
  /** The leading trainer of a bounty in its verification period: the payout unlocks after it. */
  "payout-pending",
  /** The DAO of a bounty in its verification period: reveal the eval set so anyone can re-check scores. */
  "eval-set-reveal",
  /** A trainer whose submission's verdict was disputed. */
  "submission-disputed",
  /** The bounty's arbiter: a dispute waits for a ruling. */
  "dispute-to-resolve",
] as const;

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * In-app notifications: what an account should know about a bounty it is part of (written by the
 * worker's `notify` queue, jobs/notifications/on-bounty-event.ts). One row per (chain, bounty,
 * account, kind), so a retried or re-delivered job writes nothing twice.
 */
export const notifications = pgTable(
  "notifications",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    chainId: integer("chain_id").notNull(),
    /** The account told, checksummed (EIP-55) as sessions and the index write it. */
    account: text("account").notNull(),
    bountyId: amount("bounty_id").notNull(),
    /** What happened, for this account: see NOTIFICATION_KINDS. */
    kind: text("kind").notNull(),
    /** The text shown, written once with the amounts and names known then. */
    message: text("message").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** When the account marked it read; null while unread. */
    readAt: timestamp("read_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("notifications_unique_idx").on(t.chainId, t.bountyId, t.account, t.kind),
    // The account's list, newest first, read off the index.
    index("notifications_account_idx").on(t.chainId, t.account, t.createdAt.desc(), t.id.desc()),
    // The unread count (a header badge on every page): only unread rows are indexed.
    index("notifications_unread_idx").on(t.chainId, t.account).where(sql`${t.readAt} is null`),
  ],
);

export type NotificationRow = typeof notifications.$inferSelect;
