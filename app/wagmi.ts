/**
 * wagmi configuration for the browser. Built from the public environment the
 * root loader sends (chain id, RPC URL, dev accounts), so server and client
 * render the same thing; `ssr: true` defers reading wallet state until hydration.
 * No WalletConnect or other remote relays: injected wallets only (offline-safe),
 * plus, on anvil in development, the dev wallet.
 */

import { type Address, defineChain } from "viem";
import { type CreateConnectorFn, createConfig, createConnector, http } from "wagmi";
import { injected, mock } from "wagmi/connectors";
import type { PublicEnv } from "../server/env.js"; // type only: erased from the browser bundle

export function chainFor(publicEnv: PublicEnv) {
  return defineChain({
    id: publicEnv.chainId,
    name: publicEnv.chainId === 31_337 ? "Anvil (local)" : `Chain ${publicEnv.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [publicEnv.rpcUrl] } },
  });
}

/** The connector id of the dev wallet's account `index`. */
export function devConnectorId(index: number) {
  return `anvil-${index}`;
}

/**
 * One connector per anvil test account. wagmi's `mock` connector forwards every
 * request to the chain's RPC, and anvil signs for its own unlocked accounts
 * (`eth_sign`, `eth_signTypedData_v4`, `eth_sendTransaction`), so no key is ever
 * in the browser. Each gets its own id so wagmi can reconnect it after a reload.
 */
function devWallet(account: Address, index: number, label: string): CreateConnectorFn {
  const base = mock({ accounts: [account], features: { reconnect: true } });
  const id = devConnectorId(index);
  const disconnectedKey = `${id}.disconnected` as const;
  return createConnector((config) => {
    const connector = base(config);
    return {
      ...connector,
      id,
      name: `Dev account #${index}${label ? ` (${label})` : ""}`,
      async connect(parameters) {
        await config.storage?.removeItem(disconnectedKey);
        return connector.connect.call(this, parameters);
      },
      async disconnect() {
        await config.storage?.setItem(disconnectedKey, true);
        return connector.disconnect.call(this);
      },
      // After a page load, reconnect the dev account last used, unless it was disconnected.
      async isAuthorized() {
        const recent = await config.storage?.getItem("recentConnectorId");
        return recent === id && !(await config.storage?.getItem(disconnectedKey));
      },
    } as typeof connector;
  });
}

export interface DevAccount {
  address: Address;
  /** The part it plays in the demo ("DAO", "evaluator", …), or "". */
  label: string;
}

let latest: { key: string; config: ReturnType<typeof createWagmiConfig> } | undefined;

/**
 * The config for these settings, built once and reused while they stay the
 * same. The server renders every page with it (building one costs about as
 * much as rendering a small page), which is safe: with `ssr: true` nothing
 * reads or stores wallet state until the browser hydrates.
 */
export function wagmiConfigFor(publicEnv: PublicEnv, devAccounts: DevAccount[]) {
  const key = JSON.stringify([publicEnv.chainId, publicEnv.rpcUrl, devAccounts]);
  if (latest?.key !== key) latest = { key, config: createWagmiConfig(publicEnv, devAccounts) };
  return latest.config;
}

export function createWagmiConfig(publicEnv: PublicEnv, devAccounts: DevAccount[]) {
  const chain = chainFor(publicEnv);
  return createConfig({
    chains: [chain],
    connectors: [
      injected(),
      ...devAccounts.map((account, index) => devWallet(account.address, index, account.label)),
    ],
    transports: { [chain.id]: http(publicEnv.rpcUrl) },
    ssr: true,
  });
}
