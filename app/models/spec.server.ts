/** Bounty specs and revealed checkpoints as the platform stores them (jobs/bounties), for loaders and actions. */
export { findSpec, isCheckpointRevealed, registerSpec } from "../../jobs/bounties/index.js";
