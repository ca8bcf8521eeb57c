/**
 * Board logs -> database rows. Pure: the same logs always give the same rows,
 * which is what makes replays and restarts write nothing new.
 */
import { decodeEventLog, type Log, type parseEventLogs, toEventSelector } from "viem";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { BOUNTY_STATUS, SCORE_DIRECTION } from "../../core/board.js";
import type {
  boardEvents,
  bounties,
  claims,
  contributions,
  disputes,
  effectsOutbox,
  evaluations,
  payments,
  shareTransfers,
  submissions,
} from "../../db/schema/index.js";
import {
  type BountyFinalizedPayload,
  type BountyFundedPayload,
  type DispatchBountyPayload,
  type DisputeOpenedPayload,
  type EvaluateSubmissionPayload,
  JOB,
  QUEUE,
  type SubmissionEvaluatedPayload,
} from "../queues.js";

type Insert<T extends { $inferInsert: unknown }> = T["$inferInsert"];

export interface Batch {
  boardEvents: Insert<typeof boardEvents>[];
  bounties: Insert<typeof bounties>[];
  contributions: Insert<typeof contributions>[];
  shareTransfers: Insert<typeof shareTransfers>[];
  claims: Insert<typeof claims>[];
  submissions: Insert<typeof submissions>[];
  disputes: Insert<typeof disputes>[];
  evaluations: Insert<typeof evaluations>[];
  payments: Insert<typeof payments>[];
  effects: Insert<typeof effectsOutbox>[];
  /**
   * DisputeBondWithdrawn rows, whose event names the dispute but not its bounty: the store fills in the
   * bounty (from the batch's or the index's DisputeOpened) on the board event and the payment, and
   * touches it.
   */
  disputeWithdrawals: { disputeId: string; boardEvent: number; payment: number }[];
  /** Bounty ids whose aggregates must be recomputed. */
  touchedBounties: Set<string>;
  /** Whether roles or the token allowlist changed. */
  touchedConfig: boolean;
  /** Tokens the batch names (allowlist changes, new bounties): their metadata is read if not yet stored. */
  tokens: Set<string>;
}

/**
 * A follow-up job's id: the effect plus the identity of the event that decided it (chain, tx hash, log
 * index). Replays add the same id (a no-op in BullMQ); an event on a new fork, even for a bounty or
 * submission id the orphaned fork also used, gets a new one.
 */
export function effectId(kind: string, where: { chainId: number; txHash: string; logIndex: number }): string {
  return `${kind}-${where.chainId}-${where.txHash}-${where.logIndex}`;
}

export function emptyBatch(): Batch {
  return {
    boardEvents: [],
    bounties: [],
    contributions: [],
    shareTransfers: [],
    claims: [],
    submissions: [],
    disputes: [],
    evaluations: [],
    payments: [],
    effects: [],
    disputeWithdrawals: [],
    touchedBounties: new Set(),
    touchedConfig: false,
    tokens: new Set(),
  };
}

/**
 * A string from the chain, made storable: Postgres text and jsonb refuse NUL (U+0000), which anyone can put
 * in a checkpoint URI. NUL becomes U+FFFD; everything else is kept.
 */
function text(value: string): string {
  return value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value;
}

/** JSON-safe copy of decoded args: bigints as decimal strings (one pass, no JSON round trip). */
function jsonArgs(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return text(value);
  if (Array.isArray(value)) return value.map(jsonArgs);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = jsonArgs(inner);
    return out;
  }
  return value;
}

/** The board's events by topic0, computed once (parseEventLogs would search the ABI for every log). */
const EVENTS_BY_TOPIC = new Map(
  bountyBoardAbi
    .filter(
      (item): item is Extract<(typeof bountyBoardAbi)[number], { type: "event" }> => item.type === "event",
    )
    .map((item) => [toEventSelector(item), [item]] as const),
);

/**
 * Events whose time the board keeps (a commit's, a finalization's, a dispute's opening and ruling, the eval
 * set's reveal) but does not emit: the indexer reads their blocks' timestamps and passes them to
 * {@link decodeLogs}, which stores them as the event row's `blockTime`.
 */
export const TIMED_EVENTS = [
  "CheckpointCommitted",
  "BountyFinalized",
  "DisputeOpened",
  "DisputeResolved",
  "EvalSetRevealed",
  "PayoutUnlocked",
] as const;

/**
 * The blocks of `logs` holding a board event: every event row carries its block's time (a chart's x axis,
 * the history's dates), whatever range it was indexed in, so an index never depends on how its ranges fell.
 * Those of {@link TIMED_EVENTS} are required.
 */
export function blocksNeedingTime(logs: Log[]): number[] {
  const blocks = new Set<number>();
  for (const log of logs) {
    if (log.blockNumber !== null && log.topics[0] && EVENTS_BY_TOPIC.has(log.topics[0])) {
      blocks.add(Number(log.blockNumber));
    }
  }
  return [...blocks];
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** Decodes the board's logs; logs of other contracts or unknown topics are skipped. */
function decodeBoardLogs(logs: Log[]) {
  const decoded: ReturnType<typeof parseEventLogs<typeof bountyBoardAbi>> = [];
  for (const log of logs) {
    const abi = log.topics[0] ? EVENTS_BY_TOPIC.get(log.topics[0]) : undefined;
    if (!abi) continue;
    const event = decodeEventLog({ abi, data: log.data, topics: log.topics, strict: true });
    decoded.push({ ...log, ...event } as (typeof decoded)[number]);
  }
  return decoded;
}

/** A verdict's notify job (`submission-evaluated`): its trainer hears of the score or the disqualification. */
function evaluatedEffect(
  where: { chainId: number; txHash: string; logIndex: number; blockNumber: number },
  bountyId: string,
  submissionId: string,
): Batch["effects"][number] {
  return {
    chainId: where.chainId,
    jobId: effectId("evaluated", where),
    queue: QUEUE.notify,
    name: JOB.submissionEvaluated,
    payload: { chainId: where.chainId, bountyId, submissionId } satisfies SubmissionEvaluatedPayload,
    blockNumber: where.blockNumber,
  };
}

/**
 * Decodes a range's logs into rows. `blockTimes` holds the timestamps of the blocks
 * {@link blocksNeedingTime} named; an event of {@link TIMED_EVENTS} in a block without one throws.
 */
export function decodeLogs(
  chainId: number,
  logs: Log[],
  blockTimes: ReadonlyMap<number, bigint> = new Map(),
): Batch {
  const batch = emptyBatch();
  for (const log of decodeBoardLogs(logs)) {
    if (log.transactionHash === null || log.logIndex === null || log.blockNumber === null || !log.blockHash) {
      continue; // pending logs never reach the indexer (it reads mined ranges only)
    }
    const where = {
      chainId,
      txHash: log.transactionHash,
      logIndex: log.logIndex,
      blockNumber: Number(log.blockNumber),
      blockHash: log.blockHash,
    };
    const args = log.args as Record<string, unknown>;
    const bountyId =
      "bountyId" in args ? String(args.bountyId) : log.eventName === "Transfer" ? String(args.id) : undefined;
    const timed = (TIMED_EVENTS as readonly string[]).includes(log.eventName);
    // Every event gets its block's time (blocksNeedingTime names every block with one); only the timed
    // events require it.
    const time = blockTimes.get(where.blockNumber);
    if (timed && time === undefined) {
      throw new Error(`no timestamp for block ${where.blockNumber} (${log.eventName} needs it)`);
    }
    const blockTime = time === undefined ? null : String(time);
    batch.boardEvents.push({
      ...where,
      eventName: log.eventName,
      bountyId: bountyId ?? null,
      args: jsonArgs(args),
      blockTime,
    });
    if (bountyId) batch.touchedBounties.add(bountyId);

    switch (log.eventName) {
      case "BountyCreated": {
        const p = log.args.params;
        batch.bounties.push({
          chainId,
          bountyId: String(log.args.bountyId),
          dao: log.args.dao,
          token: log.args.token,
          goal: String(p.goal),
          fundingDeadline: String(p.fundingDeadline),
          deliveryDeadline: String(p.deliveryDeadline),
          specHash: p.specHash,
          evalSetCommitment: p.evalSetCommitment,
          metricId: p.metricId,
          targetScore: String(p.targetScore),
          direction: SCORE_DIRECTION[p.direction] ?? String(p.direction),
          bond: String(p.bond),
          challengeWindow: p.challengeWindow,
          arbiter: p.arbiter,
          disputeBond: String(p.disputeBond),
          revealPeriod: p.revealPeriod,
          evaluationPeriod: p.evaluationPeriod,
          verificationPeriod: p.verificationPeriod,
          allowOverfunding: p.allowOverfunding,
          openDisputes: 0,
          feeBps: log.args.feeBps,
          status: "Funding",
          raised: "0",
          backerCount: 0,
          createdBlock: where.blockNumber,
          createdTx: where.txHash,
        });
        batch.tokens.add(log.args.token);
        break;
      }
      case "Transfer":
        batch.shareTransfers.push({
          ...where,
          bountyId: String(log.args.id),
          from: log.args.sender,
          to: log.args.receiver,
          amount: String(log.args.amount),
        });
        // A contribution is a share mint: shares are minted 1:1 with what the board received.
        if (log.args.sender === ZERO_ADDRESS) {
          batch.contributions.push({
            ...where,
            bountyId: String(log.args.id),
            backer: log.args.receiver,
            amount: String(log.args.amount),
          });
        }
        break;
      case "BountyFunded":
        batch.effects.push({
          chainId,
          jobId: effectId("dispatch", where),
          queue: QUEUE.dispatch,
          name: JOB.dispatchBounty,
          payload: {
            chainId,
            bountyId: String(log.args.bountyId),
            txHash: where.txHash,
          } satisfies DispatchBountyPayload,
          blockNumber: where.blockNumber,
        });
        batch.effects.push({
          chainId,
          jobId: effectId("funded", where),
          queue: QUEUE.notify,
          name: JOB.bountyFunded,
          payload: { chainId, bountyId: String(log.args.bountyId) } satisfies BountyFundedPayload,
          blockNumber: where.blockNumber,
        });
        break;
      case "BountyClaimed":
        batch.claims.push({
          ...where,
          bountyId: String(log.args.bountyId),
          trainer: log.args.trainer,
          bond: String(log.args.bond),
          bondState: "Posted",
        });
        break;
      case "CheckpointCommitted":
        batch.submissions.push({
          ...where,
          submissionId: String(log.args.submissionId),
          bountyId: String(log.args.bountyId),
          trainer: log.args.trainer,
          commitment: log.args.commitment,
          committedAt: blockTime as string,
          verdict: "Pending",
        });
        break;
      case "CheckpointRevealed":
        // The submission's reveal fields are recomputed from this event row (store.ts); the checkpoint is
        // now public, so it is evaluated.
        batch.effects.push({
          chainId,
          jobId: effectId("evaluate", where),
          queue: QUEUE.evaluate,
          name: JOB.evaluateSubmission,
          payload: {
            chainId,
            bountyId: String(log.args.bountyId),
            submissionId: String(log.args.submissionId),
            checkpointHash: log.args.checkpointHash,
            uri: text(log.args.uri),
          } satisfies EvaluateSubmissionPayload,
          blockNumber: where.blockNumber,
        });
        break;
      case "EvaluationPublished":
        batch.evaluations.push({
          ...where,
          submissionId: String(log.args.submissionId),
          bountyId: String(log.args.bountyId),
          verdict: "Scored",
          score: String(log.args.score),
          reportHash: log.args.reportHash,
          qualifies: log.args.qualifies,
          best: log.args.best,
        });
        batch.effects.push(evaluatedEffect(where, String(log.args.bountyId), String(log.args.submissionId)));
        break;
      case "SubmissionDisqualified":
        batch.evaluations.push({
          ...where,
          submissionId: String(log.args.submissionId),
          bountyId: String(log.args.bountyId),
          verdict: "Disqualified",
          score: null,
          reportHash: log.args.reportHash,
          qualifies: false,
          best: false,
          copyOf: log.args.copyOf === 0n ? null : String(log.args.copyOf),
        });
        batch.effects.push(evaluatedEffect(where, String(log.args.bountyId), String(log.args.submissionId)));
        break;
      case "DisputeOpened":
        batch.disputes.push({
          ...where,
          disputeId: String(log.args.disputeId),
          bountyId: String(log.args.bountyId),
          submissionId: String(log.args.submissionId),
          disputer: log.args.disputer,
          bond: String(log.args.bond),
          reasonHash: log.args.reasonHash,
          openedAt: blockTime as string,
          deadline: String(log.args.deadline),
          outcome: "Open",
          reward: "0",
          withdrawn: false,
        });
        batch.effects.push({
          chainId,
          jobId: effectId("disputed", where),
          queue: QUEUE.notify,
          name: JOB.disputeOpened,
          payload: {
            chainId,
            bountyId: String(log.args.bountyId),
            disputeId: String(log.args.disputeId),
          } satisfies DisputeOpenedPayload,
          blockNumber: where.blockNumber,
        });
        break;
      case "DisputeBondWithdrawn":
        batch.disputeWithdrawals.push({
          disputeId: String(log.args.disputeId),
          boardEvent: batch.boardEvents.length - 1,
          payment: batch.payments.length,
        });
        batch.payments.push({
          ...where,
          kind: "dispute_bond",
          bountyId: "0", // filled in by the store from the dispute
          account: log.args.account,
          amount: String(log.args.amount),
          recipient: log.args.to,
        });
        break;
      case "BondReturned":
        batch.payments.push({
          ...where,
          kind: "bond_return",
          bountyId: String(log.args.bountyId),
          account: log.args.trainer,
          amount: String(log.args.amount),
          recipient: log.args.to,
        });
        break;
      case "PayoutUnlocked":
        batch.effects.push({
          chainId,
          jobId: effectId("unlocked", where),
          queue: QUEUE.notify,
          name: JOB.bountyFinalized,
          payload: {
            chainId,
            bountyId: String(log.args.bountyId),
            status: "Fulfilled",
          } satisfies BountyFinalizedPayload,
          blockNumber: where.blockNumber,
        });
        break;
      case "BountyCancelled":
        // A cancellation ends a bounty as finalization does: its backers are told their refunds wait.
        batch.effects.push({
          chainId,
          jobId: effectId("cancelled", where),
          queue: QUEUE.notify,
          name: JOB.bountyFinalized,
          payload: {
            chainId,
            bountyId: String(log.args.bountyId),
            status: "Cancelled",
          } satisfies BountyFinalizedPayload,
          blockNumber: where.blockNumber,
        });
        break;
      case "BountyFinalized":
        batch.effects.push({
          chainId,
          jobId: effectId("finalized", where),
          queue: QUEUE.notify,
          name: JOB.bountyFinalized,
          payload: {
            chainId,
            bountyId: String(log.args.bountyId),
            // Verifying or Failed from a sound board; anything else fails the notify job's schema, loudly.
            status: BOUNTY_STATUS[log.args.status] ?? String(log.args.status),
          },
          blockNumber: where.blockNumber,
        });
        break;
      case "PayoutWithdrawn":
        batch.payments.push({
          ...where,
          kind: "payout",
          bountyId: String(log.args.bountyId),
          account: log.args.winner,
          amount: String(log.args.amount),
          recipient: log.args.to,
        });
        break;
      case "Refunded":
        batch.payments.push({
          ...where,
          kind: "refund",
          bountyId: String(log.args.bountyId),
          account: log.args.backer,
          amount: String(log.args.amount),
          recipient: log.args.to,
        });
        break;
      case "RevenueDeposited":
        batch.payments.push({
          ...where,
          kind: "revenue_deposit",
          bountyId: String(log.args.bountyId),
          account: log.args.from,
          amount: String(log.args.amount),
        });
        break;
      case "RevenueClaimed":
        batch.payments.push({
          ...where,
          kind: "revenue_claim",
          bountyId: String(log.args.bountyId),
          account: log.args.account,
          amount: String(log.args.amount),
          recipient: log.args.to,
        });
        break;
      case "TokenAllowlistUpdated":
        batch.tokens.add(log.args.token);
        batch.touchedConfig = true;
        break;
      case "RoleGranted":
      case "RoleRevoked":
        batch.touchedConfig = true;
        break;
      default:
        // Recorded in board_events only (fees, forfeits, best changes, the eval set's reveal, limits, metrics,
        // pauses): read through the aggregates.
        break;
    }
  }
  return batch;
}
