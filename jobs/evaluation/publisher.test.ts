import {
  ExecutionRevertedError,
  encodeErrorResult,
  HttpRequestError,
  RpcRequestError,
  TimeoutError,
} from "viem";
import { describe, expect, it } from "vitest";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { isRevert, revertReason } from "./publisher.js";

describe("isRevert", () => {
  it("knows the board's refusal: the node's revert, or an RPC error carrying the revert data", () => {
    expect(isRevert(new ExecutionRevertedError({ message: "execution reverted" }))).toBe(true);
    const data = encodeErrorResult({
      abi: bountyBoardAbi,
      errorName: "BountyBoard_UnknownSubmission",
      args: [7n],
    });
    const refused = new RpcRequestError({
      body: { method: "eth_call" },
      error: { code: 3, message: "execution reverted", data },
      url: "http://127.0.0.1:8545",
    });
    expect(isRevert(refused)).toBe(true);
    expect(revertReason(refused)).toBe("BountyBoard_UnknownSubmission(7)");
  });

  it("does not take a call that got no answer for a refusal", () => {
    expect(isRevert(new TimeoutError({ body: { method: "eth_call" }, url: "http://127.0.0.1:8545" }))).toBe(
      false,
    );
    expect(isRevert(new HttpRequestError({ url: "http://127.0.0.1:8545", details: "fetch failed" }))).toBe(
      false,
    );
    expect(isRevert(new Error("socket hang up"))).toBe(false);
  });
});
