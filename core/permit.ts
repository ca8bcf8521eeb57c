/**
 * EIP-2612 permit typed data, shared by everything that signs a permit for
 * `fundWithPermit`: the browser wallet flow, the tests and the benchmarks.
 * No secrets and no I/O, so it is safe in the browser bundle.
 */
import type { Address } from "viem";

export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export interface PermitRequest {
  /** The token's EIP-712 domain (its `eip712Domain()`, or name/version "1" for OpenZeppelin ERC20Permit). */
  domain: { name: string; version: string; chainId: number; verifyingContract: Address };
  owner: Address;
  spender: Address;
  value: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** The argument of viem's `signTypedData` for a permit. */
export function permitTypedData(request: PermitRequest) {
  const { domain, owner, spender, value, nonce, deadline } = request;
  return {
    domain,
    types: PERMIT_TYPES,
    primaryType: "Permit" as const,
    message: { owner, spender, value, nonce, deadline },
  };
}
