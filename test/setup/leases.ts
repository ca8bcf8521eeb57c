import type { LeaseRow } from "../../db/schema/index.js";

/** The most leases of `rows` live at one instant, from their recorded intervals (start to end or expiry). */
export function peakConcurrency(rows: Pick<LeaseRow, "leasedAt" | "endedAt" | "expiresAt">[]): number {
  const events = rows
    .flatMap((r) => [
      { at: r.leasedAt.getTime(), delta: 1 },
      { at: (r.endedAt ?? r.expiresAt).getTime(), delta: -1 },
    ])
    // An end and a start at the same millisecond do not overlap.
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let active = 0;
  let peak = 0;
  for (const e of events) {
    active += e.delta;
    peak = Math.max(peak, active);
  }
  return peak;
}
