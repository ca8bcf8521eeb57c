/**
 * An account's in-app notifications (table `notifications`, written by the worker's `notify` queue):
 * the list, the unread count (cheap: a partial index holds only unread rows) and marking them read.
 * Accounts are compared checksummed, as sessions and the worker write them.
 */
import { and, count, desc, eq, isNull, lte } from "drizzle-orm";
import { type Address, getAddress } from "viem";
import type { Database } from "../../db/client.js";
import { notifications } from "../../db/schema/index.js";

const ofAccount = (chainId: number, account: Address | string) =>
  and(eq(notifications.chainId, chainId), eq(notifications.account, getAddress(account)));

export interface NotificationView {
  id: number;
  bountyId: string;
  kind: string;
  message: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  read: boolean;
}

/** The account's notifications, newest first (at most `limit`). */
export async function listNotifications(
  db: Database,
  chainId: number,
  account: Address | string,
  limit = 100,
): Promise<NotificationView[]> {
  const rows = await db
    .select({
      id: notifications.id,
      bountyId: notifications.bountyId,
      kind: notifications.kind,
      message: notifications.message,
      createdAt: notifications.createdAt,
      readAt: notifications.readAt,
    })
    .from(notifications)
    .where(ofAccount(chainId, account))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit);
  return rows.map(({ readAt, createdAt, ...row }) => ({
    ...row,
    createdAt: createdAt.toISOString(),
    read: readAt !== null,
  }));
}

/** How many of the account's notifications are unread (for a header badge). */
export async function unreadNotificationCount(
  db: Database,
  chainId: number,
  account: Address | string,
): Promise<number> {
  const [row] = await db
    .select({ unread: count() })
    .from(notifications)
    .where(and(ofAccount(chainId, account), isNull(notifications.readAt)));
  return row?.unread ?? 0;
}

/**
 * Marks the account's unread notifications read, those up to id `upTo` when given (the newest one the
 * reader was shown, so one that arrived since stays unread). Answers how many it marked.
 */
export async function markNotificationsRead(
  db: Database,
  chainId: number,
  account: Address | string,
  upTo?: number,
): Promise<number> {
  const marked = await db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(
      and(
        ofAccount(chainId, account),
        isNull(notifications.readAt),
        upTo === undefined ? undefined : lte(notifications.id, upTo),
      ),
    )
    .returning({ id: notifications.id });
  return marked.length;
}
