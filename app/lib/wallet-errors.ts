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
import { BOUNTY_STATUS } from "../../lib/board-enums.js";

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

/** What each custom error means for the person who caused it. */
function revertMessage(name: string, args: readonly unknown[]): string {
  switch (name) {
    case "ERC20InsufficientAllowance":
      return `The board may spend only ${args[1]} base units of your tokens but needs ${args[2]}: approve the amount first.`;
    case "ERC20InsufficientBalance":
      return `Your token balance is ${args[1]} base units; this needs ${args[2]}.`;
    case "BountyBoard_FundingClosed":
      return `Funding for bounty #${args[0]} has closed.`;
    case "BountyBoard_WrongStatus":
      return `Bounty #${args[0]} is ${statusName(args[1])}, so this is not possible now.`;
    case "BountyBoard_NothingToWithdraw":
      return "There is nothing for this account to withdraw from this bounty.";
    case "BountyBoard_NotWinner":
      return "Only the winning trainer can withdraw the payout.";
    case "BountyBoard_NotClaimant":
      return "Claim the bounty before submitting a checkpoint.";
    case "BountyBoard_AlreadyClaimed":
      return "This account has already claimed the bounty.";
    case "BountyBoard_DeliveryClosed":
      return "The delivery deadline has passed.";
    case "BountyBoard_DuplicateCheckpoint":
      return `This checkpoint was already submitted (submission #${args[2]}).`;
    case "BountyBoard_TooManySubmissions":
      return `A trainer may submit at most ${args[2]} checkpoints to a bounty.`;
    case "BountyBoard_BondNotReturnable":
      return "The bond comes back once one of your checkpoints for this bounty has been scored (not disqualified).";
    case "BountyBoard_TokenNotAllowed":
      return `The token ${args[0]} is not accepted by the board.`;
    case "BountyBoard_FundingDeadlineNotInFuture":
      return "The funding deadline must be in the future.";
    case "BountyBoard_DeliveryBeforeFunding":
      return "The delivery deadline must come after the funding deadline.";
    case "BountyBoard_ZeroAmount":
      return "The amount must be more than zero.";
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
