/**
 * A periodic task that runs on one process at a time: every `intervalMs` the process that takes the Redis
 * lock (SET NX, held for one interval) runs it; a run still going when the next tick comes skips that
 * tick. Errors are logged, never thrown. Returns a stop function.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "../core/logger.js";

export function everyIntervalOnOneProcess(
  options: { redis: Redis; lockKey: string; intervalMs: number; log: Logger; what: string },
  task: () => Promise<void>,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void (async () => {
      if (!(await options.redis.set(options.lockKey, randomUUID(), "PX", options.intervalMs, "NX"))) return;
      await task();
    })()
      .catch((error: unknown) => options.log.error({ err: error }, `${options.what} failed`))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
