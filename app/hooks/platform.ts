/**
 * What every page's wallet actions need to know, from the root loader: the
 * chain, the contract addresses, and the signed-in account with its CSRF token.
 * Browser-safe (no server imports).
 */
import { createContext, useContext } from "react";
import type { Address } from "viem";

export interface Platform {
  chainId: number;
  contracts: { board: Address | null; testToken: Address | null };
  user: { address: string; csrf: string } | null;
}

export const PlatformContext = createContext<Platform>({
  chainId: 0,
  contracts: { board: null, testToken: null },
  user: null,
});

export function usePlatform(): Platform {
  return useContext(PlatformContext);
}
