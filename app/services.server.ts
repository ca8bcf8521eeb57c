/**
 * The web process's long-lived resources: configuration, database pool, Redis
 * producer connection and chain client. Created once per process on first use
 * (`remix dev` restarts the server process on every rebuild, so nothing leaks
 * across builds) and released on SIGINT/SIGTERM so the process can exit.
 */
import type { Redis } from "ioredis";
import type { PublicClient } from "viem";
import { type DbHandle, openDb, serverDbTarget } from "../db/client.server.js";
import { createChainClient } from "../lib/chain.server.js";
import { type Env, env } from "../lib/env.server.js";
import type { Logger } from "../lib/logger.server.js";
import { createRedis } from "../lib/redis.server.js";
import { webLogger } from "./logger.server";

export interface Services {
  config: Env;
  log: Logger;
  db: DbHandle;
  redis: Redis;
  chain: PublicClient;
}

let services_: Promise<Services> | undefined;

async function create(): Promise<Services> {
  const config = env();
  const log = webLogger();
  const redis = createRedis(config.REDIS_URL, "producer");
  // Reconnection is ioredis's job; a down Redis shows in /healthz, not as a crash.
  redis.on("error", (error) => log.debug({ err: error.message }, "redis connection error"));
  const db = await openDb(serverDbTarget(config));
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
  services_ ??= create().catch((error) => {
    services_ = undefined;
    throw error;
  });
  return services_;
}
