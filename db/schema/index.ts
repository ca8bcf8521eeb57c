// One Postgres-dialect schema for PGlite and Postgres alike: one file per aggregate.
export * from "./deployments.js";
