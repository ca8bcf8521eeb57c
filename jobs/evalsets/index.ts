export * from "./evalsets.js";
export * from "./reveal.js";
