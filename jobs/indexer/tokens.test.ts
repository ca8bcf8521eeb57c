import { encodeAbiParameters, stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { decodeTokenDecimals, decodeTokenText } from "./tokens.js";

const abiString = (value: string) => encodeAbiParameters([{ type: "string" }], [value]);

describe("decodeTokenText", () => {
  it("reads an ABI string and a bytes32 (up to its first NUL)", () => {
    expect(decodeTokenText(abiString("ctUSD"), "symbol", 32)).toBe("ctUSD");
    expect(decodeTokenText(stringToHex("MKR", { size: 32 }), "symbol", 32)).toBe("MKR");
    expect(decodeTokenText(stringToHex("Maker", { size: 32 }), "name", 128)).toBe("Maker");
  });

  it("drops control characters (NUL included), trims, and caps the length", () => {
    expect(decodeTokenText(abiString(" C\u0000T\nT\u007f "), "symbol", 32)).toBe("CTT");
    expect(decodeTokenText(abiString("x".repeat(40)), "symbol", 32)).toBe(`${"x".repeat(31)}…`);
    expect(decodeTokenText(abiString("🦊".repeat(40)), "symbol", 32)).toHaveLength(63); // 31 foxes (2 units each) + …
  });

  it("gives nothing for empty text or an answer that is neither", () => {
    expect(decodeTokenText(abiString(""), "symbol", 32)).toBeUndefined();
    expect(decodeTokenText(abiString("\u0000\u0001"), "symbol", 32)).toBeUndefined();
    expect(decodeTokenText(`0x${"00".repeat(32)}`, "symbol", 32)).toBeUndefined();
    expect(decodeTokenText("0x1234", "symbol", 32)).toBeUndefined();
  });
});

describe("decodeTokenDecimals", () => {
  it("reads a uint8 and refuses what is short or larger", () => {
    expect(decodeTokenDecimals(encodeAbiParameters([{ type: "uint8" }], [6]))).toBe(6);
    expect(decodeTokenDecimals(encodeAbiParameters([{ type: "uint256" }], [255n]))).toBe(255);
    expect(decodeTokenDecimals(encodeAbiParameters([{ type: "uint256" }], [256n]))).toBeUndefined();
    expect(decodeTokenDecimals("0x06")).toBeUndefined();
  });
});
