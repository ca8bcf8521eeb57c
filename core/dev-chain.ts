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

export function anvilAccount(index: number) {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
}

/** The private key of an anvil test account (public knowledge: dev and tests only). */
export function anvilPrivateKey(index: number): Hex {
  return toHex(anvilAccount(index).getHdKey().privateKey as Uint8Array);
}
