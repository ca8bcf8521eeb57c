/**
 * BountyBoard's enums by name, indexed by their on-chain values. No I/O and no
 * secrets: shared by the server (core/board.ts re-exports them) and the
 * browser bundle.
 */
import { keccak256, stringToHex } from "viem";

/** `BountyBoard.Status`, indexed by its on-chain value. */
export const BOUNTY_STATUS = [
  "None",
  "Funding",
  "Funded",
  "Fulfilled",
  "Failed",
  "Cancelled",
  "Verifying",
] as const;
export type BountyStatus = (typeof BOUNTY_STATUS)[number];
/** `BountyBoard.Direction`: whether a higher or a lower score is better. */
export const SCORE_DIRECTION = ["HigherIsBetter", "LowerIsBetter"] as const;
/** `BountyBoard.Verdict`. */
export const VERDICT = ["Pending", "Scored", "Disqualified"] as const;
/** `BountyBoard.BondState`. */
export const BOND_STATE = ["None", "Posted", "Returned", "Forfeited"] as const;
/** `BountyBoard.Outcome`: how a dispute ended (Open while the arbiter has not ruled). */
export const DISPUTE_OUTCOME = ["None", "Open", "Rejected", "Upheld", "Corrected", "Expired"] as const;
export type DisputeOutcome = (typeof DISPUTE_OUTCOME)[number];

/** The on-chain value of a named enum member, e.g. `enumValue(BOUNTY_STATUS, "Funded") === 2`. */
export function enumValue<const T extends readonly string[]>(names: T, name: T[number]): number {
  return names.indexOf(name);
}

/**
 * The report hash the board itself gives a submission it disqualifies for revealing the checkpoint of an earlier
 * commit (`BountyBoard.DUPLICATE_REPORT`): no evaluator report exists for it.
 */
export const DUPLICATE_REPORT = keccak256(stringToHex("crowdtrain.duplicate-checkpoint"));
