export * from "./on-bounty-event.js";
export * from "./webhooks.js";
