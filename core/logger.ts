/**
 * Structured logs (pino): one JSON line per event, with ids (bounty, job, tx hash) as fields so a story
 * can be followed across processes. Each process names itself with `component`. In core/ because every
 * process logs the same way, the pool agent (which ships without the server code) included.
 */
import { pino } from "pino";

export type Logger = pino.Logger;

export function createLogger(component: string, level = globalThis.process?.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ name: "crowdtrain", level, base: { component, pid: globalThis.process?.pid } });
}
