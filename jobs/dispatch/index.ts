export * from "./dispatcher.server.js";
export * from "./on-bounty-funded.js";
export * from "./pools.server.js";
export * from "./priority.js";
export * from "./queue-status.server.js";
