/**
 * A board event as a sentence, for the bounty page's timeline and the transaction page. Pure and
 * browser-safe. Arguments come as the indexer stores them (bigints as decimal strings); a missing or
 * malformed one is left out of the sentence rather than shown as "undefined".
 */
import { BOUNTY_STATUS, DISPUTE_OUTCOME } from "../../core/board-enums.js";
import { formatScore, formatTokenAmount, shortHex, type TokenDisplay } from "../../core/format.js";
import { fromOnchainScore } from "../../core/spec.js";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

type Args = Record<string, unknown>;

const isDigits = (value: unknown): value is string =>
  typeof value === "string" ? /^-?\d+$/.test(value) : typeof value === "number" && Number.isInteger(value);

function amountOf(args: Args, key: string, token: TokenDisplay): string | null {
  const value = args[key];
  return isDigits(value) ? formatTokenAmount(String(value), token) : null;
}

function accountOf(args: Args, key: string): string | null {
  const value = args[key];
  return typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value) ? shortHex(value) : null;
}

function scoreOf(args: Args, key: string): string | null {
  const value = args[key];
  return isDigits(value) ? formatScore(fromOnchainScore(BigInt(value))) : null;
}

function idOf(args: Args, key: string): string | null {
  const value = args[key];
  return isDigits(value) ? `#${value}` : null;
}

function enumOf(names: readonly string[], value: unknown): string | null {
  return isDigits(value) ? (names[Number(value)] ?? null) : typeof value === "string" ? value : null;
}

/** Words joined, the missing ones left out. */
function words(...parts: (string | null | false)[]): string {
  return parts.filter((part): part is string => typeof part === "string" && part !== "").join(" ");
}

/** The sentence for one board event; the event's name for one this does not know. */
export function describeEvent(eventName: string, args: Args, token: TokenDisplay): string {
  const amount = (key: string) => amountOf(args, key, token);
  const prefixed = (word: string, text: string | null) => (text ? `${word} ${text}` : null);
  const by = (key: string) => prefixed("by", accountOf(args, key));
  const to = (key: string) => prefixed("to", accountOf(args, key));
  const of = (key: string) => prefixed("of", amount(key));
  switch (eventName) {
    case "BountyCreated":
      return words("Proposed", by("dao"));
    case "Transfer": {
      if (args.sender === ZERO_ADDRESS) return words("Contributed", amount("amount"), by("receiver"));
      if (args.receiver === ZERO_ADDRESS) return words("Shares burned", amount("amount"));
      const from = accountOf(args, "sender");
      const receiver = accountOf(args, "receiver");
      return words("Moved", amount("amount"), "of shares", prefixed("from", from), prefixed("to", receiver));
    }
    case "BountyFunded":
      return words("Reached its goal with", amount("raised"), "raised");
    case "BountyClaimed":
      return words("Claimed", by("trainer"), prefixed("with a bond", of("bond")));
    case "CheckpointCommitted":
      return words("Checkpoint", idOf(args, "submissionId"), "committed", by("trainer"));
    case "CheckpointRevealed":
      return words("Checkpoint", idOf(args, "submissionId"), "revealed", by("trainer"));
    case "EvaluationPublished":
      return words(
        "Submission",
        idOf(args, "submissionId"),
        "scored",
        scoreOf(args, "score"),
        args.qualifies === true ? "(qualifies)" : args.qualifies === false ? "(below the target)" : null,
      );
    case "SubmissionDisqualified":
      return words(
        "Submission",
        idOf(args, "submissionId"),
        "disqualified",
        isDigits(args.copyOf) && String(args.copyOf) !== "0" ? `as a copy of #${args.copyOf}` : null,
      );
    case "BestSubmissionChanged":
      return words(
        "Best is now submission",
        idOf(args, "submissionId"),
        scoreOf(args, "score") && `at ${scoreOf(args, "score")}`,
      );
    case "DisputeOpened":
      return words(
        "Dispute",
        idOf(args, "disputeId"),
        "of submission",
        idOf(args, "submissionId"),
        "opened",
        by("disputer"),
      );
    case "DisputeResolved": {
      const outcome = enumOf(DISPUTE_OUTCOME, args.outcome);
      return words(
        "Dispute",
        idOf(args, "disputeId"),
        outcome ? `resolved: ${outcome.toLowerCase()}` : "resolved",
      );
    }
    case "BountyFinalized": {
      const status = enumOf(BOUNTY_STATUS, args.status);
      const winner = isDigits(args.winningSubmissionId) && String(args.winningSubmissionId) !== "0";
      const finalized = words("Finalized", status && `as ${status}`);
      return winner ? `${finalized}, submission #${args.winningSubmissionId} won` : finalized;
    }
    case "BountyCancelled":
      return "Cancelled: backers can take their refunds";
    case "EvalSetRevealed":
      return "The DAO revealed the eval set: anyone can re-check the scores";
    case "PayoutUnlocked":
      return words("Payout", of("payout"), "unlocked", prefixed("after a platform fee", of("fee")));
    case "PayoutWithdrawn":
      return words("Payout", of("amount"), "withdrawn", by("winner"));
    case "Refunded":
      return words("Refund", of("amount"), to("backer"));
    case "BondReturned":
      return words("Bond", of("amount"), "returned", to("trainer"));
    case "BondForfeited":
      return words("Bond", of("amount"), "forfeited", by("trainer"));
    case "RevenueDeposited":
      return words("Revenue", of("amount"), "deposited", by("from"));
    case "RevenueClaimed":
      return words("Revenue", of("amount"), "claimed", by("account"));
    default:
      return eventName;
  }
}
