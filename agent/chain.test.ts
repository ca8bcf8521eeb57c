/** Revert decoding and lease checks of the chain layer (the transactions themselves run against anvil in integration). */
import {
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  encodeFunctionResult,
  HttpRequestError,
} from "viem";
import { describe, expect, it } from "vitest";
import { bountyBoardAbi } from "../core/abi.js";
import type { LeaseView } from "../core/pool-api.js";
import { bountyRefOf, describeChainError } from "./chain.js";
import { LeaseFailure } from "./util.js";

const BOARD = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

function revert(errorName: string, args: readonly unknown[], functionName = "claim") {
  const data = encodeErrorResult({ abi: bountyBoardAbi, errorName: errorName as never, args: args as never });
  const cause = new ContractFunctionRevertedError({ abi: bountyBoardAbi, data, functionName });
  // As viem's simulateContract throws it: the revert wrapped in an execution error.
  return new ContractFunctionExecutionError(cause, {
    abi: bountyBoardAbi,
    functionName,
    args: [1n],
    contractAddress: BOARD,
  });
}

describe("describeChainError", () => {
  it("decodes a board error with its argument names and enum values, and calls it final", () => {
    expect(describeChainError(revert("BountyBoard_WrongStatus", [3n, 3]), "claim")).toEqual({
      reason: "claim reverted: BountyBoard_WrongStatus(bountyId=3, status=Fulfilled)",
      retryable: false,
    });
    expect(describeChainError(revert("BountyBoard_DeliveryClosed", [3n, 1_700_000_000n]), "claim")).toEqual({
      reason: "claim reverted: BountyBoard_DeliveryClosed(bountyId=3, deliveryDeadline=1700000000)",
      retryable: false,
    });
  });

  it("leaves trainer-specific reverts retryable (another pool may succeed)", () => {
    const trainer = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    expect(
      describeChainError(
        revert("BountyBoard_TooManySubmissions", [3n, trainer, 5], "submitCheckpoint"),
        "submitCheckpoint",
      ),
    ).toEqual({
      reason: `submitCheckpoint reverted: BountyBoard_TooManySubmissions(bountyId=3, trainer=${trainer}, max=5)`,
      retryable: true,
    });
  });

  it("reports reverts without a custom error, RPC failures and other errors as retryable", () => {
    const data = encodeErrorResult({
      abi: [{ type: "error", name: "Error", inputs: [{ name: "message", type: "string" }] }],
      errorName: "Error",
      args: ["nope"],
    });
    const stringRevert = new ContractFunctionRevertedError({
      abi: bountyBoardAbi,
      data,
      functionName: "claim",
    });
    expect(describeChainError(stringRevert, "claim")).toEqual({
      reason: "claim reverted: nope",
      retryable: true,
    });

    const http = new HttpRequestError({ url: "http://127.0.0.1:8545", details: "ECONNREFUSED" });
    const described = describeChainError(http, "claim");
    expect(described.retryable).toBe(true);
    expect(described.reason).toMatch(/^claim failed: HTTP request failed/);

    expect(describeChainError(new Error("socket hang up"), "claim")).toEqual({
      reason: "claim failed: socket hang up",
      retryable: true,
    });
    expect(describeChainError(new LeaseFailure("bond too high", false), "claim")).toEqual({
      reason: "bond too high",
      retryable: false,
    });
  });

  it("is not fooled by return data that is not an error", () => {
    const data = encodeFunctionResult({ abi: bountyBoardAbi, functionName: "submissionOf", result: 5n });
    const odd = new ContractFunctionRevertedError({ abi: bountyBoardAbi, data, functionName: "claim" });
    expect(describeChainError(odd, "claim").retryable).toBe(true);
  });
});

describe("bountyRefOf", () => {
  const lease = (bounty: Partial<LeaseView["bounty"]>) =>
    ({
      bounty: {
        chainId: 31337,
        bountyId: "12",
        board: BOARD.toLowerCase(),
        token: BOARD,
        specHash: "0x",
        ...bounty,
      },
    }) as LeaseView;

  it("turns the lease's bounty into a checked, checksummed reference", () => {
    expect(bountyRefOf(lease({}))).toEqual({ chainId: 31337, bountyId: 12n, board: BOARD });
  });

  it("fails non-retryably on a malformed bounty id or board", () => {
    for (const bad of [{ bountyId: "-1" }, { bountyId: "0x1" }, { board: "0x1234" }]) {
      const error = (() => {
        try {
          bountyRefOf(lease(bad));
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(LeaseFailure);
      expect((error as LeaseFailure).retryable).toBe(false);
    }
  });
});
