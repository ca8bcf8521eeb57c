import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { amount, eventColumns } from "./columns.js";

/**
 * A bounty: every on-chain field from BountyCreated, plus what later events changed (status, raised,
 * backers, best submission), recomputed from the event tables after each batch and each rollback.
 */
export const bounties = pgTable(
  "bounties",
  {
    chainId: integer("chain_id").notNull(),
    bountyId: amount("bounty_id").notNull(),
    dao: text("dao").notNull(),
    token: text("token").notNull(),
    goal: amount("goal").notNull(),
    // uint64 on-chain: numeric, since a DAO may pick a deadline past bigint's (and JavaScript's) range.
    fundingDeadline: amount("funding_deadline").notNull(),
    deliveryDeadline: amount("delivery_deadline").notNull(),
    specHash: text("spec_hash").notNull(),
    evalSetCommitment: text("eval_set_commitment").notNull(),
    metricId: text("metric_id").notNull(),
    targetScore: amount("target_score").notNull(),
    direction: text("direction").notNull(),
    bond: amount("bond").notNull(),
    challengeWindow: integer("challenge_window").notNull(),
    /** Resolves the bounty's disputes (never an evaluator). */
    arbiter: text("arbiter").notNull(),
    /** What a disputer posts. */
    disputeBond: amount("dispute_bond").notNull(),
    /** Seconds a commit has to be revealed, and the DAO, after finalization, to reveal the eval set. */
    revealPeriod: integer("reveal_period").notNull(),
    /** Seconds the evaluator has to publish a verdict after a reveal. */
    evaluationPeriod: integer("evaluation_period").notNull(),
    /** Seconds after the eval set's reveal during which anyone may re-check and dispute before the payout unlocks. */
    verificationPeriod: integer("verification_period").notNull(),
    /** Whether funding goes on past the goal until the funding deadline. */
    allowOverfunding: boolean("allow_overfunding").notNull(),
    feeBps: integer("fee_bps").notNull(),
    /** Funding, Funded, Verifying, Fulfilled, Failed or Cancelled (BOUNTY_STATUS). */
    status: text("status").notNull(),
    raised: amount("raised").notNull(),
    backerCount: integer("backer_count").notNull(),
    bestSubmissionId: amount("best_submission_id"),
    bestScore: amount("best_score"),
    /**
     * How far the best qualifying score beats the target, as a share of the way from the target to the
     * metric's ideal value (1 for accuracy, 0 for mse, 1 for perplexity...): 0 just meets the target, 1 is
     * ideal. Scores of different metrics are not comparable, this share is; the best-score board and the
     * list's score order rank by it. Null without a best score, or for a metric with no known ideal value
     * (see `bestMarginSql` in jobs/indexer/store.ts, which derives it from core/spec.ts' METRICS).
     */
    bestMargin: doublePrecision("best_margin"),
    /** Block time of the first BountyFinalized (the board's `finalizedAt`); null until then. */
    finalizedAt: amount("finalized_at"),
    /** The eval set's on-chain reveal (EvalSetRevealed): when, its sha256, salt and URI. */
    evalSetRevealedAt: amount("eval_set_revealed_at"),
    evalSetSha256: text("eval_set_sha256"),
    evalSetSalt: text("eval_set_salt"),
    evalSetUri: text("eval_set_uri"),
    /**
     * When a finalized bounty's payout unlocks, disputes aside: the eval set's reveal + verification period,
     * or finalization + reveal period without a reveal in time (the board's `unlockAt`). Null before.
     */
    unlockAt: amount("unlock_at"),
    /** Disputes of the bounty's submissions the arbiter has not ruled on (they block finalize and unlock). */
    openDisputes: integer("open_disputes").notNull().default(0),
    /** From PayoutUnlocked: the winner's payout and the platform fee; null before the unlock. */
    payout: amount("payout"),
    fee: amount("fee"),
    createdBlock: bigint("created_block", { mode: "number" }).notNull(),
    createdTx: text("created_tx").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.bountyId] }),
    // The leaderboards' and the list's orders, ties broken by id, so a page is read off the index.
    index("bounties_backers_idx").on(
      t.chainId,
      t.backerCount.desc().nullsFirst(),
      t.raised.desc().nullsFirst(),
      t.bountyId,
    ),
    index("bounties_status_idx").on(
      t.chainId,
      t.status,
      t.createdBlock.desc().nullsFirst(),
      t.bountyId.desc().nullsFirst(),
    ),
    // Funding order (normalized across tokens): the top of each token by raised, merged by value (see
    // fundedPage in app/models/bounty.server.ts); and the token filter.
    index("bounties_token_raised_idx").on(t.chainId, t.token, t.raised.desc().nullsFirst(), t.bountyId),
    // The best-score board and the list's score order.
    index("bounties_best_margin_idx").on(t.chainId, t.bestMargin.desc().nullsLast(), t.bountyId),
    index("bounties_dao_idx").on(t.chainId, t.dao),
    // The bounties an account arbitrates (its desk's disputes to rule on).
    index("bounties_arbiter_idx").on(t.chainId, t.arbiter),
  ],
);

/**
 * One row per contribution: a share mint (`Transfer` from the zero address; shares are minted 1:1 with
 * what the board received). `raisedAfter` is the running total, recomputed with the bounty's aggregates.
 */
export const contributions = pgTable(
  "contributions",
  {
    ...eventColumns(),
    bountyId: amount("bounty_id").notNull(),
    backer: text("backer").notNull(),
    amount: amount("amount").notNull(),
    raisedAfter: amount("raised_after"),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.txHash, t.logIndex] }),
    index("contributions_bounty_idx").on(t.chainId, t.bountyId),
    index("contributions_block_idx").on(t.chainId, t.blockNumber),
  ],
);

/** One row per ERC-6909 share Transfer (mint, burn or move). */
export const shareTransfers = pgTable(
  "share_transfers",
  {
    ...eventColumns(),
    bountyId: amount("bounty_id").notNull(),
    from: text("from_account").notNull(),
    to: text("to_account").notNull(),
    amount: amount("amount").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.txHash, t.logIndex] }),
    index("share_transfers_bounty_idx").on(t.chainId, t.bountyId),
    index("share_transfers_block_idx").on(t.chainId, t.blockNumber),
  ],
);

/** A backer of a bounty: what they contributed, were refunded, and the shares they hold now. */
export const backers = pgTable(
  "backers",
  {
    chainId: integer("chain_id").notNull(),
    bountyId: amount("bounty_id").notNull(),
    account: text("account").notNull(),
    contributed: amount("contributed").notNull(),
    refunded: amount("refunded").notNull(),
    shares: amount("shares").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.bountyId, t.account] }),
    index("backers_account_idx").on(t.chainId, t.account),
  ],
);

/** A trainer's claim; `bondState` follows BondReturned / BondForfeited. */
export const claims = pgTable(
  "claims",
  {
    ...eventColumns(),
    bountyId: amount("bounty_id").notNull(),
    trainer: text("trainer").notNull(),
    bond: amount("bond").notNull(),
    bondState: text("bond_state").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.bountyId, t.trainer] }),
    index("claims_block_idx").on(t.chainId, t.blockNumber),
  ],
);

/**
 * A submission: created by its commit (CheckpointCommitted; the event columns are the commit's, and ids
 * follow commit order, which decides ties and copies), filled in by its reveal (CheckpointRevealed:
 * checkpoint hash, URI, time and transaction, null until then) and its latest verdict. Reveal and verdict
 * fields are recomputed from the event rows, so a rolled-back reveal or verdict leaves no trace.
 * `verdict` is the board's: Pending (committed, or revealed and awaiting evaluation), Scored or
 * Disqualified; "unrevealed" and "unevaluated" follow from the bounty's periods and the chain's time.
 */
export const submissions = pgTable(
  "submissions",
  {
    ...eventColumns(),
    submissionId: amount("submission_id").notNull(),
    bountyId: amount("bounty_id").notNull(),
    trainer: text("trainer").notNull(),
    /** keccak256(abi.encode(checkpointHash, trainer, salt)). */
    commitment: text("commitment").notNull(),
    /** Block time of the commit. */
    committedAt: amount("committed_at").notNull(),
    checkpointHash: text("checkpoint_hash"),
    uri: text("uri"),
    revealedAt: amount("revealed_at"),
    revealTx: text("reveal_tx"),
    revealBlock: bigint("reveal_block", { mode: "number" }),
    verdict: text("verdict").notNull(),
    score: amount("score"),
    reportHash: text("report_hash"),
    /** The earlier submission this one copies (a disqualified copy); null otherwise. */
    copyOf: amount("copy_of"),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.submissionId] }),
    index("submissions_bounty_score_idx").on(t.chainId, t.bountyId, t.score.desc()),
    index("submissions_block_idx").on(t.chainId, t.blockNumber),
    index("submissions_checkpoint_idx").on(t.chainId, t.checkpointHash),
  ],
);

/**
 * A dispute of a submission's verdict (DisputeOpened; the event columns are the opening's). Its outcome,
 * the arbiter's score and report, the reward and whether its money was withdrawn are recomputed from
 * DisputeResolved / DisputeBondWithdrawn rows. `outcome`: Open, Rejected, Upheld (disqualified),
 * Corrected (new score) or Expired (dismissed past its deadline), as DISPUTE_OUTCOME names them.
 */
export const disputes = pgTable(
  "disputes",
  {
    ...eventColumns(),
    disputeId: amount("dispute_id").notNull(),
    bountyId: amount("bounty_id").notNull(),
    submissionId: amount("submission_id").notNull(),
    disputer: text("disputer").notNull(),
    bond: amount("bond").notNull(),
    reasonHash: text("reason_hash").notNull(),
    /** Block time of the opening. */
    openedAt: amount("opened_at").notNull(),
    /** The arbiter rules before this time; after it, anyone may expire the dispute (dismissed). */
    deadline: amount("deadline").notNull(),
    outcome: text("outcome").notNull(),
    score: amount("score"),
    reportHash: text("report_hash"),
    /** Paid to the disputer out of the trainer's bond when upheld with a disqualification. */
    reward: amount("reward").notNull(),
    resolveTx: text("resolve_tx"),
    resolvedAt: amount("resolved_at"),
    /** Whether the dispute's money (bond and reward) was withdrawn, by whom and to whom. */
    withdrawn: boolean("withdrawn").notNull(),
    withdrawTx: text("withdraw_tx"),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.disputeId] }),
    index("disputes_bounty_idx").on(t.chainId, t.bountyId),
    index("disputes_submission_idx").on(t.chainId, t.submissionId),
    index("disputes_block_idx").on(t.chainId, t.blockNumber),
    index("disputes_open_idx").on(t.chainId, t.outcome, t.deadline),
  ],
);

/** One row per EvaluationPublished or SubmissionDisqualified. */
export const evaluations = pgTable(
  "evaluations",
  {
    ...eventColumns(),
    submissionId: amount("submission_id").notNull(),
    bountyId: amount("bounty_id").notNull(),
    verdict: text("verdict").notNull(),
    score: amount("score"),
    reportHash: text("report_hash").notNull(),
    qualifies: boolean("qualifies").notNull(),
    best: boolean("best").notNull(),
    /** A disqualified copy: the earlier submission it copies (null for other reasons and for scores). */
    copyOf: amount("copy_of"),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.txHash, t.logIndex] }),
    index("evaluations_bounty_idx").on(t.chainId, t.bountyId),
    index("evaluations_submission_idx").on(t.chainId, t.submissionId),
    index("evaluations_block_idx").on(t.chainId, t.blockNumber),
  ],
);

/**
 * Money moved by the board, one row per event: `payout` (PayoutWithdrawn), `refund` (Refunded),
 * `revenue_deposit` (RevenueDeposited, also a forfeited bond shared out), `revenue_claim`
 * (RevenueClaimed), `bond_return` (BondReturned), `dispute_bond` (DisputeBondWithdrawn). `account` is
 * whose money it is; `recipient` where a withdrawal sent it (null for deposits).
 */
export const payments = pgTable(
  "payments",
  {
    ...eventColumns(),
    kind: text("kind").notNull(),
    bountyId: amount("bounty_id").notNull(),
    account: text("account").notNull(),
    amount: amount("amount").notNull(),
    recipient: text("recipient"),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.txHash, t.logIndex] }),
    index("payments_bounty_idx").on(t.chainId, t.bountyId, t.kind),
    index("payments_block_idx").on(t.chainId, t.blockNumber),
    // An account's payouts, refunds and claims, whatever the case of the address asked for.
    index("payments_account_idx").on(t.chainId, sql`lower(${t.account})`),
  ],
);

/** Current role holders (DAOs, evaluators, admins), from RoleGranted / RoleRevoked. */
export const roles = pgTable(
  "roles",
  {
    chainId: integer("chain_id").notNull(),
    role: text("role").notNull(),
    account: text("account").notNull(),
    granted: boolean("granted").notNull(),
    blockNumber: bigint("block_number", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.role, t.account] })],
);

/**
 * Every token the board has seen (allowlisted, or funding a bounty): its allowlist state, rebuilt from
 * TokenAllowlistUpdated events like every aggregate, and its ERC-20 metadata, read from the token contract
 * by the indexer the first time it sees the token (jobs/indexer/tokens.ts) in the batch's transaction.
 */
export const tokens = pgTable(
  "tokens",
  {
    chainId: integer("chain_id").notNull(),
    /** The token's address, checksummed as the board's events give it. */
    token: text("token").notNull(),
    /** Whether new bounties may use it (false for a token no allowlist event names). */
    allowed: boolean("allowed").notNull().default(false),
    /** The block of its latest TokenAllowlistUpdated; null when only a bounty names it. */
    blockNumber: bigint("block_number", { mode: "number" }),
    /** `symbol()`, or the short address when it reverts or answers nothing readable. */
    symbol: text("symbol"),
    /** `name()`, or the address when it reverts or answers nothing readable. */
    name: text("name"),
    /** `decimals()`; 18 when it reverts (see readTokenMetadata). */
    decimals: integer("decimals"),
    /** When the metadata was read; null until then (symbol, name and decimals are null too). */
    indexedAt: timestamp("indexed_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.token] })],
);

export type TokenRow = typeof tokens.$inferSelect;
