/**
 * A test fails on an unexpected console.error: errors printed and ignored are
 * how bugs hide. A test that expects one calls `allowConsoleError()`.
 */
import { afterEach, beforeEach, vi } from "vitest";

let printed: unknown[][] = [];
let allowed = false;

export function allowConsoleError() {
  allowed = true;
}

beforeEach(() => {
  printed = [];
  allowed = false;
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    printed.push(args);
  });
});

afterEach(() => {
  vi.mocked(console.error).mockRestore();
  if (printed.length > 0 && !allowed) {
    throw new Error(
      `unexpected console.error:\n${printed.map((args) => args.map(String).join(" ")).join("\n")}`,
    );
  }
});
