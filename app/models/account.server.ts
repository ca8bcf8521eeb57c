/**
 * One account's desk, from the index: its positions in bounties (shares, what they stand for, refunds and
 * revenue it can collect), the payouts it won, its claims and bonds (the trainer dashboard's, reused), the
 * roles it holds, the bounties it proposed (a DAO's desk: reveal state, revenue, disputes) or arbitrates, and
 * its on-chain history with every transaction. Amounts come with their token's symbol and decimals.
 *
 * Everything is read from the index (as of the indexer's cursor, which the page shows): claimable revenue
 * too, computed exactly as the board computes it (see `revenueEntitlement`), so the page needs no RPC.
 */
import { and, asc, desc, eq, inArray, isNotNull, or, type SQL, sql } from "drizzle-orm";
import { getAddress, keccak256, toBytes, zeroAddress } from "viem";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { BOARD_ROLES } from "../../core/board.js";
import { DISPUTE_OUTCOME } from "../../core/board-enums.js";
import { formatAmount, formatTokenAmount, shortHex, type TokenDisplay } from "../../core/format.js";
import type { Database } from "../../db/client.js";
import {
  backers,
  boardEvents,
  bounties,
  disputes,
  indexerState,
  payments,
  roles,
  shareTransfers,
  specs,
  submissions,
  tokens,
} from "../../db/schema/index.js";
import { trainerDashboard } from "./trainer.server.js";
import { eventsWithTokens } from "./transaction.server.js";

/**
 * The fixed-point scale of the board's revenue per share (`BountyLogic.REVENUE_PRECISION`, internal to the
 * contract; `revenuePerShare(bountyId)` and the RevenueDeposited event are "scaled by 1e27").
 */
export const REVENUE_PRECISION = 10n ** 27n;
/** How many positions, proposals and arbitrated bounties a desk lists (the newest first). */
export const DESK_CAP = 200;
/** History rows per page. */
export const HISTORY_PAGE = 25;

/** An account's forms as stored: the indexer keeps addresses checksummed; older rows may be lower case. */
const forms = (address: string) => [getAddress(address), address.toLowerCase()];
/** A bounty's token row, joined for its symbol and decimals. */
const tokenOf = and(eq(tokens.chainId, bounties.chainId), eq(tokens.token, bounties.token));
const nameOf = sql<string | null>`${specs.spec}->>'name'`;

/* ------------------------------------------------------------------------ */
/* Revenue: the board's arithmetic, replayed from the index                 */
/* ------------------------------------------------------------------------ */

/** What changed an account's revenue entitlement in one bounty, in chain order. */
export type RevenueStep =
  /** Shares moved to (+) or from (−) the account (mint, burn or transfer). */
  | { kind: "shares"; delta: bigint }
  /**
   * A RevenueDeposited: what was shared out and the bounty's cumulative revenue per share after it.
   * `supplyBefore` is the share supply just before, needed only when the per-share figure did not move
   * (the board then credits the whole amount to the DAO if nobody holds shares).
   */
  | { kind: "deposit"; amount: bigint; perShare: bigint; supplyBefore?: bigint };

/**
 * Everything `account` was ever entitled to from a bounty's revenue (and forfeited bonds), in
 * REVENUE_PRECISION units: the board's exact arithmetic. On-chain, before any share moves and at each claim,
 * `_settle` adds balance × (perShare − perShare at the last settlement) to what is owed; summed over the
 * account's history that is Σ over deposits of (balance held at the deposit) × (the deposit's rise in
 * revenue per share), all integers, so nothing rounds until a claim. A deposit into a bounty whose shares
 * were all refunded goes whole to its DAO (`isDao`).
 */
export function revenueEntitlement(steps: readonly RevenueStep[], isDao: boolean): bigint {
  let balance = 0n;
  let perShare = 0n;
  let entitled = 0n;
  for (const step of steps) {
    if (step.kind === "shares") {
      balance += step.delta;
      continue;
    }
    if (step.perShare > perShare) {
      entitled += balance * (step.perShare - perShare);
      perShare = step.perShare;
    } else if (isDao && step.supplyBefore === 0n) {
      entitled += step.amount * REVENUE_PRECISION;
    }
  }
  return entitled;
}

/**
 * What `claimRevenue` would pay now: the entitlement less what was claimed, in whole base units (the board
 * keeps the remainder below one unit owed, so claims never round against the holder twice).
 */
export function claimableFrom(entitled: bigint, claimed: bigint): bigint {
  const owed = entitled - claimed * REVENUE_PRECISION;
  return owed > 0n ? owed / REVENUE_PRECISION : 0n;
}

/* ------------------------------------------------------------------------ */
/* Words for what the board records                                          */
/* ------------------------------------------------------------------------ */

/** Role ids in words. PAUSER_ROLE is not in core/board.ts' BOARD_ROLES, so its id is derived here. */
const ROLE_NAMES = new Map<string, string>([
  [BOARD_ROLES.DAO_ROLE, "DAO: may propose bounties"],
  [BOARD_ROLES.EVALUATOR_ROLE, "Evaluator: publishes scores"],
  [BOARD_ROLES.DEFAULT_ADMIN_ROLE, "Board admin"],
  [keccak256(toBytes("PAUSER_ROLE")), "Pauser: may pause funding and claims"],
]);
export const roleName = (role: string) => ROLE_NAMES.get(role.toLowerCase()) ?? `Role ${shortHex(role)}`;

/** The kinds of money the board moves (payments.kind), in words. */
export const PAYMENT_KIND: Record<string, string> = {
  payout: "Payout",
  refund: "Refund",
  revenue_deposit: "Revenue deposit",
  revenue_claim: "Revenue claim",
  bond_return: "Bond returned",
  dispute_bond: "Dispute bond withdrawn",
};

/** Event argument names that hold an account (from the board's ABI; a token address is not an account). */
const ACCOUNT_KEYS = [
  ...new Set(
    bountyBoardAbi.flatMap((item) =>
      item.type === "event"
        ? item.inputs.filter((i) => i.type === "address" && i.name !== "token").map((i) => i.name as string)
        : [],
    ),
  ),
];

/** "PayoutUnlocked" -> "Payout unlocked". */
const words = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/ ([A-Z])(?=[a-z])/g, (_, c: string) => ` ${c.toLowerCase()}`);

/** A history row as the page shows it: what happened, in words, with its bounty and transaction. */
export interface HistoryRow {
  key: string;
  /** `block:logIndex`, the cursor of the next page. */
  cursor: string;
  what: string;
  bountyId: string | null;
  txHash: string;
  blockNumber: number;
  /** The block's time (ISO), when the indexer read it. */
  at: string | null;
}

/**
 * One board event in words, as it concerns `account`: what this account did or received ("Sent 10 shares
 * of bounty #3 to 0x15d3…6A65"), with amounts in the bounty's token. The bounty page and the transaction
 * page tell events in the third person (app/utils/board-events.ts); a desk tells them from its owner's side.
 * Unknown events get their name in words.
 */
export function describeEvent(
  eventName: string,
  args: Record<string, unknown>,
  account: string,
  token: TokenDisplay,
): string {
  const me = (value: unknown) => typeof value === "string" && value.toLowerCase() === account.toLowerCase();
  const amount = (value: unknown) => formatTokenAmount(String(value ?? "0"), token);
  const shares = (value: unknown) =>
    token.tokenDecimals === null
      ? `${String(value ?? "0")} base units of shares`
      : formatAmount(String(value ?? "0"), token.tokenDecimals, "shares");
  const who = (value: unknown) => (me(value) ? "this account" : shortHex(String(value)));
  const bounty = args.bountyId !== undefined ? ` #${String(args.bountyId)}` : "";
  switch (eventName) {
    case "BountyCreated": {
      const params = (args.params ?? {}) as Record<string, unknown>;
      if (me(args.dao)) return `Proposed bounty${bounty}`;
      return me(params.arbiter) ? `Named arbiter of bounty${bounty}` : `Bounty${bounty} proposed`;
    }
    case "Transfer": {
      const sender = String(args.sender ?? "");
      const receiver = String(args.receiver ?? "");
      if (sender === zeroAddress)
        return `Funded bounty #${args.id} with ${amount(args.amount)}: ${shares(args.amount)} minted`;
      if (receiver === zeroAddress) return `${shares(args.amount)} of bounty #${args.id} burned by a refund`;
      if (me(sender) && me(receiver)) return `Moved ${shares(args.amount)} of bounty #${args.id} to itself`;
      if (me(sender)) return `Sent ${shares(args.amount)} of bounty #${args.id} to ${who(receiver)}`;
      if (me(receiver)) return `Received ${shares(args.amount)} of bounty #${args.id} from ${who(sender)}`;
      return `Moved ${shares(args.amount)} of bounty #${args.id} from ${who(sender)} to ${who(receiver)}`;
    }
    case "Approval":
      return `Allowed ${who(args.spender)} to move ${shares(args.amount)} of bounty #${args.id}`;
    case "OperatorSet":
      return args.approved
        ? `Made ${who(args.spender)} an operator of all its shares`
        : `Removed ${who(args.spender)} as an operator`;
    case "BountyClaimed":
      return `Claimed bounty${bounty} as a trainer, posting a bond of ${amount(args.bond)}`;
    case "CheckpointCommitted":
      return `Committed a checkpoint to bounty${bounty} (submission #${args.submissionId})`;
    case "CheckpointRevealed":
      return `Revealed submission #${args.submissionId} to bounty${bounty}`;
    case "DisputeOpened":
      return `Disputed the verdict on submission #${args.submissionId} (dispute #${args.disputeId}, bond ${amount(args.bond)})`;
    case "DisputeBondWithdrawn":
      return `Withdrew ${amount(args.amount)} from dispute #${args.disputeId}${me(args.to) ? "" : ` to ${who(args.to)}`}`;
    case "BondReturned":
      return `Bond of ${amount(args.amount)} returned${me(args.to) ? "" : ` to ${who(args.to)}`}`;
    case "BondForfeited":
      return `Bond of ${amount(args.amount)} forfeited to the backers`;
    case "PayoutWithdrawn":
      return `Withdrew the payout of ${amount(args.amount)}${me(args.to) ? "" : ` to ${who(args.to)}`}`;
    case "Refunded":
      return me(args.backer)
        ? `Refunded ${amount(args.amount)}${me(args.to) ? "" : ` to ${who(args.to)}`}`
        : `Received a refund of ${amount(args.amount)} for ${who(args.backer)}`;
    case "RevenueDeposited":
      return `Deposited ${amount(args.amount)} of revenue into bounty${bounty}`;
    case "RevenueClaimed":
      return me(args.account)
        ? `Claimed ${amount(args.amount)} of revenue${me(args.to) ? "" : ` to ${who(args.to)}`}`
        : `Received ${amount(args.amount)} of revenue claimed by ${who(args.account)}`;
    case "RoleGranted":
      return `Granted the role ${roleName(String(args.role))}`;
    case "RoleRevoked":
      return `Lost the role ${roleName(String(args.role))}`;
    case "FeesWithdrawn":
      return `Received ${amount(args.amount)} of platform fees`;
    case "Swept":
      return `Received ${amount(args.amount)} swept from the board`;
    case "FeeRecipientUpdated":
      return me(args.newRecipient) ? "Became the fee recipient" : "No longer the fee recipient";
    default:
      return words(eventName);
  }
}

/* ------------------------------------------------------------------------ */
/* The desk                                                                  */
/* ------------------------------------------------------------------------ */

export interface Position extends TokenDisplay {
  bountyId: string;
  name: string | null;
  status: string;
  /** Shares held now (base units of the bounty's token: shares are minted 1:1 with what was received). */
  shares: string;
  contributed: string;
  refunded: string;
  /** shares / total shares, in percent (the board's total supply is the bounty's `raised`). */
  sharePercent: number;
  /**
   * What the shares are worth in the bounty's token now, or null when only future revenue backs them:
   * - Funding, Funded, Verifying: the holder's part of the escrow, shares / supply × raised. The supply is
   *   `raised`, so this is the share count itself; it is refunded if the bounty fails.
   * - Failed, Cancelled: the refund, payable now (the same figure).
   * - Fulfilled: the escrow went to the winner; the shares now entitle to revenue only (null; the page shows
   *   the share of revenue and what was earned).
   */
  value: string | null;
  /** What `refund(bountyId)` would pay now: the whole balance of a Failed or Cancelled bounty. */
  refundable: string;
  /** What `claimRevenue(bountyId)` would pay now, as of the index (the board's `claimableRevenue`). */
  claimableRevenue: string;
  /** Revenue claimed so far. */
  revenueClaimed: string;
}

/** A payout: withdrawn (payments of kind payout), or won and waiting to be withdrawn. */
export interface PayoutRow extends TokenDisplay {
  bountyId: string;
  name: string | null;
  /** The winner's payout (raised minus the platform fee). */
  amount: string;
  /** The PayoutWithdrawn transaction, or null while it waits to be withdrawn. */
  withdrawnTx: string | null;
}

export interface ProposalRow extends TokenDisplay {
  bountyId: string;
  name: string | null;
  status: string;
  goal: string;
  raised: string;
  token: string;
  arbiter: string;
  openDisputes: number;
  /** The eval set's on-chain reveal: its state and the moment that goes with it (ISO), see `revealState`. */
  reveal: {
    state: "revealed" | "due" | "overdue" | "after-finalization" | "not-revealed" | "not-needed";
    at: string | null;
  };
  /** Revenue (and forfeited bonds) shared out so far. */
  revenueDeposited: string;
}

export interface OpenDisputeRow extends TokenDisplay {
  disputeId: string;
  bountyId: string;
  name: string | null;
  submissionId: string;
  disputer: string;
  bond: string;
  arbiter: string;
  /** The arbiter rules before this moment (ISO); anyone may dismiss the dispute after it. */
  deadline: string;
  /** Whether this account is the arbiter who must rule on it. */
  mine: boolean;
}

const iso = (seconds: string | null) =>
  seconds === null ? null : new Date(Number(seconds) * 1000).toISOString();

/**
 * The eval set's reveal, for a DAO: revealed (at), due by finalization + reveal period while Verifying
 * (overdue past it: the payout then unlocks without a reveal), not revealed after a Fulfilled or Failed
 * finalization, waiting for finalization before, not needed for a cancelled bounty.
 */
export function revealState(
  b: { status: string; evalSetRevealedAt: string | null; finalizedAt: string | null; revealPeriod: number },
  nowMs: number,
): ProposalRow["reveal"] {
  if (b.evalSetRevealedAt !== null) return { state: "revealed", at: iso(b.evalSetRevealedAt) };
  if (b.status === "Cancelled") return { state: "not-needed", at: null };
  if (b.finalizedAt === null) return { state: "after-finalization", at: null };
  const due = Number(b.finalizedAt) + b.revealPeriod;
  if (b.status === "Verifying")
    return { state: due * 1000 > nowMs ? "due" : "overdue", at: iso(String(due)) };
  return { state: "not-revealed", at: null };
}

export interface AccountDesk {
  address: string;
  /** The block the index has read through (its cursor), null before its first batch. */
  indexedThrough: number | null;
  positions: Position[];
  /** Whether the positions reached DESK_CAP (the oldest bounties are left out). */
  positionsCapped: boolean;
  /** Withdrawn payouts, newest first, then those waiting to be withdrawn. */
  payouts: PayoutRow[];
  /** The trainer dashboard: claims and bonds, submissions, and every payment to the account. */
  claims: Awaited<ReturnType<typeof trainerDashboard>>["claims"];
  submissions: Awaited<ReturnType<typeof trainerDashboard>>["submissions"];
  roles: { role: string; name: string }[];
  /** Bounties it proposed (the DAO's desk), newest first. */
  proposals: ProposalRow[];
  /** Bounties it arbitrates (disputes of their verdicts are its to rule on). */
  arbiterOf: { bountyId: string; name: string | null; status: string; openDisputes: number }[];
  /** Open disputes of its bounties and of those it arbitrates. */
  openDisputes: OpenDisputeRow[];
  history: HistoryRow[];
  /** The cursor of the next (older) history page, or null at the end. */
  historyNext: string | null;
}

/** `block:logIndex`, as the history's `before` cursor is written. */
export function parseCursor(text: string): { block: number; logIndex: number } | null {
  const m = /^(\d{1,15}):(\d{1,9})$/.exec(text);
  return m ? { block: Number(m[1]), logIndex: Number(m[2]) } : null;
}

/** Everything the account page shows for `address` (any case); `before` pages the history back. */
export async function accountDesk(
  db: Database,
  chainId: number,
  address: string,
  options: { before?: { block: number; logIndex: number }; nowMs?: number } = {},
): Promise<AccountDesk> {
  const account = getAddress(address);
  const mine = forms(account);
  const nowMs = options.nowMs ?? Date.now();
  const [positionRows, dashboard, roleRows, proposalRows, arbiterRows, winnings, history, cursor] =
    await Promise.all([
      db
        .select({
          bountyId: backers.bountyId,
          contributed: backers.contributed,
          refunded: backers.refunded,
          shares: backers.shares,
          status: bounties.status,
          raised: bounties.raised,
          dao: bounties.dao,
          name: nameOf,
          tokenSymbol: tokens.symbol,
          tokenDecimals: tokens.decimals,
        })
        .from(backers)
        .innerJoin(
          bounties,
          and(eq(bounties.chainId, backers.chainId), eq(bounties.bountyId, backers.bountyId)),
        )
        .leftJoin(specs, eq(specs.specHash, bounties.specHash))
        .leftJoin(tokens, tokenOf)
        .where(and(eq(backers.chainId, chainId), inArray(backers.account, mine)))
        .orderBy(desc(bounties.createdBlock), desc(bounties.bountyId))
        .limit(DESK_CAP),
      trainerDashboard(db, chainId, account),
      db
        .select({ role: roles.role })
        .from(roles)
        .where(and(eq(roles.chainId, chainId), eq(roles.granted, true), inArray(roles.account, mine))),
      db
        .select({
          bountyId: bounties.bountyId,
          name: nameOf,
          status: bounties.status,
          goal: bounties.goal,
          raised: bounties.raised,
          token: bounties.token,
          arbiter: bounties.arbiter,
          openDisputes: bounties.openDisputes,
          evalSetRevealedAt: bounties.evalSetRevealedAt,
          finalizedAt: bounties.finalizedAt,
          revealPeriod: bounties.revealPeriod,
          tokenSymbol: tokens.symbol,
          tokenDecimals: tokens.decimals,
          revenueDeposited: sql<string>`coalesce((select sum(p.amount) from ${payments} p
            where p.chain_id = ${bounties.chainId} and p.bounty_id = ${bounties.bountyId}
              and p.kind = 'revenue_deposit'), 0)::text`,
        })
        .from(bounties)
        .leftJoin(specs, eq(specs.specHash, bounties.specHash))
        .leftJoin(tokens, tokenOf)
        .where(and(eq(bounties.chainId, chainId), inArray(bounties.dao, mine)))
        .orderBy(desc(bounties.createdBlock), desc(bounties.bountyId))
        .limit(DESK_CAP),
      db
        .select({
          bountyId: bounties.bountyId,
          name: nameOf,
          status: bounties.status,
          openDisputes: bounties.openDisputes,
        })
        .from(bounties)
        .leftJoin(specs, eq(specs.specHash, bounties.specHash))
        .where(and(eq(bounties.chainId, chainId), inArray(bounties.arbiter, mine)))
        .orderBy(desc(bounties.createdBlock), desc(bounties.bountyId))
        .limit(DESK_CAP),
      // Bounties it won: the winning submission is its, and the payout was unlocked (withdrawn or not).
      db
        .select({
          bountyId: bounties.bountyId,
          name: nameOf,
          amount: bounties.payout,
          tokenSymbol: tokens.symbol,
          tokenDecimals: tokens.decimals,
          withdrawnTx: sql<string | null>`(select p.tx_hash from ${payments} p
            where p.chain_id = ${bounties.chainId} and p.bounty_id = ${bounties.bountyId} and p.kind = 'payout'
            order by p.block_number desc, p.log_index desc limit 1)`,
        })
        .from(bounties)
        .innerJoin(
          submissions,
          and(
            eq(submissions.chainId, bounties.chainId),
            eq(submissions.submissionId, bounties.bestSubmissionId),
          ),
        )
        .leftJoin(specs, eq(specs.specHash, bounties.specHash))
        .leftJoin(tokens, tokenOf)
        .where(
          and(
            eq(bounties.chainId, chainId),
            eq(bounties.status, "Fulfilled"),
            isNotNull(bounties.payout),
            inArray(submissions.trainer, mine),
          ),
        )
        .orderBy(desc(bounties.createdBlock))
        .limit(DESK_CAP),
      accountHistory(db, chainId, account, options.before),
      db.select({ cursor: indexerState.cursor }).from(indexerState).where(eq(indexerState.chainId, chainId)),
    ]);

  // Revenue, for the bounties it holds (or held) shares of and those it proposed (a deposit into a bounty
  // whose shares were all refunded goes to its DAO).
  const daoIds = new Set(proposalRows.map((p) => p.bountyId));
  const revenue = await revenueOf(
    db,
    chainId,
    account,
    [...new Set([...positionRows.map((p) => p.bountyId), ...daoIds])],
    daoIds,
  );

  const positions: Position[] = positionRows.map((p) => {
    const shares = BigInt(p.shares);
    const raised = BigInt(p.raised);
    const live = p.status === "Funding" || p.status === "Funded" || p.status === "Verifying";
    const failed = p.status === "Failed" || p.status === "Cancelled";
    const r = revenue.get(p.bountyId);
    return {
      bountyId: p.bountyId,
      name: p.name,
      status: p.status,
      shares: p.shares,
      contributed: p.contributed,
      refunded: p.refunded,
      sharePercent: raised === 0n ? 0 : Number((shares * 10_000n) / raised) / 100,
      // shares / supply × raised, where the supply is `raised` itself: the share count (see Position.value).
      value: live || failed ? p.shares : null,
      refundable: failed ? p.shares : "0",
      claimableRevenue: (r?.claimable ?? 0n).toString(),
      revenueClaimed: (r?.claimed ?? 0n).toString(),
      tokenSymbol: p.tokenSymbol,
      tokenDecimals: p.tokenDecimals,
    };
  });
  // A DAO's revenue from a bounty nobody holds shares of any more (forfeited bonds after every refund).
  for (const p of proposalRows) {
    const r = revenue.get(p.bountyId);
    if (!r || r.claimable === 0n || positions.some((x) => x.bountyId === p.bountyId)) continue;
    positions.push({
      bountyId: p.bountyId,
      name: p.name,
      status: p.status,
      shares: "0",
      contributed: "0",
      refunded: "0",
      sharePercent: 0,
      value: null,
      refundable: "0",
      claimableRevenue: r.claimable.toString(),
      revenueClaimed: r.claimed.toString(),
      tokenSymbol: p.tokenSymbol,
      tokenDecimals: p.tokenDecimals,
    });
  }
  const nothing = (p: Position) =>
    [p.shares, p.contributed, p.refunded, p.claimableRevenue, p.revenueClaimed].every((v) => v === "0");

  const arbitrated = arbiterRows.map((a) => a.bountyId);
  const openDisputes =
    daoIds.size + arbitrated.length === 0
      ? []
      : await db
          .select({
            disputeId: disputes.disputeId,
            bountyId: disputes.bountyId,
            name: nameOf,
            submissionId: disputes.submissionId,
            disputer: disputes.disputer,
            bond: disputes.bond,
            arbiter: bounties.arbiter,
            deadline: disputes.deadline,
            tokenSymbol: tokens.symbol,
            tokenDecimals: tokens.decimals,
          })
          .from(disputes)
          .innerJoin(
            bounties,
            and(eq(bounties.chainId, disputes.chainId), eq(bounties.bountyId, disputes.bountyId)),
          )
          .leftJoin(specs, eq(specs.specHash, bounties.specHash))
          .leftJoin(tokens, tokenOf)
          .where(
            and(
              eq(disputes.chainId, chainId),
              eq(disputes.outcome, DISPUTE_OUTCOME[1]),
              inArray(disputes.bountyId, [...new Set([...daoIds, ...arbitrated])]),
            ),
          )
          .orderBy(asc(disputes.deadline), asc(disputes.disputeId))
          .limit(DESK_CAP);

  return {
    address: account,
    indexedThrough: cursor[0]?.cursor ?? null,
    positions: positions.filter((p) => !nothing(p)),
    positionsCapped: positionRows.length >= DESK_CAP,
    payouts: [
      // Withdrawn payouts (PayoutWithdrawn), then won bounties whose payout waits to be withdrawn.
      ...dashboard.payments
        .filter((p) => p.kind === "payout")
        .map((p) => ({
          bountyId: p.bountyId,
          name: winnings.find((w) => w.bountyId === p.bountyId)?.name ?? null,
          amount: p.amount,
          withdrawnTx: p.txHash,
          tokenSymbol: p.tokenSymbol,
          tokenDecimals: p.tokenDecimals,
        })),
      ...winnings
        .filter((w) => w.withdrawnTx === null)
        .map((w) => ({ ...w, amount: w.amount ?? "0", withdrawnTx: null })),
    ],
    claims: dashboard.claims,
    submissions: dashboard.submissions,
    roles: roleRows.map((r) => ({ role: r.role, name: roleName(r.role) })),
    proposals: proposalRows.map(({ evalSetRevealedAt, finalizedAt, revealPeriod, ...p }) => ({
      ...p,
      reveal: revealState({ status: p.status, evalSetRevealedAt, finalizedAt, revealPeriod }, nowMs),
    })),
    arbiterOf: arbiterRows,
    openDisputes: openDisputes.map((d) => ({
      ...d,
      deadline: iso(d.deadline) ?? "",
      mine: mine.includes(d.arbiter) || d.arbiter.toLowerCase() === account.toLowerCase(),
    })),
    history: history.rows,
    historyNext: history.next,
  };
}

/**
 * Claimable and claimed revenue per bounty for `account`, replayed from the index: the bounties' deposits
 * (RevenueDeposited with the cumulative revenue per share), the account's share moves, its claims.
 * Only bounties with a deposit are replayed.
 */
async function revenueOf(
  db: Database,
  chainId: number,
  account: string,
  bountyIds: string[],
  daoIds: Set<string>,
): Promise<Map<string, { claimable: bigint; claimed: bigint }>> {
  const out = new Map<string, { claimable: bigint; claimed: bigint }>();
  if (bountyIds.length === 0) return out;
  const mine = forms(account);
  const deposits = await db
    .select({
      bountyId: boardEvents.bountyId,
      amount: sql<string>`${boardEvents.args}->>'amount'`,
      perShare: sql<string>`${boardEvents.args}->>'revenuePerShare'`,
      blockNumber: boardEvents.blockNumber,
      logIndex: boardEvents.logIndex,
    })
    .from(boardEvents)
    .where(
      and(
        eq(boardEvents.chainId, chainId),
        inArray(boardEvents.bountyId, bountyIds),
        eq(boardEvents.eventName, "RevenueDeposited"),
      ),
    )
    .orderBy(asc(boardEvents.blockNumber), asc(boardEvents.logIndex));
  const withRevenue = [...new Set(deposits.map((d) => d.bountyId as string))];
  if (withRevenue.length === 0) return out;
  const [moves, claims] = await Promise.all([
    db
      .select({
        bountyId: shareTransfers.bountyId,
        from: shareTransfers.from,
        to: shareTransfers.to,
        amount: shareTransfers.amount,
        blockNumber: shareTransfers.blockNumber,
        logIndex: shareTransfers.logIndex,
      })
      .from(shareTransfers)
      .where(
        and(
          eq(shareTransfers.chainId, chainId),
          inArray(shareTransfers.bountyId, withRevenue),
          or(inArray(shareTransfers.from, mine), inArray(shareTransfers.to, mine)),
        ),
      )
      .orderBy(asc(shareTransfers.blockNumber), asc(shareTransfers.logIndex)),
    db
      .select({ bountyId: payments.bountyId, claimed: sql<string>`sum(${payments.amount})::text` })
      .from(payments)
      .where(
        and(
          eq(payments.chainId, chainId),
          inArray(payments.bountyId, withRevenue),
          eq(payments.kind, "revenue_claim"),
          inArray(payments.account, mine),
        ),
      )
      .groupBy(payments.bountyId),
  ]);
  const isMine = (value: string) => value.toLowerCase() === account.toLowerCase();
  for (const bountyId of withRevenue) {
    type Timed = RevenueStep & { at: [number, number] };
    const steps: Timed[] = moves
      .filter((m) => m.bountyId === bountyId)
      .map((m) => ({
        kind: "shares" as const,
        delta: (isMine(m.to) ? BigInt(m.amount) : 0n) - (isMine(m.from) ? BigInt(m.amount) : 0n),
        at: [m.blockNumber, m.logIndex] as [number, number],
      }));
    let previous = 0n;
    for (const d of deposits.filter((x) => x.bountyId === bountyId)) {
      const perShare = BigInt(d.perShare);
      const step: Timed = {
        kind: "deposit",
        amount: BigInt(d.amount),
        perShare,
        at: [d.blockNumber, d.logIndex],
      };
      // Only a DAO's own bounty needs the supply, and only where the revenue per share did not move.
      if (perShare === previous && daoIds.has(bountyId)) {
        step.supplyBefore = await supplyBefore(db, chainId, bountyId, d.blockNumber, d.logIndex);
      }
      previous = perShare > previous ? perShare : previous;
      steps.push(step);
    }
    steps.sort((a, b) => a.at[0] - b.at[0] || a.at[1] - b.at[1]);
    const claimed = BigInt(claims.find((c) => c.bountyId === bountyId)?.claimed ?? "0");
    const entitled = revenueEntitlement(steps, daoIds.has(bountyId));
    out.set(bountyId, { claimable: claimableFrom(entitled, claimed), claimed });
  }
  return out;
}

/** A bounty's share supply just before a log: mints less burns before it. */
async function supplyBefore(
  db: Database,
  chainId: number,
  bountyId: string,
  block: number,
  logIndex: number,
): Promise<bigint> {
  const [row] = await db
    .select({
      supply: sql<string>`(coalesce(sum(${shareTransfers.amount}) filter (where ${shareTransfers.from} = ${zeroAddress}), 0)
        - coalesce(sum(${shareTransfers.amount}) filter (where ${shareTransfers.to} = ${zeroAddress}), 0))::text`,
    })
    .from(shareTransfers)
    .where(
      and(
        eq(shareTransfers.chainId, chainId),
        eq(shareTransfers.bountyId, bountyId),
        sql`(${shareTransfers.blockNumber}, ${shareTransfers.logIndex}) < (${block}, ${logIndex})`,
      ),
    );
  return BigInt(row?.supply ?? "0");
}

/**
 * The board events naming the account in any account argument (the bounty's DAO, a trainer, a backer, a
 * share's sender or receiver, a recipient `to`, a disputer, a role holder, the arbiter named at creation),
 * newest first, a page at a time before `before`. Matched by jsonb containment on the checksummed address
 * (the indexer stores decoded addresses checksummed).
 */
async function accountHistory(
  db: Database,
  chainId: number,
  account: string,
  before?: { block: number; logIndex: number },
): Promise<{ rows: HistoryRow[]; next: string | null }> {
  const named: SQL[] = [
    ...ACCOUNT_KEYS.map((key) => sql`${boardEvents.args} @> ${JSON.stringify({ [key]: account })}::jsonb`),
    sql`${boardEvents.args} @> ${JSON.stringify({ params: { arbiter: account } })}::jsonb`,
  ];
  const rows = await eventsWithTokens(db)
    .where(
      and(
        eq(boardEvents.chainId, chainId),
        or(...named),
        before
          ? sql`(${boardEvents.blockNumber}, ${boardEvents.logIndex}) < (${before.block}, ${before.logIndex})`
          : undefined,
      ),
    )
    .orderBy(desc(boardEvents.blockNumber), desc(boardEvents.logIndex))
    .limit(HISTORY_PAGE + 1);
  const page = rows.slice(0, HISTORY_PAGE);
  const last = page[page.length - 1];
  return {
    rows: page.map((e) => {
      const args = e.args as Record<string, unknown>;
      // A share event names its bounty as the ERC-6909 id.
      const bountyId =
        e.bountyId ?? (e.eventName === "Transfer" || e.eventName === "Approval" ? String(args.id) : null);
      return {
        key: `${e.txHash}-${e.logIndex}`,
        cursor: `${e.blockNumber}:${e.logIndex}`,
        what: describeEvent(e.eventName, args, account, e),
        bountyId,
        txHash: e.txHash,
        blockNumber: e.blockNumber,
        at: iso(e.blockTime),
      };
    }),
    next: rows.length > HISTORY_PAGE && last ? `${last.blockNumber}:${last.logIndex}` : null,
  };
}
