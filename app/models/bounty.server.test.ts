import { describe, expect, it } from "vitest";
import { placeLeases, type TimelineEntry, type TimelineStep } from "./bounty.server.js";

/** A timeline entry of `kind` at minute `minute` (null: no time); on-chain when `block` is given. */
const step = (
  key: string,
  kind: TimelineStep,
  minute: number | null,
  block: number | null = null,
): TimelineEntry => ({
  key,
  step: kind,
  event: kind,
  txHash: block === null ? null : `0x${key}`,
  blockNumber: block,
  logIndex: block === null ? null : 0,
  at: minute === null ? null : new Date(Date.UTC(2026, 11, 8, 12, minute)).toISOString(),
  args: {},
});

const keys = (entries: TimelineEntry[]) => entries.map((entry) => entry.key);

describe("placeLeases", () => {
  it("puts a lease after the funding and before what came later", () => {
    const onchain = [
      step("created", "proposed", 1, 1),
      step("backed", "contributed", 2, 2),
      step("funded", "funded", 3, 3),
      step("claimed", "claimed", 6, 5),
      step("paid", "paid", 9, 9),
    ];
    expect(keys(placeLeases(onchain, [step("lease", "leased", 4)]))).toEqual([
      "created",
      "backed",
      "funded",
      "lease",
      "claimed",
      "paid",
    ]);
  });

  it("keeps shares moved before or after the lease where they were, and a second lease after its first attempt's claim", () => {
    const onchain = [
      step("created", "proposed", 1, 1),
      step("moved-early", "shares", 2, 2),
      step("funded", "funded", 3, 3),
      step("moved-later", "shares", 4, 4),
      step("claimed", "claimed", 6, 5),
    ];
    const leases = [step("lease-1", "leased", 5), step("lease-2", "leased", 7)];
    expect(keys(placeLeases(onchain, leases))).toEqual([
      "created",
      "moved-early",
      "funded",
      "moved-later",
      "lease-1",
      "claimed",
      "lease-2",
    ]);
  });

  it("never puts a lease before the funding, even when the chain's clock runs ahead", () => {
    const onchain = [step("funded", "funded", 30, 3), step("claimed", "claimed", 40, 5)];
    expect(keys(placeLeases(onchain, [step("lease", "leased", 4)]))).toEqual(["funded", "lease", "claimed"]);
  });

  it("orders by time alone when the funding is older than the kept steps; a step without a time stops it", () => {
    expect(
      keys(
        placeLeases(
          [step("backed", "contributed", 2, 2), step("claimed", "claimed", 6, 6)],
          [step("lease", "leased", 4)],
        ),
      ),
    ).toEqual(["backed", "lease", "claimed"]);
    expect(keys(placeLeases([step("backed", "contributed", null, 2)], [step("lease", "leased", 4)]))).toEqual(
      ["lease", "backed"],
    );
  });
});
