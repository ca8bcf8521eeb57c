/**
 * The platform's own signers (the evaluator publishing scores, the keeper finalizing bounties): a wallet
 * client for a configured private key or, on anvil, for the dev evaluator account. viem's nonce manager
 * keeps concurrent sends from one process in order.
 */
import {
  type Chain,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type LocalAccount,
  nonceManager,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ANVIL_CHAIN_ID, anvilPrivateKey, DEV_ACCOUNTS } from "../core/dev-chain.js";
import type { Env } from "./env.js";

export type ServerWallet = WalletClient<Transport, Chain, LocalAccount>;

/**
 * A wallet for `privateKey`; without one, anvil's evaluator account on chain 31337, else undefined (the
 * caller says what is then not done).
 */
export function serverWallet(
  config: Pick<Env, "RPC_URL" | "CHAIN_ID">,
  privateKey: string | undefined,
): ServerWallet | undefined {
  const key =
    privateKey ?? (config.CHAIN_ID === ANVIL_CHAIN_ID ? anvilPrivateKey(DEV_ACCOUNTS.evaluator) : undefined);
  if (!key) return undefined;
  const account = privateKeyToAccount(key as Hex, { nonceManager });
  const chain = defineChain({
    id: config.CHAIN_ID,
    name: `chain ${config.CHAIN_ID}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.RPC_URL] } },
  });
  return createWalletClient({ account, chain, transport: http(config.RPC_URL) });
}
