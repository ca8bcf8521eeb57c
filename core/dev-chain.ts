/**
 * The dev chain (anvil): its chain id, its well-known mnemonic and accounts, the test token and which
 * account plays which part. Public knowledge, for dev and tests only; pure, so the agent and the browser
 * can use it too.
 */
import { type Hex, toHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

/** anvil's default mnemonic: its ten prefunded accounts. Never valid outside dev chains. */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";
export const ANVIL_CHAIN_ID = 31_337;

/** The test token minted to each anvil account on dev chains, in whole tokens. */
export const DEV_TOKEN = {
  name: "Crowdtrain Test USD",
  symbol: "ctUSD",
  decimals: 6,
  mintPerAccount: "1000000",
};

/** Which anvil account plays which part on dev chains when nothing is configured. */
export const DEV_ACCOUNTS = { deployer: 0, dao: 1, evaluator: 2, feeRecipient: 0 } as const;

/**
 * Which anvil account plays which part in `npm run dev`'s demo (scripts/lib/demo-seed.ts seeds it; the dev
 * wallet's connect dialog labels the accounts with it). Indexes into anvil's ten dev accounts.
 */
export const DEMO_ACCOUNTS = {
  /** Deploys, administers the board and receives the fees (jobs/deployments/deploy.ts). */
  admin: 0,
  /** Hold DAO_ROLE and propose the demo bounties. Account 1 is also the deployment's default DAO. */
  daos: [1, 3],
  /** Publishes scores (EVALUATOR_ROLE; the worker's default evaluator key on anvil). */
  evaluator: 2,
  /** Fund the demo bounties. */
  backers: [4, 5, 6, 7],
  /** Operates the local pool and signs its claims and submissions. */
  trainer: 8,
  /** Touched by nothing: a newcomer's wallet with ETH and ctUSD and no history. */
  newcomer: 9,
} as const;

/** The parts anvil account `index` plays in the demo, in words ("DAO", "backer", …); none past account 9. */
export function demoParts(index: number): string[] {
  const parts: string[] = [];
  if (index === DEMO_ACCOUNTS.admin) parts.push("admin");
  if ((DEMO_ACCOUNTS.daos as readonly number[]).includes(index)) parts.push("DAO");
  if (index === DEMO_ACCOUNTS.evaluator) parts.push("evaluator");
  if ((DEMO_ACCOUNTS.backers as readonly number[]).includes(index)) parts.push("backer");
  if (index === DEMO_ACCOUNTS.trainer) parts.push("trainer");
  if (index === DEMO_ACCOUNTS.newcomer) parts.push("newcomer");
  return parts;
}

export function anvilAccount(index: number) {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
}

/** The private key of an anvil test account (public knowledge: dev and tests only). */
export function anvilPrivateKey(index: number): Hex {
  return toHex(anvilAccount(index).getHdKey().privateKey as Uint8Array);
}
