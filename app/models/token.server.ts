/** Tokens as the index holds them (jobs/indexer): the allowlist state and decimals the forms check against. */
export { indexedToken } from "../../jobs/indexer/index.js";
