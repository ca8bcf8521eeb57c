/**
 * BountyBoard's enums by name, indexed by their on-chain values. No I/O and no
 * secrets: shared by the server (lib/board.server.ts re-exports them) and the
 * browser bundle.
 */

/** `BountyBoard.Status`, indexed by its on-chain value. */
export const BOUNTY_STATUS = ["None", "Funding", "Funded", "Fulfilled", "Failed", "Cancelled"] as const;
export type BountyStatus = (typeof BOUNTY_STATUS)[number];
/** `BountyBoard.Direction`: whether a higher or a lower score is better. */
export const SCORE_DIRECTION = ["HigherIsBetter", "LowerIsBetter"] as const;
/** `BountyBoard.Verdict`. */
export const VERDICT = ["Pending", "Scored", "Disqualified"] as const;
/** `BountyBoard.BondState`. */
export const BOND_STATE = ["None", "Posted", "Returned", "Forfeited"] as const;

/** The on-chain value of a named enum member, e.g. `enumValue(BOUNTY_STATUS, "Funded") === 2`. */
export function enumValue<const T extends readonly string[]>(names: T, name: T[number]): number {
  return names.indexOf(name);
}
