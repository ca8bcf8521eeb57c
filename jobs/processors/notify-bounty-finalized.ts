/**
 * `bounty-finalized` (the `notify` queue): the indexer saw BountyFinalized; tell everyone concerned, as
 * in-app notifications (table `notifications`, read on /notifications):
 *
 * - Fulfilled: the winning trainer (withdraw the payout), each backer and shareholder (the model was
 *   delivered), and the DAO;
 * - Failed or Cancelled: each backer still holding shares (a refund is waiting) and the DAO.
 *
 * Who and how much come from the index (bounties, backers, submissions, the BountyFinalized event row),
 * which the indexer committed in the same transaction as this job's outbox row. A job whose event was
 * reorged away finds the bounty in another state and writes nothing. Idempotent: one row per (chain,
 * bounty, account, kind), inserted with `on conflict do nothing`, so a retry or a re-delivered job adds
 * nothing.
 */
import { UnrecoverableError } from "bullmq";
import { and, desc, eq, gt, or, sql } from "drizzle-orm";
import { getAddress } from "viem";
import { formatTokenAmount, shortHex } from "../../app/lib/format.js";
import type { Database } from "../../db/client.server.js";
import {
  backers,
  boardEvents,
  bounties,
  type NotificationKind,
  notifications,
  specs,
  submissions,
  tokens,
} from "../../db/schema/index.js";
import type { Logger } from "../../lib/logger.server.js";
import { bountyFinalizedPayload } from "../queues.server.js";

export interface NotifyDeps {
  db: Database;
  log: Logger;
}

export type NotifyResult =
  | { written: number; recipients: number }
  | { written: 0; recipients: 0; skipped: string };

type Note = { account: string; kind: NotificationKind; message: string };

export async function notifyBountyFinalized(data: unknown, deps: NotifyDeps): Promise<NotifyResult> {
  const parsed = bountyFinalizedPayload.safeParse(data);
  if (!parsed.success) {
    throw new UnrecoverableError(`invalid bounty-finalized payload: ${parsed.error.message}`);
  }
  const { chainId, bountyId, status } = parsed.data;
  const { db } = deps;
  const log = deps.log.child({ chainId, bountyId, status });

  const [bounty] = await db
    .select({
      status: bounties.status,
      dao: bounties.dao,
      name: sql<string | null>`${specs.spec}->>'name'`,
      tokenSymbol: tokens.symbol,
      tokenDecimals: tokens.decimals,
    })
    .from(bounties)
    .leftJoin(specs, eq(specs.specHash, bounties.specHash))
    .leftJoin(tokens, and(eq(tokens.chainId, bounties.chainId), eq(tokens.token, bounties.token)))
    .where(and(eq(bounties.chainId, chainId), eq(bounties.bountyId, bountyId)));
  if (!bounty || bounty.status !== status) {
    // Its block was reorged away (the bounty is gone or in another state): there is nothing to tell.
    const skipped = bounty ? `the bounty is ${bounty.status} in the index` : "the bounty is not indexed";
    log.info({ skipped }, "finalization not notified");
    return { written: 0, recipients: 0, skipped };
  }

  const label = bounty.name ? `${bounty.name} (bounty #${bountyId})` : `Bounty #${bountyId}`;
  const amount = (baseUnits: string) => formatTokenAmount(baseUnits, bounty);
  const ofBounty = and(eq(backers.chainId, chainId), eq(backers.bountyId, bountyId));
  const notes: Note[] = [];

  if (status === "Fulfilled") {
    const [finalized] = await db
      .select({
        winningSubmissionId: sql<string>`${boardEvents.args}->>'winningSubmissionId'`,
        payout: sql<string>`${boardEvents.args}->>'payout'`,
      })
      .from(boardEvents)
      .where(
        and(
          eq(boardEvents.chainId, chainId),
          eq(boardEvents.bountyId, bountyId),
          eq(boardEvents.eventName, "BountyFinalized"),
        ),
      )
      .orderBy(desc(boardEvents.blockNumber), desc(boardEvents.logIndex))
      .limit(1);
    if (!finalized) throw new Error(`bounty ${bountyId} is Fulfilled in the index without its event row`);
    const [winner] = await db
      .select({ trainer: submissions.trainer })
      .from(submissions)
      .where(
        and(eq(submissions.chainId, chainId), eq(submissions.submissionId, finalized.winningSubmissionId)),
      );
    if (!winner) {
      throw new Error(
        `bounty ${bountyId}: winning submission ${finalized.winningSubmissionId} is not indexed`,
      );
    }
    const submission = `submission #${finalized.winningSubmissionId}`;
    notes.push({
      account: winner.trainer,
      kind: "payout-available",
      message: `${label} was fulfilled by your ${submission}: withdraw your payout of ${amount(finalized.payout)}.`,
    });
    // Everyone who backed it, and whoever holds its shares now (they share the model's revenue).
    const holders = await db
      .select({ account: backers.account })
      .from(backers)
      .where(and(ofBounty, or(gt(backers.contributed, "0"), gt(backers.shares, "0"))));
    for (const { account } of holders) {
      notes.push({
        account,
        kind: "model-delivered",
        message: `The model you backed was delivered: ${label} was fulfilled by ${submission}. Your shares earn a part of any revenue it brings.`,
      });
    }
    notes.push({
      account: bounty.dao,
      kind: "bounty-fulfilled",
      message: `${label} was fulfilled: ${submission} by ${shortHex(winner.trainer)} met the target; its trainer's payout is ${amount(finalized.payout)}.`,
    });
  } else {
    // A backer's refund is their shares: refunding burns them, so only holders still have one waiting.
    const holders = await db
      .select({ account: backers.account, shares: backers.shares })
      .from(backers)
      .where(and(ofBounty, gt(backers.shares, "0")));
    const ended = status === "Cancelled" ? "was cancelled by its DAO" : "failed";
    for (const { account, shares } of holders) {
      notes.push({
        account,
        kind: "refund-available",
        message: `${label} ${ended}: a refund of ${amount(shares)} is available to you.`,
      });
    }
    if (status === "Cancelled") {
      notes.push({
        account: bounty.dao,
        kind: "bounty-cancelled",
        message: `${label} was cancelled; its backers can withdraw their refunds.`,
      });
    } else {
      const [funded] = await db
        .select({ one: sql`1` })
        .from(boardEvents)
        .where(
          and(
            eq(boardEvents.chainId, chainId),
            eq(boardEvents.bountyId, bountyId),
            eq(boardEvents.eventName, "BountyFunded"),
          ),
        )
        .limit(1);
      const why = funded
        ? "no submission met the target by the delivery deadline"
        : "it did not reach its funding goal by the deadline";
      notes.push({
        account: bounty.dao,
        kind: "bounty-failed",
        message: `${label} failed: ${why}. Its backers can withdraw their refunds.`,
      });
    }
  }

  const rows = notes.map((note) => ({ ...note, chainId, bountyId, account: getAddress(note.account) }));
  const inserted = await db
    .insert(notifications)
    .values(rows)
    .onConflictDoNothing({
      target: [notifications.chainId, notifications.bountyId, notifications.account, notifications.kind],
    })
    .returning({ id: notifications.id });
  log.info({ recipients: rows.length, written: inserted.length }, "finalization notified");
  return { written: inserted.length, recipients: rows.length };
}
