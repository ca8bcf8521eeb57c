import {
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  InsufficientFundsError,
  TransactionExecutionError,
  UserRejectedRequestError,
  zeroAddress,
} from "viem";
import { describe, expect, it } from "vitest";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { boardErrorsAbi, explainWalletError, when } from "./wallet-errors.js";

const board = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** A revert as viem's simulateContract reports it: the decoded error wrapped in the call's error. */
function revert(errorName: string, args: readonly unknown[]) {
  const data = encodeErrorResult({ abi: boardErrorsAbi, errorName, args } as never);
  return new ContractFunctionExecutionError(
    new ContractFunctionRevertedError({ abi: boardErrorsAbi, data, functionName: "fund" }),
    { abi: boardErrorsAbi, functionName: "fund", args: [1n, 10n], contractAddress: board },
  );
}

describe("explainWalletError", () => {
  it("decodes a token's allowance error bubbling up through the board", () => {
    const explained = explainWalletError(revert("ERC20InsufficientAllowance", [board, 5n, 10n]));
    expect(explained).toEqual({
      kind: "revert",
      errorName: "ERC20InsufficientAllowance",
      message: expect.stringContaining("approve the amount first"),
    });
    expect(explained.message).toContain("only 5 base units");
  });

  it("names the balance shortfall", () => {
    const explained = explainWalletError(revert("ERC20InsufficientBalance", [zeroAddress, 3n, 10n]));
    expect(explained.message).toBe("Your token balance is 3 base units; this needs 10.");
  });

  it("says what a share transfer lacks", () => {
    expect(explainWalletError(revert("ERC6909InsufficientBalance", [zeroAddress, 4n, 10n, 3n])).message).toBe(
      "You hold 4 shares of bounty #3; this moves 10.",
    );
    expect(explainWalletError(revert("ERC6909InvalidReceiver", [zeroAddress])).message).toMatch(
      /give a recipient/,
    );
  });

  it("turns a board error's enum argument into its name", () => {
    expect(explainWalletError(revert("BountyBoard_WrongStatus", [7n, 4])).message).toBe(
      "Bounty #7 is Failed, so this is not possible now.",
    );
  });

  it("explains every board error as a sentence, never as its bare name", () => {
    const explained = explainWalletError(revert("BountyBoard_BadUri", [0n]));
    expect(explained).toMatchObject({ kind: "revert", errorName: "BountyBoard_BadUri" });
    expect(explained.message).toBe("The address must be 1 to 512 bytes long.");
    const errors = bountyBoardAbi.filter(
      (item): item is Extract<(typeof bountyBoardAbi)[number], { type: "error" }> =>
        item.type === "error" && item.name.startsWith("BountyBoard_"),
    );
    for (const error of errors) {
      const args = error.inputs.map((input) =>
        input.type === "string"
          ? "x"
          : input.type === "address"
            ? "0x0000000000000000000000000000000000000001"
            : input.type === "bytes32"
              ? `0x${"11".repeat(32)}`
              : 1n,
      );
      const message = explainWalletError(revert(error.name, args)).message;
      expect(message, error.name).not.toContain("would revert");
    }
  });

  it("recognises a rejected signature however deep it is wrapped", () => {
    const rejected = new TransactionExecutionError(
      new UserRejectedRequestError(new Error("User rejected the request.")),
      { account: { address: zeroAddress, type: "json-rpc" }, chain: undefined },
    );
    expect(explainWalletError(rejected).kind).toBe("rejected");
    expect(explainWalletError(rejected).message).toMatch(/nothing was sent/);
  });

  it("says when gas cannot be paid", () => {
    const poor = new TransactionExecutionError(new InsufficientFundsError(), {
      account: { address: zeroAddress, type: "json-rpc" },
      chain: undefined,
    });
    expect(explainWalletError(poor)).toMatchObject({ kind: "funds" });
  });

  it("tells a missing wallet and a wrong network apart", () => {
    const noWallet = Object.assign(new Error("Provider not found."), { name: "ProviderNotFoundError" });
    expect(explainWalletError(noWallet)).toEqual({
      kind: "no-wallet",
      message: "No browser wallet found. Install one (MetaMask, Rabby, …) to fund bounties.",
    });
    const mismatch = Object.assign(new Error("chain mismatch"), { name: "ChainMismatchError" });
    expect(explainWalletError(mismatch).kind).toBe("wrong-network");
  });
});

describe("when: a chain time for people", () => {
  const now = Date.UTC(2026, 11, 7, 14, 2, 0);
  it("gives the UTC minute and how far off it is", () => {
    expect(when(Date.UTC(2026, 11, 7, 14, 5, 0) / 1000, now)).toBe("2026-12-07 14:05 UTC, in 3 min");
    expect(when(Date.UTC(2026, 11, 7, 14, 2, 40) / 1000, now)).toBe("2026-12-07 14:02 UTC, in 40 s");
    expect(when(Date.UTC(2026, 11, 7, 18, 2, 0) / 1000, now)).toBe("2026-12-07 18:02 UTC, in 4 h");
    expect(when(Date.UTC(2026, 11, 10, 14, 2, 0) / 1000, now)).toBe("2026-12-10 14:02 UTC, in 3 d");
    expect(when(Date.UTC(2026, 11, 7, 14, 0, 0) / 1000, now)).toBe("2026-12-07 14:00 UTC, now");
    expect(when(0, now)).toBe("later");
  });
});
