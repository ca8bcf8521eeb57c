export * from "./gc.js";
export * from "./uploads.js";
