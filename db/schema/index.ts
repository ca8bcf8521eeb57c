// One PostgreSQL schema: one file per aggregate.
export * from "./bounties.js";
export * from "./deployments.js";
export * from "./dispatch.js";
export * from "./evaluation.js";
export * from "./indexer.js";
export * from "./notifications.js";
