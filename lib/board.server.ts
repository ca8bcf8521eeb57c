/**
 * Off-chain view of the BountyBoard contract: its role ids and its enums by
 * name, for the deploy step, the tests and, later, the indexer and the web app.
 * (The board's section of the deployment file is in lib/chain.server.ts.)
 */
import { type Address, getAddress, type Hex, keccak256, toBytes, zeroHash } from "viem";
import type { Deployment } from "./chain.server.js";

/** BountyBoard's AccessControl roles: name -> role id (`keccak256(name)`, the admin role is zero). */
export const BOARD_ROLES = {
  DEFAULT_ADMIN_ROLE: zeroHash,
  DAO_ROLE: keccak256(toBytes("DAO_ROLE")),
  EVALUATOR_ROLE: keccak256(toBytes("EVALUATOR_ROLE")),
} as const satisfies Record<string, Hex>;

export type BoardRole = keyof typeof BOARD_ROLES;

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

/** The BountyBoard address of a deployment; throws when the deployment has none. */
export function boardAddress(deployment: Deployment): Address {
  const board = deployment.contracts.BountyBoard;
  if (!board) throw new Error(`the deployment on chain ${deployment.chainId} has no BountyBoard`);
  return getAddress(board.address);
}
