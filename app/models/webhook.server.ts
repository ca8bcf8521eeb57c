/**
 * An account's webhook, as its owner sees and changes it on /notifications: set (or change) the URL, show
 * the signing secret, rotate it, remove the webhook. A new webhook starts after the account's newest
 * notification: it is sent what happens from now on, not the history.
 */
import { and, eq, max } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { notifications, webhooks } from "../../db/schema/index.js";
import { newWebhookSecret, webhookUrlProblem } from "../../jobs/notifications/index.js";
import { type Env, webhookPolicy } from "../../server/env.js";

/** What is wrong with a webhook URL under this deployment's policy (public https in production); null if fine. */
export function webhookUrlProblemFor(config: Env, url: string): string | null {
  return webhookUrlProblem(url, webhookPolicy(config));
}

export interface WebhookView {
  url: string;
  secret: string;
  lastAttemptAt: string | null;
  lastResult: string | null;
}

export async function findWebhook(
  db: Database,
  chainId: number,
  account: string,
): Promise<WebhookView | null> {
  const [row] = await db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.chainId, chainId), eq(webhooks.account, account)));
  if (!row) return null;
  return {
    url: row.url,
    secret: row.secret,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    lastResult: row.lastResult,
  };
}

/** Sets the account's webhook URL; a new webhook gets a secret and starts after the newest notification. */
export async function saveWebhook(
  db: Database,
  chainId: number,
  account: string,
  url: string,
): Promise<void> {
  const [newest] = await db
    .select({ id: max(notifications.id) })
    .from(notifications)
    .where(and(eq(notifications.chainId, chainId), eq(notifications.account, account)));
  await db
    .insert(webhooks)
    .values({ chainId, account, url, secret: newWebhookSecret(), cursor: newest?.id ?? 0 })
    .onConflictDoUpdate({ target: [webhooks.chainId, webhooks.account], set: { url } });
}

/** A new secret for the account's webhook (deliveries still queued are signed with it). */
export async function rotateWebhookSecret(db: Database, chainId: number, account: string): Promise<boolean> {
  const rows = await db
    .update(webhooks)
    .set({ secret: newWebhookSecret() })
    .where(and(eq(webhooks.chainId, chainId), eq(webhooks.account, account)))
    .returning({ account: webhooks.account });
  return rows.length > 0;
}

export async function removeWebhook(db: Database, chainId: number, account: string): Promise<boolean> {
  const rows = await db
    .delete(webhooks)
    .where(and(eq(webhooks.chainId, chainId), eq(webhooks.account, account)))
    .returning({ account: webhooks.account });
  return rows.length > 0;
}
