export * from "./dispatcher.js";
export * from "./on-bounty-funded.js";
export * from "./pools.js";
export * from "./priority.js";
export * from "./queue-status.js";
export * from "./reoffer.js";
