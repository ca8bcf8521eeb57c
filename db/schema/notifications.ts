import { sql } from "drizzle-orm";
import {
  bigint,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { amount } from "./columns.js";

/** Postgres' 64-bit transaction id (drizzle has no built-in for it), read as text. */
const xid8 = customType<{ data: string }>({ dataType: () => "xid8" });

/** What a notification tells its account. */
export const NOTIFICATION_KINDS = [
  /** The bounty's DAO, and (backed-...) each backer: it reached its goal and waits for a GPU pool. */
  "bounty-funded",
  "backed-funded",
  /** The bounty's DAO, and each backer: a GPU pool started training it (its first lease). */
  "bounty-leased",
  "backed-leased",
  /** A trainer: their submission was scored, or disqualified (one per submission: `ref`). */
  "submission-scored",
  "submission-disqualified",
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
 * worker's `notify` queue, jobs/notifications/on-bounty-event.ts, and by the dispatcher on a bounty's first
 * lease). One row per (chain, bounty, account, kind, ref), so a retried or re-delivered job writes nothing
 * twice. An account's webhook gets each one too (`webhooks`).
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
    /** Which one, for kinds that happen more than once per bounty (a submission's id, a dispute's); else "". */
    ref: text("ref").notNull().default(""),
    /** The text shown, written once with the amounts and names known then. */
    message: text("message").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** When the account marked it read; null while unread. */
    readAt: timestamp("read_at", { withTimezone: true }),
    /**
     * The transaction that wrote it: the webhook sweep takes only rows every running transaction can see
     * (older than the snapshot's xmin), so a row that commits late behind a higher id is never skipped.
     */
    writtenBy: xid8("written_by").notNull().default(sql`pg_current_xact_id()`),
  },
  (t) => [
    uniqueIndex("notifications_unique_idx").on(t.chainId, t.bountyId, t.account, t.kind, t.ref),
    // The account's list, newest first, read off the index.
    index("notifications_account_idx").on(t.chainId, t.account, t.createdAt.desc(), t.id.desc()),
    // The unread count (a header badge on every page): only unread rows are indexed.
    index("notifications_unread_idx").on(t.chainId, t.account).where(sql`${t.readAt} is null`),
  ],
);

export type NotificationRow = typeof notifications.$inferSelect;

/**
 * An account's webhook: every notification of the account is POSTed to `url`, signed with `secret`
 * (HMAC-SHA256), through the `webhooks` queue with retries (jobs/notifications/webhooks.ts). `cursor` is the
 * last notification id handed to the queue: a new webhook starts at the newest, so it gets no history.
 */
export const webhooks = pgTable(
  "webhooks",
  {
    chainId: integer("chain_id").notNull(),
    /** Checksummed, as notifications name it. */
    account: text("account").notNull(),
    url: text("url").notNull(),
    /** 32 random bytes, hex: the receiver checks each delivery's signature with it. */
    secret: text("secret").notNull(),
    cursor: bigint("cursor", { mode: "number" }).notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** The latest delivery: when, and what came of it ("200", or why it failed). */
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    lastResult: text("last_result"),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.account] })],
);

export type WebhookRow = typeof webhooks.$inferSelect;
