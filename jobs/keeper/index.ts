export * from "./keeper.js";
export * from "./schedule.js";
