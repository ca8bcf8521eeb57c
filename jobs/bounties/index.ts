export * from "./checkpoints.js";
export * from "./specs.js";
