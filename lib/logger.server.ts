/**
 * Structured logs (pino): one JSON line per event, with ids (bounty, job, tx
 * hash) as fields so a story can be followed across processes. Each process
 * names itself with `component`.
 */
import { pino } from "pino";

export type Logger = pino.Logger;

export function createLogger(component: string, level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ name: "crowdtrain", level, base: { component, pid: process.pid } });
}
