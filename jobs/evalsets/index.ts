export * from "./evalsets.js";
