/**
 * wagmi configuration for the browser. Built from the public environment the
 * root loader sends (chain id and RPC URL), so server and client render the
 * same thing; `ssr: true` defers reading wallet state until hydration.
 * No WalletConnect or other remote relays: injected wallets only (offline-safe).
 */

import { defineChain } from "viem";
import { createConfig, http } from "wagmi";
import { injected } from "wagmi/connectors";
import type { PublicEnv } from "../lib/env.server.js"; // type only: erased from the browser bundle

export function chainFor(publicEnv: PublicEnv) {
  return defineChain({
    id: publicEnv.chainId,
    name: publicEnv.chainId === 31_337 ? "Anvil (local)" : `Chain ${publicEnv.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [publicEnv.rpcUrl] } },
  });
}

export function createWagmiConfig(publicEnv: PublicEnv) {
  const chain = chainFor(publicEnv);
  return createConfig({
    chains: [chain],
    connectors: [injected()],
    transports: { [chain.id]: http(publicEnv.rpcUrl) },
    ssr: true,
  });
}
