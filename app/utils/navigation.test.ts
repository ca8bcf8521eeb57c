import { describe, expect, it } from "vitest";
import { safeNext } from "./navigation.js";

describe("safeNext", () => {
  it("keeps a path on this site, with its query", () => {
    expect(safeNext("/propose?x=1")).toBe("/propose?x=1");
    expect(safeNext("/bounties/3#funding")).toBe("/bounties/3#funding");
  });
  it("re-serializes what it keeps, so a Location header is always valid", () => {
    expect(safeNext("/a\nb")).toBe("/ab");
    expect(safeNext("/ä")).toBe("/%C3%A4");
  });
  it.each([
    null,
    "",
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "propose",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\\/evil.example",
    " /evil",
  ])("sends %j home", (next) => {
    expect(safeNext(next)).toBe("/");
  });
});
