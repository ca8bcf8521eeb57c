/**
 * Redis connections for BullMQ. Two kinds, as BullMQ recommends:
 * - workers block on Redis and must retry forever (`maxRetriesPerRequest: null`);
 * - producers in the web process fail fast instead of queueing commands while
 *   Redis is down (`enableOfflineQueue: false`), so a request gets an error, not a hang.
 */
import { Redis, type RedisOptions } from "ioredis";

export type RedisRole = "worker" | "producer" | "probe";

const roleOptions: Record<RedisRole, RedisOptions> = {
  worker: { maxRetriesPerRequest: null },
  producer: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  // A health probe: one try, no reconnect loop in the background.
  probe: { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true },
};

export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  return new Redis(url, { connectionName: `crowdtrain:${role}`, ...roleOptions[role], ...extra });
}

/** Redis URL with credentials removed, for logs and /healthz. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
