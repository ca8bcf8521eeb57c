import { describe, expect, it } from "vitest";
import { bullScript } from "./lease-scripts.server.js";

describe("bullScript", () => {
  it("reads BullMQ's own Lua script from the installed package", () => {
    const script = bullScript("moveToActive", 11, 3);
    expect(script.content).toContain("RPOPLPUSH");
    expect(script.keys).toBe(11);
  });

  it("refuses a script whose shape changed, naming what changed", () => {
    expect(() => bullScript("moveToActive", 12, 3)).toThrow(/moveToActive script takes 11 keys, not 12/);
    expect(() => bullScript("moveToActive", 11, 2)).toThrow(/no longer reads exactly 2 arguments/);
    expect(() => bullScript("moveToFinished", 14, 10)).toThrow(/no longer reads exactly 10 arguments/);
    expect(() => bullScript("noSuchScript", 1, 1)).toThrow(/noSuchScript script is missing/);
  });
});
