export * from "./deploy.js";
export * from "./registry.js";
export * from "./sync.js";
