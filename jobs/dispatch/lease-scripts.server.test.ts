import { describe, expect, it } from "vitest";
import { bullScript, checkQueueKeys, keepJobsOf } from "./lease-scripts.server.js";

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

describe("keepJobsOf", () => {
  it("reads removeOnComplete as BullMQ does", () => {
    expect(keepJobsOf(true)).toEqual({ count: 0 });
    expect(keepJobsOf(false)).toEqual({ count: -1 });
    expect(keepJobsOf(undefined)).toEqual({ count: -1 });
    expect(keepJobsOf(25)).toEqual({ count: 25 });
    expect(keepJobsOf(0)).toEqual({ count: 0 });
    expect(keepJobsOf({ count: 10, age: 60 })).toEqual({ count: 10, age: 60 });
  });
});

describe("checkQueueKeys", () => {
  const queueNamed = (keyOf: (name: string) => string) =>
    ({
      name: "train-v0-g0",
      keys: new Proxy({} as Record<string, string>, { get: (_, name) => keyOf(String(name)) }),
      scripts: {
        moveToCompletedArgs: () =>
          [
            ...["wait", "active", "prioritized", "events", "stalled", "limiter", "delayed", "paused", "meta"],
            ...["pc", "completed", "probe", "metrics:completed", "marker"],
          ].map(keyOf),
      },
    }) as never;

  it("accepts keys named as the prefix then the key's name", () => {
    expect(() => checkQueueKeys(queueNamed((name) => `bull:train-v0-g0:${name}`))).not.toThrow();
  });

  it("refuses a queue whose keys are named otherwise", () => {
    expect(() =>
      checkQueueKeys(
        queueNamed((name) => (name === "marker" ? "bull:{train}:marker" : `bull:train-v0-g0:${name}`)),
      ),
    ).toThrow(/names the keys of queue train-v0-g0 differently/);
  });
});
