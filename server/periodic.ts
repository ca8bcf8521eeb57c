/**
 * A periodic task that runs on one process at a time: every `intervalMs` the process that takes the Redis
 * lock (SET NX, held for one interval, and extended while its run lasts) runs it; a run still going when
 * the next tick comes skips that tick. Errors are logged, never thrown. Returns a stop function.
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
      const token = randomUUID();
      if (!(await options.redis.set(options.lockKey, token, "PX", options.intervalMs, "NX"))) return;
      // A run longer than an interval keeps the lock (while it is still ours), so no other process starts one.
      const extend = setInterval(
        () => {
          void options.redis
            .get(options.lockKey)
            .then((holder) =>
              holder === token ? options.redis.pexpire(options.lockKey, options.intervalMs) : undefined,
            )
            .catch(() => {});
        },
        Math.max(100, Math.floor(options.intervalMs / 2)),
      );
      try {
        await task();
      } finally {
        clearInterval(extend);
      }
    })()
      .catch((error: unknown) => options.log.error({ err: error }, `${options.what} failed`))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
