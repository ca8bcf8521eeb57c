/**
 * Wallet and transaction errors as sentences a person can act on. viem wraps
 * the cause several layers deep (a revert inside an estimate inside a call);
 * `walk` finds the part that matters. Reverts are decoded with the board's ABI
 * plus the ERC-20 errors a token transfer can bubble up (OpenZeppelin's
 * ERC20InsufficientBalance / ERC20InsufficientAllowance), so a failed `fund`
 * says "approve first", not "execution reverted". Browser-safe.
 */
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  InsufficientFundsError,
  UserRejectedRequestError,
} from "viem";
import { bountyBoardAbi, testTokenAbi } from "../../contracts/abi.js";
import { BOUNTY_STATUS } from "../../core/board-enums.js";
import { formatUtc } from "../../core/format.js";

/** Every error a board call can revert with, including those of the token it transfers. */
export const boardErrorsAbi = [
  ...bountyBoardAbi,
  ...testTokenAbi.filter((item) => item.type === "error"),
] as const satisfies Abi;

export type WalletErrorKind = "rejected" | "wrong-network" | "revert" | "funds" | "no-wallet" | "other";

export interface ExplainedError {
  kind: WalletErrorKind;
  message: string;
  /** The decoded custom error, when the chain reverted with one. */
  errorName?: string;
}

const statusName = (value: unknown) => BOUNTY_STATUS[Number(value)] ?? String(value);

const OUTCOME = ["None", "Open", "Rejected", "Upheld", "Corrected", "Expired"];
const VERDICT_NAME = ["Pending", "Scored", "Disqualified"];
const BOND = ["None", "Posted", "Returned", "Forfeited"];
/** A chain time (seconds) for people: the UTC minute and how far off it is, "2026-12-07 14:05 UTC, in 3 min". */
export function when(seconds: unknown, nowMs = Date.now()): string {
  const n = Number(seconds);
  if (!(Number.isFinite(n) && n > 0)) return "later";
  const left = n - nowMs / 1000;
  const relative =
    left <= 0
      ? "now"
      : left < 90
        ? `in ${Math.ceil(left)} s`
        : left < 90 * 60
          ? `in ${Math.round(left / 60)} min`
          : left < 48 * 3_600
            ? `in ${Math.round(left / 3_600)} h`
            : `in ${Math.round(left / 86_400)} d`;
  return `${formatUtc(n * 1000)}, ${relative}`;
}

/** What each custom error means for the person who caused it: every board error as a sentence. */
function revertMessage(name: string, args: readonly unknown[]): string {
  switch (name) {
    case "ERC20InsufficientAllowance":
      return `The board may spend only ${args[1]} base units of your tokens but needs ${args[2]}: approve the amount first.`;
    case "ERC20InsufficientBalance":
      return `Your token balance is ${args[1]} base units; this needs ${args[2]}.`;
    case "ERC6909InsufficientBalance":
      return `You hold ${args[1]} shares of bounty #${args[3]}; this moves ${args[2]}.`;
    case "ERC6909InsufficientAllowance":
      return `${args[0]} may move only ${args[1]} of your shares of bounty #${args[3]} but needs ${args[2]}.`;
    case "ERC6909InvalidReceiver":
      return "Shares cannot go to the zero address: give a recipient.";
    case "ERC6909InvalidSender":
      return "Shares cannot come from the zero address.";
    case "ERC6909InvalidApprover":
    case "ERC6909InvalidSpender":
      return "An operator or spender address is missing.";
    case "BountyBoard_FeeTooHigh":
      return `A fee of ${Number(args[0]) / 100}% is above the board's maximum of ${Number(args[1]) / 100}%.`;
    case "BountyBoard_FeeAboveMax":
      return `The platform fee rose to ${Number(args[0]) / 100}%, above the ${Number(args[1]) / 100}% you accepted: reload the page to see the new fee.`;
    case "BountyBoard_ZeroAddress":
      return "An account is missing: give a recipient or arbiter address.";
    case "BountyBoard_TokenNotAllowed":
      return `The token ${args[0]} is not accepted by the board.`;
    case "BountyBoard_ZeroGoal":
      return "The funding goal must be more than zero.";
    case "BountyBoard_FundingDeadlineNotInFuture":
      return "The funding deadline must be in the future.";
    case "BountyBoard_DeliveryBeforeFunding":
      return "The delivery deadline must come after the funding deadline.";
    case "BountyBoard_PeriodOutOfBounds":
      return `The ${args[0]} must lie between ${args[2]} and ${args[3]} seconds (it is ${args[1]}).`;
    case "BountyBoard_ZeroHash":
      return `The ${args[0]} is missing.`;
    case "BountyBoard_UnknownMetric":
      return "The board does not know this metric yet: its admin must register it.";
    case "BountyBoard_WrongDirection":
      return "The score direction does not match the metric's.";
    case "BountyBoard_TargetOutOfRange":
      return "The target lies outside the metric's range, or every score would meet it.";
    case "BountyBoard_ScoreOutOfRange":
      return "The score lies outside the metric's range.";
    case "BountyBoard_BadMetricRange":
      return "The metric's range is empty.";
    case "BountyBoard_ArbiterIsEvaluator":
      return `The arbiter ${args[0]} is an evaluator: whoever scores may not judge disputes of scores. Pick another arbiter.`;
    case "BountyBoard_UnknownBounty":
      return `There is no bounty #${args[0]}.`;
    case "BountyBoard_NotBountyDao":
      return "Only the bounty's DAO may do this.";
    case "BountyBoard_NotArbiter":
      return "Only the bounty's arbiter may resolve its disputes.";
    case "BountyBoard_WrongStatus":
      return `Bounty #${args[0]} is ${statusName(args[1])}, so this is not possible now.`;
    case "BountyBoard_ZeroAmount":
      return "The amount must be more than zero.";
    case "BountyBoard_FundingClosed":
      return `Funding for bounty #${args[0]} has closed.`;
    case "BountyBoard_GoalReached":
      return `Bounty #${args[0]} has reached its goal and takes no more funding.`;
    case "BountyBoard_NothingReceived":
      return "The board received nothing from the transfer.";
    case "BountyBoard_AmountTooLarge":
      return "The amount is too large.";
    case "BountyBoard_AlreadyClaimed":
      return "This account has already claimed the bounty.";
    case "BountyBoard_NotClaimant":
      return "Claim the bounty before committing a checkpoint.";
    case "BountyBoard_DeliveryClosed":
      return "The delivery deadline has passed.";
    case "BountyBoard_TooManySubmissions":
      return `A trainer may commit at most ${args[2]} checkpoints to a bounty.`;
    case "BountyBoard_TooManyReveals":
      return `This bounty already has its maximum of ${args[1]} revealed checkpoints.`;
    case "BountyBoard_DuplicateCommitment":
      return `You already committed to this checkpoint (submission #${args[2]}): reveal it instead.`;
    case "BountyBoard_UnknownCommitment":
      return "No commit of yours matches this checkpoint and salt: commit it first.";
    case "BountyBoard_AlreadyRevealed":
      return `Submission #${args[0]} is already revealed.`;
    case "BountyBoard_RevealTooEarly":
      return "A reveal must come in a later block than its commit: try again in a moment.";
    case "BountyBoard_RevealClosed":
      return `The reveal period of submission #${args[0]} ended at ${when(args[1])}.`;
    case "BountyBoard_BadUri":
      return "The address must be 1 to 512 bytes long.";
    case "BountyBoard_UnknownSubmission":
      return `There is no submission #${args[0]}.`;
    case "BountyBoard_NotRevealed":
      return `Submission #${args[0]} has not been revealed.`;
    case "BountyBoard_AlreadyEvaluated":
      return `Submission #${args[0]} already has a verdict (${VERDICT_NAME[Number(args[1])] ?? args[1]}).`;
    case "BountyBoard_EvaluationClosed":
      return `The evaluation period of submission #${args[0]} is over.`;
    case "BountyBoard_BadCopyOf":
      return "The original must be an earlier revealed submission of the same bounty.";
    case "BountyBoard_ArbiterCannotEvaluate":
      return "The bounty's arbiter may not publish verdicts on it.";
    case "BountyBoard_NotDisputable":
      return `The verdict on submission #${args[0]} cannot be disputed now: outside its challenge window and the verification period.`;
    case "BountyBoard_DisputeAlreadyOpen":
      return `Submission #${args[0]} is already disputed (dispute #${args[1]}).`;
    case "BountyBoard_UnknownDispute":
      return `There is no dispute #${args[0]}.`;
    case "BountyBoard_DisputeNotOpen":
      return `Dispute #${args[0]} is already closed (${OUTCOME[Number(args[1])] ?? args[1]}).`;
    case "BountyBoard_DisputeDeadlinePassed":
      return `The arbiter's deadline for dispute #${args[0]} passed at ${when(args[1])}: it can only be dismissed now.`;
    case "BountyBoard_DisputeNotExpired":
      return `Dispute #${args[0]} can be dismissed only after the arbiter's deadline, ${when(args[1])}.`;
    case "BountyBoard_SubmissionFinal":
      return `Submission #${args[0]} was disqualified for good; no ruling can reinstate it.`;
    case "BountyBoard_NotDisputeBeneficiary":
      return "This dispute's money belongs to another account.";
    case "BountyBoard_DisputesOpen":
      return `Bounty #${args[0]} has ${args[1]} open dispute(s): they must be resolved first.`;
    case "BountyBoard_EvalSetMismatch":
      return "This eval set and salt do not match the bounty's commitment.";
    case "BountyBoard_EvalSetAlreadyRevealed":
      return `The eval set of bounty #${args[0]} is already revealed.`;
    case "BountyBoard_NotFinalizable":
      return Number(args[2]) === 0
        ? `Bounty #${args[0]} cannot be finalized while a dispute is open.`
        : `Bounty #${args[0]} can be finalized from ${when(args[2])}.`;
    case "BountyBoard_PayoutLocked":
      return `The payout of bounty #${args[0]} unlocks at ${when(args[1])}.`;
    case "BountyBoard_NotWinner":
      return "Only the winning trainer can withdraw the payout.";
    case "BountyBoard_NothingToWithdraw":
      return "There is nothing for this account to withdraw from this bounty.";
    case "BountyBoard_BondNotReturnable":
      return `The bond is not returnable (${BOND[Number(args[2])] ?? args[2]}): it comes back once the bounty ended, if one of your checkpoints was scored or left unevaluated and none was a copy or disqualified in a dispute.`;
    case "BountyBoard_BondNotForfeitable":
      return "This bond cannot be forfeited: the bounty has not ended, or its trainer delivered.";
    case "BountyBoard_NoFees":
      return "No platform fees are waiting in this token.";
    case "BountyBoard_NoSurplus":
      return "The board holds nothing above what it owes in this token.";
    case "BountyBoard_Insolvent":
      return "The board's balance of this token fell below what it owes (the token misbehaved): nothing moves until it is topped up.";
    case "EnforcedPause":
      return "The board is paused: new bounties, funding, claims and commits wait until it resumes.";
    case "ReentrancyGuardReentrantCall":
      return "The call re-entered the board and was refused.";
    case "AccessControlUnauthorizedAccount":
      return `Account ${args[0]} lacks the role this needs (only DAOs may propose bounties).`;
    default:
      return `The transaction would revert: ${name}(${args.map(String).join(", ")}).`;
  }
}

export function explainWalletError(error: unknown): ExplainedError {
  if (!(error instanceof Error)) return { kind: "other", message: String(error) };
  if (error.name === "ProviderNotFoundError") {
    return {
      kind: "no-wallet",
      message: "No browser wallet found. Install one (MetaMask, Rabby, …) to fund bounties.",
    };
  }
  if (error.name === "ConnectorNotConnectedError") {
    return {
      kind: "no-wallet",
      message: "No wallet is connected. Connect a browser wallet (MetaMask, Rabby, …) first.",
    };
  }
  if (error.name === "ChainMismatchError" || error.name === "ChainNotConfiguredError") {
    return {
      kind: "wrong-network",
      message: "Your wallet is on another network: switch to this platform's.",
    };
  }
  if (error instanceof BaseError) {
    const rejected = error.walk((e) => e instanceof UserRejectedRequestError);
    if (rejected || /user (rejected|denied)/i.test(error.message)) {
      return { kind: "rejected", message: "You rejected the request in your wallet; nothing was sent." };
    }
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      const name = reverted.data?.errorName;
      if (name) {
        return { kind: "revert", errorName: name, message: revertMessage(name, reverted.data?.args ?? []) };
      }
      return {
        kind: "revert",
        message: `The transaction would revert: ${reverted.reason ?? reverted.signature ?? "no reason given"}.`,
      };
    }
    if (error.walk((e) => e instanceof InsufficientFundsError)) {
      return { kind: "funds", message: "Your account has too little ether to pay for gas." };
    }
    return { kind: "other", message: error.shortMessage };
  }
  return { kind: "other", message: error.message };
}
