import { describe, expect, it } from "vitest";
import { withRetries } from "./retry.js";

class Transient extends Error {}

describe("withRetries", () => {
  it("retries transient errors until the call succeeds, telling each retry", async () => {
    const seen: number[] = [];
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw new Transient(`try ${calls}`);
        return "ok";
      },
      {
        retries: 5,
        minDelayMs: 1,
        isTransient: (e) => e instanceof Transient,
        onRetry: (i) => seen.push(i.attempt),
      },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(3);
    expect(seen).toEqual([1, 2]);
  });

  it("throws a non-transient error at once, unchanged", async () => {
    let calls = 0;
    const error = new Error("reverted");
    await expect(
      withRetries(
        async () => {
          calls++;
          throw error;
        },
        { retries: 5, minDelayMs: 1, isTransient: (e) => e instanceof Transient },
      ),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it("gives up after `retries` retries with the last error", async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw new Transient(`try ${calls}`);
        },
        { retries: 2, minDelayMs: 1, isTransient: () => true },
      ),
    ).rejects.toThrow("try 3");
    expect(calls).toBe(3);
  });

  it("keeps the answer of a call that succeeds while its signal aborts", async () => {
    const controller = new AbortController();
    const result = await withRetries(
      async () => {
        controller.abort(new Error("stopping"));
        return "done";
      },
      { retries: 3, minDelayMs: 1, isTransient: () => true, signal: controller.signal },
    );
    expect(result).toBe("done");
  });

  it("stops waiting when its signal aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = withRetries(
      async () => {
        throw new Transient("down");
      },
      {
        retries: 10,
        minDelayMs: 10_000,
        isTransient: () => true,
        signal: controller.signal,
        // The first try failed and the 10 s wait begins: stop now.
        onRetry: () => queueMicrotask(() => controller.abort(new Error("stopping"))),
      },
    );
    await expect(pending).rejects.toThrow("stopping");
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
