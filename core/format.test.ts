import { describe, expect, it } from "vitest";
import {
  formatAmount,
  formatScore,
  formatTokenAmount,
  formatUtc,
  formatValue,
  parseAmount,
  percentOf,
  shortHex,
  timeLeft,
} from "./format.js";

describe("formatAmount", () => {
  it("shows base units as whole tokens with separators and the symbol", () => {
    expect(formatAmount("1250500000", 6, "CTT")).toBe("1,250.5 CTT");
    expect(formatAmount("1000000", 6, "ctUSD")).toBe("1 ctUSD");
    expect(formatAmount("0", 18, "WETH")).toBe("0 WETH");
    expect(formatAmount("999", 3, "X")).toBe("0.999 X");
    expect(formatAmount("123456789", 0, "RAW")).toBe("123,456,789 RAW");
  });

  it("is exact for amounts past a double's precision", () => {
    expect(formatAmount("123456789012345678901234567890", 18, "T")).toBe(
      "123,456,789,012.34567890123456789 T",
    );
    expect(formatAmount("1", 18, "T")).toBe("0.000000000000000001 T");
  });

  it("keeps the sign of a negative amount", () => {
    expect(formatAmount("-1234500", 3, "T")).toBe("-1,234.5 T");
  });
});

describe("formatTokenAmount", () => {
  it("formats with the indexed decimals, or shows base units while they are unknown", () => {
    expect(formatTokenAmount("2500000", { tokenSymbol: "ctUSD", tokenDecimals: 6 })).toBe("2.5 ctUSD");
    expect(formatTokenAmount("2500000", { tokenSymbol: null, tokenDecimals: null })).toBe(
      "2500000 base units",
    );
  });
});

describe("the other helpers", () => {
  it("formats values, shortens hex and computes percentages", () => {
    expect(formatValue(1234.5678)).toBe("1,234.57");
    expect(formatValue(0)).toBe("0");
    expect(shortHex("0x5FbDB2315678afecb367f032d93F642f64180aa3")).toBe("0x5FbD…0aa3");
    expect(percentOf("50", "200")).toBe(25);
    expect(percentOf("500", "200")).toBe(100);
  });
});

describe("times", () => {
  it("writes moments in UTC, the same text everywhere", () => {
    expect(formatUtc("2026-11-27T21:50:39.123Z")).toBe("2026-11-27 21:50 UTC");
    expect(formatUtc("2026-09-01T23:59:59+02:00")).toBe("2026-09-01 21:59 UTC");
    expect(formatUtc(Date.UTC(2027, 0, 2, 0, 5))).toBe("2027-01-02 00:05 UTC");
    expect(formatUtc("not a date")).toBe("—");
  });

  it("counts time left from the given now, in the largest unit", () => {
    const now = Date.parse("2026-11-27T00:00:00Z");
    const at = (seconds: number) => String(now / 1000 + seconds);
    expect(timeLeft(at(7 * 86_400), now)).toBe("7 d left");
    // Two units, so "6 d" never hides the 23 hours beside it.
    expect(timeLeft(at(7 * 86_400 - 1), now)).toBe("6 d 23 h left");
    expect(timeLeft(at(3 * 3_600 + 59), now)).toBe("3 h left");
    expect(timeLeft(at(2 * 3_600 + 5 * 60), now)).toBe("2 h 5 min left");
    expect(timeLeft(at(30), now)).toBe("1 min left");
    expect(timeLeft(at(0), now)).toBe("ended");
  });
});

describe("parseAmount", () => {
  it("reads whole tokens into base units", () => {
    expect(parseAmount(" 12.5 ", 6)).toBe(12_500_000n);
    expect(parseAmount("0", 6, { allowZero: true })).toBe(0n);
  });
  it.each([
    ["abc", "Enter an amount such as 25 or 12.5."],
    ["-3", "Enter an amount such as 25 or 12.5."],
    ["1.0000001", "This token has 6 decimals: use at most that many."],
    ["0", "The amount must be more than zero."],
  ])("explains %j", (text, message) => {
    expect(parseAmount(text, 6)).toBe(message);
  });
});

describe("formatScore", () => {
  it.each([
    [11.024105568, "11.02"],
    [0.923456, "0.9235"],
    [1234.56, "1,235"],
    [0.0125, "0.0125"],
    [-2.000001, "-2"],
    [0.00001234567, "0.00001235"],
    [-0.5, "-0.5"],
    [3, "3"],
  ])("shows %d as %s", (value, text) => {
    expect(formatScore(value)).toBe(text);
  });
});
