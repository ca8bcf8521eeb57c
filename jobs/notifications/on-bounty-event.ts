/**
 * `bounty-finalized` (the `notify` queue): the indexer saw a bounty end or move towards its end; tell
 * everyone concerned, as in-app notifications (table `notifications`, read on /notifications):
 *
 * - Verifying (BountyFinalized with a winner): the leading trainer (the payout unlocks after the
 *   verification period) and the DAO (reveal the eval set, so anyone can re-check the scores);
 * - Fulfilled (PayoutUnlocked): the winning trainer (withdraw the payout), each backer and shareholder
 *   (the model was delivered), and the DAO;
 * - Failed or Cancelled: each backer still holding shares (a refund is waiting) and the DAO.
 *
 * `dispute-opened`: the challenged trainer and the bounty's arbiter.
 *
 * Who and how much come from the index (bounties, backers, submissions, disputes, the event rows), which
 * the indexer committed in the same transaction as this job's outbox row. A job whose event was
 * reorged away finds the bounty in another state and writes nothing. Idempotent: one row per (chain,
 * bounty, account, kind), inserted with `on conflict do nothing`, so a retry or a re-delivered job adds
 * nothing.
 */
import { UnrecoverableError } from "bullmq";
import { and, desc, eq, gt, or, sql } from "drizzle-orm";
import { getAddress } from "viem";
import { formatScore, formatTokenAmount, shortHex } from "../../core/format.js";
import type { Logger } from "../../core/logger.js";
import { fromOnchainScore } from "../../core/spec.js";
import type { Database } from "../../db/client.js";
import {
  backers,
  boardEvents,
  bounties,
  disputes,
  type NotificationKind,
  notifications,
  specs,
  submissions,
  tokens,
} from "../../db/schema/index.js";
import {
  bountyFinalizedPayload,
  bountyFundedPayload,
  disputeOpenedPayload,
  submissionEvaluatedPayload,
} from "../queues.js";

export interface NotifyDeps {
  db: Database;
  log: Logger;
}

export type NotifyResult =
  | { written: number; recipients: number }
  | { written: 0; recipients: 0; skipped: string };

type Note = { account: string; kind: NotificationKind; message: string; ref?: string };

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

  const eventArgs = async (eventName: string) => {
    const [row] = await db
      .select({ args: boardEvents.args })
      .from(boardEvents)
      .where(
        and(
          eq(boardEvents.chainId, chainId),
          eq(boardEvents.bountyId, bountyId),
          eq(boardEvents.eventName, eventName),
        ),
      )
      .orderBy(desc(boardEvents.blockNumber), desc(boardEvents.logIndex))
      .limit(1);
    return row?.args as Record<string, string> | undefined;
  };
  const trainerOf = async (submissionId: string) => {
    const [winner] = await db
      .select({ trainer: submissions.trainer })
      .from(submissions)
      .where(and(eq(submissions.chainId, chainId), eq(submissions.submissionId, submissionId)));
    if (!winner) throw new Error(`bounty ${bountyId}: winning submission ${submissionId} is not indexed`);
    return winner.trainer;
  };

  if (status === "Verifying") {
    const finalized = await eventArgs("BountyFinalized");
    if (!finalized) throw new Error(`bounty ${bountyId} is Verifying in the index without its event row`);
    const submissionId = finalized.winningSubmissionId as string;
    const trainer = await trainerOf(submissionId);
    const submission = `submission #${submissionId}`;
    notes.push({
      account: trainer,
      kind: "payout-pending",
      message: `Your ${submission} won ${label}. Its payout unlocks once the eval set is revealed and the verification period passes without an upheld dispute.`,
    });
    notes.push({
      account: bounty.dao,
      kind: "eval-set-reveal",
      message: `${label} was finalized: ${submission} by ${shortHex(trainer)} leads. Reveal its eval set from the bounty page so anyone can re-check the scores; the verification period starts then.`,
    });
  } else if (status === "Fulfilled") {
    const unlocked = await eventArgs("PayoutUnlocked");
    if (!unlocked) throw new Error(`bounty ${bountyId} is Fulfilled in the index without its event row`);
    const submissionId = unlocked.winningSubmissionId as string;
    const payout = unlocked.payout as string;
    const trainer = await trainerOf(submissionId);
    const submission = `submission #${submissionId}`;
    notes.push({
      account: trainer,
      kind: "payout-available",
      message: `${label} was fulfilled by your ${submission}: withdraw your payout of ${amount(payout)}.`,
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
      message: `${label} was fulfilled: ${submission} by ${shortHex(trainer)} met the target; its trainer's payout is ${amount(payout)}.`,
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
      const verified = await eventArgs("BountyFinalized");
      const why =
        verified && verified.status === "4" && verified.winningSubmissionId === "0" && (await wasVerifying())
          ? "an upheld dispute left no qualifying submission"
          : funded
            ? "no submission met the target by the delivery deadline"
            : "it did not reach its funding goal by the deadline";
      notes.push({
        account: bounty.dao,
        kind: "bounty-failed",
        message: `${label} failed: ${why}. Its backers can withdraw their refunds.`,
      });
    }
  }

  async function wasVerifying() {
    const [row] = await db
      .select({ one: sql`1` })
      .from(boardEvents)
      .where(
        and(
          eq(boardEvents.chainId, chainId),
          eq(boardEvents.bountyId, bountyId),
          eq(boardEvents.eventName, "BountyFinalized"),
          sql`${boardEvents.args}->>'status' = '6'`,
        ),
      )
      .limit(1);
    return row !== undefined;
  }

  return writeNotes(db, log, chainId, bountyId, notes);
}

/** `dispute-opened`: the challenged trainer (defend or wait for the ruling) and the arbiter (rule). */
export async function notifyDisputeOpened(data: unknown, deps: NotifyDeps): Promise<NotifyResult> {
  const parsed = disputeOpenedPayload.safeParse(data);
  if (!parsed.success) {
    throw new UnrecoverableError(`invalid dispute-opened payload: ${parsed.error.message}`);
  }
  const { chainId, bountyId, disputeId } = parsed.data;
  const { db } = deps;
  const log = deps.log.child({ chainId, bountyId, disputeId });
  const [row] = await db
    .select({
      submissionId: disputes.submissionId,
      disputer: disputes.disputer,
      deadline: disputes.deadline,
      trainer: submissions.trainer,
      arbiter: bounties.arbiter,
      name: sql<string | null>`${specs.spec}->>'name'`,
    })
    .from(disputes)
    .innerJoin(
      submissions,
      and(eq(submissions.chainId, disputes.chainId), eq(submissions.submissionId, disputes.submissionId)),
    )
    .innerJoin(
      bounties,
      and(eq(bounties.chainId, disputes.chainId), eq(bounties.bountyId, disputes.bountyId)),
    )
    .leftJoin(specs, eq(specs.specHash, bounties.specHash))
    .where(and(eq(disputes.chainId, chainId), eq(disputes.disputeId, disputeId)));
  if (!row) {
    log.info({ skipped: "the dispute is not indexed" }, "dispute not notified");
    return { written: 0, recipients: 0, skipped: "the dispute is not indexed" };
  }
  const label = row.name ? `${row.name} (bounty #${bountyId})` : `Bounty #${bountyId}`;
  const deadline = new Date(Number(row.deadline) * 1000).toISOString().replace(".000Z", "Z");
  const notes: Note[] = [
    {
      account: row.trainer,
      kind: "submission-disputed",
      ref: disputeId,
      message: `${shortHex(row.disputer)} disputed the verdict on your submission #${row.submissionId} to ${label} (dispute #${disputeId}). The arbiter rules by ${deadline}.`,
    },
    {
      account: row.arbiter,
      kind: "dispute-to-resolve",
      ref: disputeId,
      message: `Dispute #${disputeId} on submission #${row.submissionId} of ${label} waits for your ruling until ${deadline}; after that it is dismissed.`,
    },
  ];
  return writeNotes(db, log, chainId, bountyId, notes);
}

/** The bounty's name, DAO, status and token, for a note's words; undefined when not indexed. */
async function bountyFacts(db: Database, chainId: number, bountyId: string) {
  const [bounty] = await db
    .select({
      status: bounties.status,
      dao: bounties.dao,
      raised: bounties.raised,
      name: sql<string | null>`${specs.spec}->>'name'`,
      tokenSymbol: tokens.symbol,
      tokenDecimals: tokens.decimals,
    })
    .from(bounties)
    .leftJoin(specs, eq(specs.specHash, bounties.specHash))
    .leftJoin(tokens, and(eq(tokens.chainId, bounties.chainId), eq(tokens.token, bounties.token)))
    .where(and(eq(bounties.chainId, chainId), eq(bounties.bountyId, bountyId)));
  if (!bounty) return undefined;
  return { ...bounty, label: bounty.name ? `${bounty.name} (bounty #${bountyId})` : `Bounty #${bountyId}` };
}

/** `bounty-funded`: the DAO (training is queued) and every backer (what they backed is funded). */
export async function notifyBountyFunded(data: unknown, deps: NotifyDeps): Promise<NotifyResult> {
  const parsed = bountyFundedPayload.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`invalid bounty-funded payload: ${parsed.error.message}`);
  const { chainId, bountyId } = parsed.data;
  const log = deps.log.child({ chainId, bountyId });
  const bounty = await bountyFacts(deps.db, chainId, bountyId);
  if (!bounty || bounty.status === "Funding") {
    // Reorged away: the index no longer says it was funded.
    const skipped = bounty ? "the bounty is still Funding in the index" : "the bounty is not indexed";
    log.info({ skipped }, "funding not notified");
    return { written: 0, recipients: 0, skipped };
  }
  const raised = formatTokenAmount(bounty.raised, bounty);
  const notes: Note[] = [
    {
      account: bounty.dao,
      kind: "bounty-funded",
      message: `${bounty.label} reached its goal with ${raised} raised: it is queued for a GPU pool to train it.`,
    },
  ];
  const backed = await deps.db
    .select({ account: backers.account })
    .from(backers)
    .where(and(eq(backers.chainId, chainId), eq(backers.bountyId, bountyId), gt(backers.contributed, "0")));
  for (const { account } of backed) {
    notes.push({
      account,
      kind: "backed-funded",
      message: `${bounty.label}, which you backed, reached its goal with ${raised} raised: training is queued.`,
    });
  }
  return writeNotes(deps.db, log, chainId, bountyId, notes);
}

/** `submission-evaluated`: the trainer, with the score against the target, or why it was disqualified. */
export async function notifySubmissionEvaluated(data: unknown, deps: NotifyDeps): Promise<NotifyResult> {
  const parsed = submissionEvaluatedPayload.safeParse(data);
  if (!parsed.success) {
    throw new UnrecoverableError(`invalid submission-evaluated payload: ${parsed.error.message}`);
  }
  const { chainId, bountyId, submissionId } = parsed.data;
  const log = deps.log.child({ chainId, bountyId, submissionId });
  const [row] = await deps.db
    .select({
      trainer: submissions.trainer,
      verdict: submissions.verdict,
      score: submissions.score,
      copyOf: submissions.copyOf,
      target: bounties.targetScore,
      direction: bounties.direction,
      metric: sql<string | null>`${specs.spec}->'metric'->>'name'`,
      name: sql<string | null>`${specs.spec}->>'name'`,
    })
    .from(submissions)
    .innerJoin(
      bounties,
      and(eq(bounties.chainId, submissions.chainId), eq(bounties.bountyId, submissions.bountyId)),
    )
    .leftJoin(specs, eq(specs.specHash, bounties.specHash))
    .where(and(eq(submissions.chainId, chainId), eq(submissions.submissionId, submissionId)));
  if (!row || row.verdict === "Pending") {
    const skipped = row ? "the submission has no verdict in the index" : "the submission is not indexed";
    log.info({ skipped }, "verdict not notified");
    return { written: 0, recipients: 0, skipped };
  }
  const label = row.name ? `${row.name} (bounty #${bountyId})` : `Bounty #${bountyId}`;
  const note: Note =
    row.verdict === "Disqualified"
      ? {
          account: row.trainer,
          kind: "submission-disqualified",
          ref: submissionId,
          message: `Your submission #${submissionId} to ${label} was disqualified${row.copyOf ? ` as a copy of submission #${row.copyOf}` : ""}. Its report on the bounty page says why.`,
        }
      : {
          account: row.trainer,
          kind: "submission-scored",
          ref: submissionId,
          message: scoredMessage(submissionId, label, row),
        };
  return writeNotes(deps.db, log, chainId, bountyId, [note]);
}

function scoredMessage(
  submissionId: string,
  label: string,
  row: { score: string | null; target: string; direction: string; metric: string | null },
): string {
  if (row.score === null) return `Your submission #${submissionId} to ${label} was scored.`;
  const score = fromOnchainScore(BigInt(row.score));
  const target = fromOnchainScore(BigInt(row.target));
  const higher = row.direction === "HigherIsBetter";
  const meets = higher ? score >= target : score <= target;
  return `Your submission #${submissionId} to ${label} scored ${row.metric ?? "a score of"} ${formatScore(score)}: ${
    meets ? "it meets" : "it does not meet"
  } the target of ${higher ? "≥" : "≤"} ${formatScore(target)}. Anyone may dispute a verdict during its challenge window.`;
}

/**
 * A bounty's first lease (the dispatcher, as it leases): its DAO and backers learn that a pool started
 * training it. One statement; a later lease (a retry) writes nothing, each row being there already.
 */
export async function notifyFirstLease(
  db: Database,
  chainId: number,
  bountyId: string,
  poolName: string,
): Promise<void> {
  const label = sql`coalesce(${specs.spec}->>'name' || ' (bounty #' || ${bountyId}::text || ')', 'Bounty #' || ${bountyId}::text)`;
  await db.execute(sql`
    insert into ${notifications} (chain_id, account, bounty_id, kind, ref, message)
    select ${chainId}::int, b.dao, b.bounty_id, 'bounty-leased', '',
      ${label} || ' is training on the pool ' || ${poolName}::text || ': its progress is on the bounty page.'
    from ${bounties} b left join ${specs} on ${specs.specHash} = b.spec_hash
    where b.chain_id = ${chainId} and b.bounty_id = ${bountyId}
    union all
    select ${chainId}::int, k.account, k.bounty_id, 'backed-leased', '',
      ${label} || ', which you backed, is training on the pool ' || ${poolName}::text || '.'
    from ${backers} k
      join ${bounties} b on b.chain_id = k.chain_id and b.bounty_id = k.bounty_id
      left join ${specs} on ${specs.specHash} = b.spec_hash
    where k.chain_id = ${chainId} and k.bounty_id = ${bountyId} and k.contributed > 0
    on conflict (chain_id, bounty_id, account, kind, ref) do nothing`);
}

/** Notes per insert (6 parameters each, well under Postgres' 65,535). */
const NOTES_PER_STATEMENT = 1_000;

async function writeNotes(
  db: Database,
  log: Logger,
  chainId: number,
  bountyId: string,
  notes: Note[],
): Promise<NotifyResult> {
  if (notes.length === 0) return { written: 0, recipients: 0 };
  const rows = notes.map((note) => ({
    ...note,
    ref: note.ref ?? "",
    chainId,
    bountyId,
    account: getAddress(note.account),
  }));
  // In chunks: one statement may bind at most 65,535 parameters, and a popular bounty has more backers.
  let written = 0;
  await db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += NOTES_PER_STATEMENT) {
      const inserted = await tx
        .insert(notifications)
        .values(rows.slice(i, i + NOTES_PER_STATEMENT))
        .onConflictDoNothing({
          target: [
            notifications.chainId,
            notifications.bountyId,
            notifications.account,
            notifications.kind,
            notifications.ref,
          ],
        })
        .returning({ id: notifications.id });
      written += inserted.length;
    }
  });
  log.info({ recipients: rows.length, written }, "notified");
  return { written, recipients: rows.length };
}
