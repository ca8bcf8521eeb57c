/** Display helpers shared by the pages (no server imports: safe in the browser bundle). */

/** `0x1234…abcd`: enough of an address or hash to recognise it; the full value goes in a title. */
export function shortHex(value: string, head = 6, tail = 4): string {
  return value.length <= head + tail + 1 ? value : `${value.slice(0, head)}…${value.slice(-tail)}`;
}

/** Raised against goal as a whole percentage (base units, any size), capped at 100 for bars. */
export function percentOf(raised: string, goal: string): number {
  const g = BigInt(goal);
  if (g === 0n) return 100;
  const pct = Number((BigInt(raised) * 100n) / g);
  return Math.min(100, pct);
}

/** Time left until a unix deadline (seconds), in the largest sensible unit, or "ended". */
export function timeLeft(deadline: string, nowMs = Date.now()): string {
  const seconds = Number(deadline) - Math.floor(nowMs / 1000);
  if (!(seconds > 0)) return "ended";
  if (seconds >= 86_400) return `${Math.floor(seconds / 86_400)} d left`;
  if (seconds >= 3_600) return `${Math.floor(seconds / 3_600)} h left`;
  return `${Math.max(1, Math.floor(seconds / 60))} min left`;
}
