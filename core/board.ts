/**
 * Off-chain view of the BountyBoard contract: its role ids and its enums by
 * name, for the deploy step, the tests and, later, the indexer and the web app.
 * (The board's section of the deployment file is in server/chain.ts.)
 */
import { type Hex, keccak256, toBytes, zeroHash } from "viem";

/** BountyBoard's AccessControl roles: name -> role id (`keccak256(name)`, the admin role is zero). */
export const BOARD_ROLES = {
  DEFAULT_ADMIN_ROLE: zeroHash,
  DAO_ROLE: keccak256(toBytes("DAO_ROLE")),
  EVALUATOR_ROLE: keccak256(toBytes("EVALUATOR_ROLE")),
} as const satisfies Record<string, Hex>;

export type BoardRole = keyof typeof BOARD_ROLES;

// The enums live in a browser-safe module (the web app's wallet code needs them too).
export {
  BOND_STATE,
  BOUNTY_STATUS,
  type BountyStatus,
  DISPUTE_OUTCOME,
  type DisputeOutcome,
  DUPLICATE_REPORT,
  enumValue,
  SCORE_DIRECTION,
  VERDICT,
} from "./board-enums.js";
