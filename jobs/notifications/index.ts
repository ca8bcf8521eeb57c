export * from "./on-bounty-event.js";
