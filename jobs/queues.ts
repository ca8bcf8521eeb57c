/**
 * Queue names, job payload schemas and deterministic job ids: the one place for them. Producers (the
 * indexer, scripts) type their payloads with these schemas and handlers parse with them, so a payload is
 * checked the same way on both sides.
 */
import { createHash } from "node:crypto";
import { type ConnectionOptions, Queue, type QueueOptions } from "bullmq";
import { z } from "zod";
import { type Deployment, deploymentSchema } from "../server/chain.js";

export const QUEUE = {
  /** Projects deployment files (verified on-chain) into the database. */
  deployments: "deployments",
  /** A bounty reached its goal: lease it to a GPU pool (the dispatcher). */
  dispatch: "dispatch",
  /** A checkpoint was submitted: score it (the evaluator). */
  evaluate: "evaluate",
  /**
   * Something a bounty's people should know happened (funded, scored, disputed, finalized, unlocked, cancelled):
   * tell them (in-app notifications).
   */
  notify: "notify",
  /** A notification goes to its account's webhook, signed, retried with backoff (jobs/notifications/webhooks.ts). */
  webhooks: "webhooks",
  /** Repeating (a job scheduler): finalize the bounties that are due (jobs/keeper/). */
  keeper: "keeper",
} as const;

export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export const JOB = {
  syncDeployment: "sync-deployment",
  dispatchBounty: "dispatch-bounty",
  evaluateSubmission: "evaluate-submission",
  bountyFinalized: "bounty-finalized",
  disputeOpened: "dispute-opened",
  bountyFunded: "bounty-funded",
  submissionEvaluated: "submission-evaluated",
  deliverWebhook: "deliver-webhook",
  finalizeDue: "finalize-due",
} as const;

export const syncDeploymentPayload = deploymentSchema;

/**
 * Same deployment, same id: BullMQ ignores an add whose id already exists, so
 * re-announcing a deployment after a restart enqueues nothing twice.
 * (BullMQ ids may not contain ":".)
 */
export function syncDeploymentJobId(deployment: Deployment) {
  const digest = createHash("sha256").update(JSON.stringify(deployment.contracts)).digest("hex");
  return `${JOB.syncDeployment}-${deployment.chainId}-${digest.slice(0, 16)}`;
}

const decimalId = (what: string) => z.string().regex(/^\d+$/, `must be a decimal ${what} id`);
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 32-byte hex value");

/**
 * `dispatch-bounty` on the dispatch queue (jobs/dispatch/on-bounty-funded.ts): the indexer's BountyFunded
 * effect (with its transaction), or a spec's registration for the bounties that waited for it (without).
 */
export const dispatchBountyPayload = z.object({
  chainId: z.number().int().positive(),
  bountyId: decimalId("bounty"),
  txHash: bytes32.optional(),
});
export type DispatchBountyPayload = z.infer<typeof dispatchBountyPayload>;

/** `evaluate-submission` on the evaluate queue: the indexer's CheckpointRevealed effect (jobs/evaluation/on-submission.ts). */
export const evaluateSubmissionPayload = z.object({
  chainId: z.number().int().positive(),
  bountyId: decimalId("bounty"),
  submissionId: z.string().regex(/^[1-9]\d*$/, "must be a positive decimal submission id"),
  checkpointHash: bytes32,
  uri: z.string().max(2_048),
});
export type EvaluateSubmissionPayload = z.infer<typeof evaluateSubmissionPayload>;

/**
 * `bounty-finalized` on the notify queue, with the status the bounty moved to (jobs/indexer/decode.ts):
 * Verifying or Failed (BountyFinalized), Fulfilled (PayoutUnlocked), Cancelled (BountyCancelled).
 */
export const bountyFinalizedPayload = z.object({
  chainId: z.number().int().positive(),
  bountyId: decimalId("bounty"),
  status: z.enum(["Verifying", "Fulfilled", "Failed", "Cancelled"]),
});

/** `dispute-opened` on the notify queue: the indexer's DisputeOpened effect. */
export const disputeOpenedPayload = z.object({
  chainId: z.number().int().positive(),
  bountyId: decimalId("bounty"),
  disputeId: decimalId("dispute"),
});

/** `bounty-funded` on the notify queue: the indexer's BountyFunded effect. */
export const bountyFundedPayload = z.object({
  chainId: z.number().int().positive(),
  bountyId: decimalId("bounty"),
});

/** `submission-evaluated` on the notify queue: the indexer's EvaluationPublished / SubmissionDisqualified effect. */
export const submissionEvaluatedPayload = z.object({
  chainId: z.number().int().positive(),
  bountyId: decimalId("bounty"),
  submissionId: decimalId("submission"),
});

/** `deliver-webhook` on the webhooks queue: one notification to its account's webhook. */
export const deliverWebhookPayload = z.object({
  notificationId: z.number().int().positive(),
});

export type BountyFundedPayload = z.infer<typeof bountyFundedPayload>;
export type SubmissionEvaluatedPayload = z.infer<typeof submissionEvaluatedPayload>;
export type DeliverWebhookPayload = z.infer<typeof deliverWebhookPayload>;
export type BountyFinalizedPayload = z.infer<typeof bountyFinalizedPayload>;
export type DisputeOpenedPayload = z.infer<typeof disputeOpenedPayload>;

/** The keeper's one job scheduler: every worker process upserts the same id, so there is one schedule. */
export const KEEPER_SCHEDULER_ID = "finalize-due-bounties";

/** Defaults for every job: a bounded retry with backoff, and bounded history in Redis. */
export const defaultJobOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: { count: 1_000, age: 7 * 24 * 3600 },
  removeOnFail: { count: 5_000 },
} satisfies QueueOptions["defaultJobOptions"];

export function createQueue(name: QueueName, connection: ConnectionOptions, prefix: string): Queue {
  return new Queue(name, { connection, prefix, defaultJobOptions });
}
