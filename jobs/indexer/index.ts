export * from "./indexer.js";
export * from "./store.js";
export * from "./tokens.js";
