/**
 * The one priority function of the dispatcher (ADR 007). Pure, so the
 * enqueuer, the periodic re-prioritizer, the queue-position estimate and the
 * tests all compute the same number.
 *
 *   score = log2(1 + funding) + log2(1 + backers) + agingPerHour * hoursWaiting
 *
 * - `funding` is the bounty's raised amount in reference units: base units /
 *   10^decimals * the token's configured reference price (TOKEN_PRICES), so
 *   bounties in different tokens compare fairly.
 * - Both logarithms give diminishing returns: doubling the funding, or the
 *   number of backers, buys one point.
 * - Waiting buys `agingPerHour` points an hour without bound, while the other
 *   terms are bounded (funding by the token supply), so every waiting bounty
 *   eventually outranks any newcomer: nothing starves.
 *
 * BullMQ serves the lowest priority number first, from 1 to 2^21; the score is
 * mapped onto that range at a resolution of 1/1000 point.
 */

/** BullMQ's largest priority (its lowest urgency). */
export const BULL_PRIORITY_MAX = 2_097_152;
/** Score units per BullMQ priority step. */
export const SCORE_RESOLUTION = 1_000;
/** Default aging: an hour of waiting is worth doubling the funding. */
export const DEFAULT_AGING_PER_HOUR = 1;

export interface PriorityInput {
  /** Raised amount in token base units. */
  raised: bigint;
  /** The token's decimals. */
  decimals: number;
  /** Reference price of one whole token (e.g. in USD). */
  price: number;
  /** Distinct backers. */
  backers: number;
  /** When the bounty started waiting for compute (ms since epoch). */
  enqueuedAt: number;
}

/** The raised amount in reference units (a float: precision beyond ~15 digits does not matter here). */
export function fundingValue(raised: bigint, decimals: number, price: number): number {
  if (raised <= 0n || price <= 0) return 0;
  const scale = 10n ** BigInt(decimals);
  const whole = Number(raised / scale) + Number(raised % scale) / Number(scale);
  return whole * price;
}

/** The priority score: higher is served earlier. */
export function priorityScore(
  input: PriorityInput,
  now: number,
  agingPerHour = DEFAULT_AGING_PER_HOUR,
): number {
  const hours = Math.max(0, now - input.enqueuedAt) / 3_600_000;
  return (
    Math.log2(1 + fundingValue(input.raised, input.decimals, input.price)) +
    Math.log2(1 + Math.max(0, input.backers)) +
    agingPerHour * hours
  );
}

/** A score as a BullMQ priority: 1 (first) .. 2^21 (last); every job gets an explicit one. */
export function bullPriority(score: number): number {
  const steps = Math.round(score * SCORE_RESOLUTION);
  return Math.min(BULL_PRIORITY_MAX, Math.max(1, BULL_PRIORITY_MAX - steps));
}
