/** The bounty list's choices, shared by its model (server) and its filter form (browser). */
export const BOUNTY_SORTS = ["funding", "backers", "newest", "score"] as const;
export type BountySort = (typeof BOUNTY_SORTS)[number];
export const LISTED_STATUSES = [
  "Funding",
  "Funded",
  "Verifying",
  "Fulfilled",
  "Failed",
  "Cancelled",
] as const;
