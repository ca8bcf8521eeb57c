/**
 * The checkpoint commitment of protocol v2 (ADR 016), computed off-chain exactly as the board's `commitmentOf`:
 * keccak256(abi.encode(checkpointHash, trainer, salt)). No I/O: the pool agent, the seeds, the tests and the
 * browser share it.
 */
import { type Address, encodeAbiParameters, type Hex, keccak256 } from "viem";

export function checkpointCommitment(checkpointHash: Hex, trainer: Address, salt: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "address" }, { type: "bytes32" }],
      [checkpointHash, trainer, salt],
    ),
  );
}

/** A fresh random 32-byte salt (Web Crypto: in Node and in browsers). */
export function randomSalt(): Hex {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
