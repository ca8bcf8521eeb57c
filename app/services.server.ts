/**
 * The web process's long-lived resources: configuration, database, Redis
 * producer connection and chain client. Created once per process on first use
 * and kept on globalThis so `remix dev` rebuilds do not leak pools.
 */
import type { Redis } from "ioredis";
import type { PublicClient } from "viem";
import { type DbHandle, dbTargetFromEnv, openDb } from "../db/client.server.js";
import { createChainClient } from "../lib/chain.server.js";
import { type Env, env } from "../lib/env.server.js";
import { createLogger, type Logger } from "../lib/logger.server.js";
import { createRedis } from "../lib/redis.server.js";

export interface Services {
  config: Env;
  log: Logger;
  db: DbHandle;
  redis: Redis;
  chain: PublicClient;
}

const globalForServices = globalThis as unknown as { __crowdtrainServices?: Promise<Services> };

async function create(): Promise<Services> {
  const config = env();
  const log = createLogger("web", config.LOG_LEVEL);
  const redis = createRedis(config.REDIS_URL, "producer");
  // Reconnection is ioredis's job; a down Redis shows in /healthz, not as a crash.
  redis.on("error", (error) => log.debug({ err: error.message }, "redis connection error"));
  const db = await openDb(dbTargetFromEnv(config));
  const chain = createChainClient(config.RPC_URL, config.HEALTH_TIMEOUT_MS);
  // remix-serve closes its HTTP server on SIGINT/SIGTERM; release ours too so the process can exit.
  const release = () => {
    redis.disconnect();
    void db.close();
  };
  process.once("SIGTERM", release);
  process.once("SIGINT", release);
  return { config, log, db, redis, chain };
}

export function services(): Promise<Services> {
  globalForServices.__crowdtrainServices ??= create().catch((error) => {
    globalForServices.__crowdtrainServices = undefined;
    throw error;
  });
  return globalForServices.__crowdtrainServices;
}
