import { describe, expect, it } from "vitest";
import { describeEvent } from "./board-events.js";

const ctusd = { tokenSymbol: "ctUSD", tokenDecimals: 6 };
const ZERO = "0x0000000000000000000000000000000000000000";
const BACKER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";

describe("describeEvent", () => {
  it("says what a share Transfer was: a contribution, a move or a burn", () => {
    expect(describeEvent("Transfer", { sender: ZERO, receiver: BACKER, amount: "2500000" }, ctusd)).toBe(
      "Contributed 2.5 ctUSD by 0x15d3…6A65",
    );
    expect(describeEvent("Transfer", { sender: BACKER, receiver: ZERO, amount: "1000000" }, ctusd)).toBe(
      "Shares burned 1 ctUSD",
    );
    expect(
      describeEvent(
        "Transfer",
        { sender: BACKER, receiver: `0x${"ab".repeat(20)}`, amount: "1000000" },
        ctusd,
      ),
    ).toBe("Moved 1 ctUSD of shares from 0x15d3…6A65 to 0xabab…abab");
  });

  it("names scores, outcomes and statuses in words, scores to four digits", () => {
    expect(
      describeEvent(
        "EvaluationPublished",
        { submissionId: "3", score: "11024105568", qualifies: true },
        ctusd,
      ),
    ).toBe("Submission #3 scored 11.02 (qualifies)");
    expect(describeEvent("DisputeResolved", { disputeId: "1", outcome: 3 }, ctusd)).toBe(
      "Dispute #1 resolved: upheld",
    );
    expect(describeEvent("BountyFinalized", { status: 2, winningSubmissionId: "4" }, ctusd)).toMatch(
      /^Finalized as \w+, submission #4 won$/,
    );
  });

  it("leaves out what is missing or malformed instead of printing undefined", () => {
    expect(describeEvent("BountyCreated", {}, ctusd)).toBe("Proposed");
    expect(describeEvent("Refunded", { amount: "x", backer: 12 }, ctusd)).toBe("Refund");
    expect(describeEvent("SomethingNew", {}, ctusd)).toBe("SomethingNew");
  });

  it("shows base units while the token's decimals are unknown", () => {
    expect(
      describeEvent(
        "RevenueDeposited",
        { amount: "500", from: BACKER },
        { tokenSymbol: null, tokenDecimals: null },
      ),
    ).toBe("Revenue of 500 base units deposited by 0x15d3…6A65");
  });
});
