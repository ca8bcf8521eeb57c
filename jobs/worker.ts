/**
 * The worker process: `npm run start:worker` (and `npm run dev` starts it).
 * Runs apart from the web server. SIGINT/SIGTERM stop taking jobs, wait for
 * running ones up to SHUTDOWN_TIMEOUT_MS, then exit (code 1 if it had to give up).
 */

import { createLogger } from "../core/logger.js";
import { openDb, serverDbTarget } from "../db/client.js";
import { ArtifactStore } from "../server/artifacts.js";
import { createChainClient } from "../server/chain.js";
import { envOrExit, exitOnEnvError, webhookPolicy } from "../server/env.js";
import { createRedis, redactUrl } from "../server/redis.js";
import { startArtifactGc } from "./artifacts/index.js";
import { dispatcherFromEnv, startReoffers } from "./dispatch/index.js";
import { evaluatorFromEnv } from "./evaluation/index.js";
import { keeperFromEnv, syncKeeperSchedule } from "./keeper/index.js";
import { startWebhookSweep, WEBHOOK_SLOTS_PER_ACCOUNT } from "./notifications/index.js";
import { createQueue, QUEUE } from "./queues.js";
import { startWorkers } from "./runtime.js";

const config = envOrExit();
const log = createLogger("worker", config.LOG_LEVEL);

const connection = createRedis(config.REDIS_URL, "worker");
connection.on("error", (error) => log.error({ err: error }, "redis connection error"));
const dbHandle = await openDb(exitOnEnvError(() => serverDbTarget(config)));
const chain = createChainClient(config.RPC_URL);

// The dispatcher's maintenance (lost leases, aging, lease records, failed rounds) runs here; leasing itself is the web
// API's (app/routes/api.pool.*). Both may run in many processes.
const dispatcher = dispatcherFromEnv(config, { connection, db: dbHandle.db, log });
dispatcher.startMaintenance();
// Training jobs that spent their attempts are offered again, with backoff, until the delivery deadline.
const stopReoffers = startReoffers(
  { dispatcher, db: dbHandle.db, chain, log, redis: connection, prefix: config.QUEUE_PREFIX },
  Math.min(Math.max(Math.round(config.DISPATCH_REOFFER_MS / 2), 200), 60_000),
);

// Unreferenced artifacts (failed leases' checkpoints, crashed uploads) go after ARTIFACT_RETENTION_DAYS.
const stopArtifactGc =
  config.ARTIFACT_GC_INTERVAL_MS > 0
    ? startArtifactGc(
        {
          db: dbHandle.db,
          store: new ArtifactStore(config.ARTIFACTS_DIR),
          redis: connection,
          prefix: config.QUEUE_PREFIX,
          log,
        },
        {
          intervalMs: config.ARTIFACT_GC_INTERVAL_MS,
          retentionMs: config.ARTIFACT_RETENTION_DAYS * 86_400_000,
        },
      )
    : () => {};

// Every notification also goes to its account's webhook, if it has one (signed, retried through the queue).
const webhookQueue = createQueue(QUEUE.webhooks, connection, config.QUEUE_PREFIX);
webhookQueue.on("error", (error) => log.error({ err: error }, "webhook queue error"));
const policy = webhookPolicy(config);
log.info({ policy }, "webhook policy");
const stopWebhookSweep = startWebhookSweep(
  { db: dbHandle.db, queue: webhookQueue, redis: connection, prefix: config.QUEUE_PREFIX, log },
  config.WEBHOOK_SWEEP_MS,
);

// Submitted checkpoints are scored in a sandboxed child process, one at a time (each takes every core).
const evaluator = evaluatorFromEnv(config, { db: dbHandle.db, chain, log });
void evaluator?.options.sandbox.warm();

// Due bounties are finalized by the keeper, a repeating job (one schedule shared by every worker).
const keeper = keeperFromEnv(config, { db: dbHandle.db, chain, redis: connection, log });
const keeperQueue = createQueue(QUEUE.keeper, connection, config.QUEUE_PREFIX);
keeperQueue.on("error", (error) => log.error({ err: error }, "keeper queue error"));
// Without a key this process leaves the schedule alone (another worker may hold one); 0 removes it.
if (keeper || config.KEEPER_INTERVAL_MS === 0) {
  syncKeeperSchedule(keeperQueue, config.KEEPER_INTERVAL_MS).then(
    (schedule) =>
      log.info(
        { schedule, intervalMs: config.KEEPER_INTERVAL_MS, keeper: keeper?.address },
        "keeper schedule",
      ),
    (error: Error) => log.error({ err: error }, "keeper schedule not saved"),
  );
}

const running = startWorkers(
  {
    db: dbHandle.db,
    chain,
    log,
    dispatch: { dispatcher, tokenPrices: config.TOKEN_PRICES },
    ...(evaluator && { evaluator }),
    ...(keeper && { keeper }),
    webhooks: {
      policy,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      slots: { redis: connection, prefix: config.QUEUE_PREFIX, perAccount: WEBHOOK_SLOTS_PER_ACCOUNT },
    },
  },
  {
    connection,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    // One keeper run at a time per process (runs of several processes are kept apart by per-bounty locks).
    // Webhook deliveries wait on other people's servers (up to WEBHOOK_TIMEOUT_MS each): many at once.
    concurrencyOf: { [QUEUE.evaluate]: 1, [QUEUE.keeper]: 1, [QUEUE.webhooks]: 32 },
    // A killed worker's evaluation resumes within about twice this, not after BullMQ's default.
    lockMsOf: { [QUEUE.evaluate]: config.EVAL_LOCK_MS },
  },
);
log.info(
  { redis: redactUrl(config.REDIS_URL), db: dbHandle.target.kind, prefix: config.QUEUE_PREFIX },
  "ready",
);

let shuttingDown = false;
async function shutdown(signal: NodeJS.Signals) {
  if (shuttingDown) return;
  shuttingDown = true;
  log.info({ signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "shutting down");
  // The bound holds whatever hangs below (a pool waiting on a client, a Redis command queue).
  setTimeout(() => {
    log.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "shutdown timed out; exiting");
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS + 2_000).unref();
  stopReoffers();
  stopArtifactGc();
  stopWebhookSweep();
  const clean = await running.close(config.SHUTDOWN_TIMEOUT_MS);
  await dispatcher.close();
  await keeperQueue.close();
  await webhookQueue.close();
  await evaluator?.options.sandbox.close();
  if (!clean) log.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "running jobs did not finish in time");
  connection.disconnect();
  await dbHandle.close();
  log.info({ clean }, "stopped");
  process.exit(clean ? 0 : 1);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
