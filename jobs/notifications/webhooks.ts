/**
 * Webhooks: every notification of an account that has one is POSTed to it as JSON, signed, through the
 * `webhooks` queue (retried with backoff for about ten minutes).
 *
 * - **Outbox.** A sweep (one process at a time) hands each webhook's notifications newer than its
 *   `cursor` to the queue, with the notification id as the job id (so a sweep repeated after a crash adds
 *   nothing twice), then moves the cursor. Notifications come from the notify jobs and the dispatcher
 *   alike; none of them needs to know about webhooks.
 * - **Signature.** `Crowdtrain-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the
 *   webhook's secret>` (the receiver recomputes it, and refuses an old `t` against replays; see
 *   {@link signWebhook} and docs/notifications.md).
 * - **Fairness.** At most WEBHOOK_SLOTS_PER_ACCOUNT deliveries go to one account's webhook at once (a slot
 *   per delivery in a Redis sorted set, each expiring on its own after the timeout, so a crash leaks
 *   nothing for long). A delivery that finds them taken waits a moment and is not counted as an attempt:
 *   a slow or stalled receiver holds its own slots, never the queue's whole concurrency.
 * - **No SSRF.** A webhook may not reach the platform's own network: the address the host resolves to is
 *   checked at connection time (the same lookup the socket uses, so a DNS answer cannot change between
 *   check and use), refusing loopback, private, link-local and other non-public ranges unless
 *   `allowPrivate` (development, tests). Production URLs must be https.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { lookup as dnsLookup } from "node:dns";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { type Queue, UnrecoverableError } from "bullmq";
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { notifications, webhooks } from "../../db/schema/index.js";
import { everyIntervalOnOneProcess } from "../../server/periodic.js";
import { deliverWebhookPayload, JOB } from "../queues.js";

/** The longest URL a webhook may have. */
export const WEBHOOK_URL_MAX = 2_048;
/** Retries: 8 attempts, 5 s doubling (about 10 minutes in all). */
export const WEBHOOK_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { count: 10_000, age: 7 * 24 * 3600 },
  removeOnFail: { count: 10_000 },
} as const;

/** The most deliveries in flight to one account's webhook (see the module comment, "Fairness"). */
export const WEBHOOK_SLOTS_PER_ACCOUNT = 4;
/**
 * How many times a delivery may find its account's slots taken before that counts as a failed attempt
 * (about 17 minutes at the longest wait): a receiver that never frees a slot does not keep it forever.
 */
export const WEBHOOK_MAX_WAITS = 40;

/** Address ranges a webhook may never reach unless private ones are allowed. */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["2002::", 16], // 6to4: embeds an IPv4 address
  ["fec0::", 10],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, "ipv6");
}

/**
 * Whether an IP address is one a webhook may not reach (loopback, private, link-local, ...). An IPv4-mapped
 * IPv6 address is checked as the IPv4 address it maps (BlockList itself matches IPv4 addresses against
 * IPv6 rules as mapped ones, so no rule may cover ::ffff:0:0/96).
 */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return NON_PUBLIC.check(mapped[1], "ipv4");
  const family = isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

export interface WebhookPolicy {
  /** Loopback and private addresses allowed (development, tests). */
  allowPrivate: boolean;
  /** Only https URLs (production). */
  requireHttps: boolean;
}

/** What is wrong with a webhook URL, as a sentence; null when it may be used. */
export function webhookUrlProblem(raw: string, policy: WebhookPolicy): string | null {
  if (raw.length > WEBHOOK_URL_MAX) return `A webhook URL has at most ${WEBHOOK_URL_MAX} characters.`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Enter a full URL, such as https://example.org/crowdtrain.";
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && !policy.requireHttps)) {
    return policy.requireHttps
      ? "A webhook URL must start with https://."
      : "A webhook URL is http:// or https://.";
  }
  if (url.username || url.password) return "A webhook URL may not carry a user name or password.";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!policy.allowPrivate) {
    if (isIP(host) !== 0 && isNonPublicAddress(host)) {
      return "A webhook must be reachable on the internet: this address is private or local.";
    }
    if (/^localhost$|\.localhost$|\.local$|\.internal$/i.test(host)) {
      return "A webhook must be reachable on the internet: this host name is local.";
    }
  }
  return null;
}

/** `t=<seconds>,v1=<hex HMAC-SHA256 of "<seconds>.<body>">`: the Crowdtrain-Signature header. */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex");
  return `t=${timestampSeconds},v1=${mac}`;
}

/** A fresh webhook secret: 32 random bytes, hex. */
export function newWebhookSecret(): string {
  return randomBytes(32).toString("hex");
}

/** The JSON a webhook receives: the notification, as the in-app list shows it. */
export interface WebhookBody {
  id: number;
  chainId: number;
  account: string;
  bountyId: string;
  kind: string;
  message: string;
  createdAt: string;
}

/**
 * Hands each webhook's new notifications to the queue (job id: the notification's), oldest first, up to
 * `limit` per sweep, then moves the webhooks' cursors past them. Returns how many it enqueued.
 */
export async function sweepWebhooks(db: Database, queue: Queue, limit = 500): Promise<number> {
  const rows = await db
    .select({ id: notifications.id, chainId: webhooks.chainId, account: webhooks.account })
    .from(webhooks)
    .innerJoin(
      notifications,
      and(
        eq(notifications.chainId, webhooks.chainId),
        eq(notifications.account, webhooks.account),
        gt(notifications.id, webhooks.cursor),
      ),
    )
    // Ids are taken when a row is inserted, not when it commits: a row still committing behind a higher id
    // would be passed by the cursor. Only rows of transactions every snapshot sees as finished are taken.
    .where(sql`${notifications.writtenBy} < pg_snapshot_xmin(pg_current_snapshot())`)
    .orderBy(asc(notifications.id))
    .limit(limit);
  if (rows.length === 0) return 0;
  await queue.addBulk(
    rows.map((row) => ({
      name: JOB.deliverWebhook,
      data: { notificationId: row.id },
      opts: { ...WEBHOOK_JOB_OPTIONS, jobId: `webhook-${row.id}` },
    })),
  );
  const cursors = new Map<string, { chainId: number; account: string; id: number }>();
  for (const row of rows) cursors.set(`${row.chainId}:${row.account}`, row);
  for (const { chainId, account, id } of cursors.values()) {
    await db
      .update(webhooks)
      .set({ cursor: sql`greatest(${webhooks.cursor}, ${id})` })
      .where(and(eq(webhooks.chainId, chainId), eq(webhooks.account, account)));
  }
  return rows.length;
}

/** Runs {@link sweepWebhooks} every `intervalMs` on one process at a time. Returns a stop function. */
export function startWebhookSweep(
  deps: { db: Database; queue: Queue; redis: Redis; prefix: string; log: Logger },
  intervalMs: number,
): () => void {
  return everyIntervalOnOneProcess(
    {
      redis: deps.redis,
      lockKey: `${deps.prefix}:webhook-sweep`,
      intervalMs,
      log: deps.log,
      what: "webhook sweep",
    },
    async () => {
      const enqueued = await sweepWebhooks(deps.db, deps.queue);
      if (enqueued > 0) deps.log.info({ enqueued }, "webhook deliveries queued");
    },
  );
}

export interface DeliverDeps {
  db: Database;
  log: Logger;
  policy: WebhookPolicy;
  timeoutMs: number;
  /** Where the per-account delivery slots live (Redis, under the queues' prefix); without it, no limit. */
  slots?: { redis: Redis; prefix: string; perAccount: number };
}

export type DeliverResult =
  | { delivered: true; status: number }
  | { delivered: false; skipped: string }
  /** Every slot of the account's webhook is taken: try again in `retryInMs`, not as a failed attempt. */
  | { delivered: false; busy: true; retryInMs: number };

/**
 * Takes one of the account's delivery slots; returns its release, or null when all are taken. A slot is a
 * member of a sorted set scored by when it was taken, and counts for `ttlMs` at most. Each take counts the
 * live slots after adding its own, in one transaction: of takes at the same moment, only those that find
 * room keep theirs. Releasing never fails a delivery (an unreleased slot expires by itself).
 */
async function takeSlot(
  slots: NonNullable<DeliverDeps["slots"]>,
  chainId: number,
  account: string,
  ttlMs: number,
  log: Logger,
): Promise<(() => Promise<void>) | null> {
  const key = `${slots.prefix}:webhook-slots:${chainId}:${account}`;
  const member = randomUUID();
  const now = Date.now();
  const replies = await slots.redis
    .multi()
    .zremrangebyscore(key, "-inf", now - ttlMs)
    .zadd(key, now, member)
    .zcard(key)
    .pexpire(key, ttlMs)
    .exec();
  const [error, taken] = replies?.[2] ?? [new Error("the transaction was discarded"), null];
  if (error || typeof taken !== "number") {
    await slots.redis.zrem(key, member).catch(() => {});
    // Fails this attempt (counted, retried): a slot that cannot be counted is not a slot taken.
    throw new Error(`could not count the webhook's delivery slots: ${error?.message ?? "no count"}`);
  }
  const release = async () => {
    await slots.redis.zrem(key, member).catch((error: unknown) => {
      log.warn({ err: error, account }, "a webhook delivery slot was not released: it expires by itself");
    });
  };
  if (taken <= slots.perAccount) return release;
  await release();
  return null;
}

/**
 * `deliver-webhook`: POSTs one notification to its account's webhook (as it is now: a changed URL or
 * secret applies to what is still queued; a removed webhook skips). A non-2xx answer, a refused address,
 * a timeout or a network error fails the attempt, and the queue retries it.
 */
export async function deliverWebhook(data: unknown, deps: DeliverDeps): Promise<DeliverResult> {
  const parsed = deliverWebhookPayload.safeParse(data);
  if (!parsed.success)
    throw new UnrecoverableError(`invalid deliver-webhook payload: ${parsed.error.message}`);
  const [row] = await deps.db
    .select({ notification: notifications, url: webhooks.url, secret: webhooks.secret })
    .from(notifications)
    .innerJoin(
      webhooks,
      and(eq(webhooks.chainId, notifications.chainId), eq(webhooks.account, notifications.account)),
    )
    .where(eq(notifications.id, parsed.data.notificationId));
  if (!row) return { delivered: false, skipped: "no webhook for this notification's account" };
  const n = row.notification;
  const body = JSON.stringify({
    id: n.id,
    chainId: n.chainId,
    account: n.account,
    bountyId: n.bountyId,
    kind: n.kind,
    message: n.message,
    createdAt: n.createdAt.toISOString(),
  } satisfies WebhookBody);
  const problem = webhookUrlProblem(row.url, deps.policy);
  // A slot counts a little longer than a delivery may take, so a crashed worker's slot frees itself.
  const release =
    problem || !deps.slots
      ? null
      : await takeSlot(deps.slots, n.chainId, n.account, deps.timeoutMs * 2 + 1_000, deps.log);
  if (!problem && deps.slots && !release) {
    return { delivered: false, busy: true, retryInMs: 500 + Math.floor(Math.random() * 1_000) };
  }
  let result: string;
  let status = 0;
  try {
    if (problem) throw new UnrecoverableError(problem);
    status = await post(
      row.url,
      body,
      {
        "Content-Type": "application/json",
        "User-Agent": "Crowdtrain-Webhooks/1",
        "Crowdtrain-Delivery": String(n.id),
        "Crowdtrain-Signature": signWebhook(row.secret, Math.floor(Date.now() / 1000), body),
      },
      deps,
    );
    result = String(status);
  } catch (error) {
    result = deliveryFailure(error);
  } finally {
    await release?.();
  }
  await deps.db
    .update(webhooks)
    .set({ lastAttemptAt: new Date(), lastResult: result.slice(0, 300) })
    .where(and(eq(webhooks.chainId, n.chainId), eq(webhooks.account, n.account)));
  if (problem) throw new UnrecoverableError(problem);
  if (!(status >= 200 && status < 300)) throw new Error(`webhook delivery failed: ${result}`);
  return { delivered: true, status };
}

/**
 * Why a delivery failed, in a coarse category for its owner to read: the exact network error would let
 * anyone map which names and ports answer (from wherever the worker runs).
 */
function deliveryFailure(error: unknown): string {
  if (error instanceof UnrecoverableError) return error.message; // the URL's own problem, as saved
  const { code, message } = error as { code?: string; message?: string };
  if (/no answer within/.test(message ?? "")) return "timed out";
  if (/private or local address/.test(message ?? "")) return "refused: not a public address";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  if (code?.startsWith("ERR_TLS") || code?.includes("CERT") || /certificate|TLS/i.test(message ?? "")) {
    return "TLS handshake failed";
  }
  return "could not connect";
}

/**
 * A DNS lookup for sockets that answers only the addresses a webhook may reach (all of them when
 * `allowPrivate`), and fails when none is left.
 */
export function checkedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const allowed = addresses.filter((a) => allowPrivate || !isNonPublicAddress(a.address));
      const first = allowed[0];
      if (!first) return callback(new Error(`${hostname} resolves to a private or local address only`), []);
      if (options.all) return callback(null, allowed);
      callback(null, first.address, first.family);
    });
  };
}

/** POSTs `body`, connecting only to an address the policy allows; resolves the status. */
function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  deps: DeliverDeps,
): Promise<number> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      target,
      {
        method: "POST",
        headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
        // The socket connects to what this lookup answers: checking there checks the address actually used.
        // A fresh socket each time (no shared keep-alive pool whose sockets would skip the lookup).
        lookup: checkedLookup(deps.policy.allowPrivate),
        agent: false,
        // The whole exchange, not just an idle socket: a receiver that drips its answer is cut off too.
        signal: AbortSignal.timeout(deps.timeoutMs),
      },
      (response) => {
        response.resume(); // the answer's body is not read, only its status
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", reject);
      },
    );
    request.on("error", (error) =>
      reject(error.name === "AbortError" ? new Error(`no answer within ${deps.timeoutMs} ms`) : error),
    );
    request.end(body);
  });
}
