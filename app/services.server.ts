/**
 * The web process's long-lived resources: configuration, database pool, Redis
 * producer connection and chain client. Created once per process on first use
 * (`remix dev` restarts the server process on every rebuild, so nothing leaks
 * across builds) and released on SIGINT/SIGTERM so the process can exit.
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { PublicClient } from "viem";
import type { Logger } from "../core/logger.js";
import { type DbHandle, openDb, serverDbTarget } from "../db/client.js";
import { type Dispatcher, dispatcherFromEnv } from "../jobs/dispatch/index.js";
import { createQueue, QUEUE } from "../jobs/queues.js";
import { ArtifactStore } from "../server/artifacts.js";
import { createChainClient } from "../server/chain.js";
import { type Env, env } from "../server/env.js";
import { createRedis } from "../server/redis.js";
import { webLogger } from "./logger.server.js";

export interface Services {
  config: Env;
  log: Logger;
  db: DbHandle;
  redis: Redis;
  chain: PublicClient;
  /** Leases jobs to pool agents (the API under /api/pool). Its maintenance runs in the worker process. */
  dispatcher: Dispatcher;
  artifacts: ArtifactStore;
  /** The worker's dispatch queue, for bounties a registered spec unblocks. */
  dispatchQueue: Queue;
}

let services_: Promise<Services> | undefined;

async function create(): Promise<Services> {
  const config = env();
  const log = webLogger();
  // Commands time out: a stalled Redis (up, but not answering) fails a call instead of holding a request.
  const redis = createRedis(config.REDIS_URL, "producer", { commandTimeout: 2_000 });
  // Reconnection is ioredis's job; a down Redis shows in /healthz, not as a crash.
  redis.on("error", (error) => log.debug({ err: error }, "redis connection error"));
  const db = await openDb(serverDbTarget(config));
  const chain = createChainClient(config.RPC_URL, config.HEALTH_TIMEOUT_MS);
  // The dispatcher's connection retries forever (server/redis.ts): a pool agent's call waits out a
  // Redis restart instead of failing.
  const dispatchRedis = createRedis(config.REDIS_URL, "worker");
  dispatchRedis.on("error", (error) => log.debug({ err: error }, "redis connection error"));
  const dispatcher = dispatcherFromEnv(config, { connection: dispatchRedis, db: db.db, log });
  const artifacts = new ArtifactStore(config.ARTIFACTS_DIR);
  const dispatchQueue = createQueue(QUEUE.dispatch, redis, config.QUEUE_PREFIX);
  dispatchQueue.on("error", (error) => log.debug({ err: error }, "dispatch queue error"));
  // remix-serve closes its HTTP server on SIGINT/SIGTERM; release ours too so the process can exit.
  const release = () => {
    void dispatcher.close().finally(() => dispatchRedis.disconnect());
    void dispatchQueue.close().finally(() => redis.disconnect());
    void db.close();
  };
  process.once("SIGTERM", release);
  process.once("SIGINT", release);
  return { config, log, db, redis, chain, dispatcher, artifacts, dispatchQueue };
}

export function services(): Promise<Services> {
  services_ ??= create().catch((error) => {
    services_ = undefined;
    throw error;
  });
  return services_;
}
