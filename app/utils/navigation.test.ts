import { describe, expect, it } from "vitest";
import { safeNext } from "./navigation.js";

describe("safeNext", () => {
  it("keeps a path on this site, with its query", () => {
    expect(safeNext("/propose?x=1")).toBe("/propose?x=1");
  });
  it.each([null, "", "https://evil.example/", "//evil.example", "/\\evil.example", "propose"])(
    "sends %j home",
    (next) => {
      expect(safeNext(next)).toBe("/");
    },
  );
});
