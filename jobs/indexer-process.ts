/**
 * The indexer process: `npm run start:indexer` (and `npm run dev` starts it).
 * Reads the board address and deployment block from the deployment file, then
 * backfills and follows the chain (jobs/indexer/indexer.ts). SIGINT/SIGTERM
 * stop it between batches; SIGKILL at any moment is safe too, since each batch
 * commits with its cursor.
 */

import { indexChangedChannel } from "../core/channels.js";
import { createLogger } from "../core/logger.js";
import { openDb, serverDbTarget } from "../db/client.js";
import { createChainClient, readDeployment } from "../server/chain.js";
import { envOrExit, exitOnEnvError } from "../server/env.js";
import { createRedis } from "../server/redis.js";
import { Indexer, ReorgTooDeepError } from "./indexer/index.js";
import { createQueue, QUEUE } from "./queues.js";

const config = envOrExit();
const log = createLogger("indexer", config.LOG_LEVEL);

const deployment = await readDeployment(config, config.CHAIN_ID);
const board = deployment?.contracts.BountyBoard;
if (!deployment || !board) {
  console.error(
    `indexer: no BountyBoard deployment for chain ${config.CHAIN_ID} in ${config.DEPLOYMENTS_DIR} ` +
      "(run `npm run contracts:deploy`, or let `npm run dev` deploy)",
  );
  process.exit(1);
}

const dbHandle = await openDb(exitOnEnvError(() => serverDbTarget(config)));
const connection = createRedis(config.REDIS_URL, "worker");
connection.on("error", (error) => log.error({ err: error }, "redis connection error"));
const queues = Object.fromEntries(
  [QUEUE.dispatch, QUEUE.evaluate, QUEUE.notify].map((name) => [
    name,
    createQueue(name, connection, config.QUEUE_PREFIX),
  ]),
);
for (const queue of Object.values(queues))
  queue.on("error", (error) => log.error({ err: error }, "queue error"));

const indexer = new Indexer({
  db: dbHandle.db,
  chain: createChainClient(config.RPC_URL),
  chainId: config.CHAIN_ID,
  board: board.address as `0x${string}`,
  fromBlock: board.blockNumber,
  confirmations: config.INDEXER_CONFIRMATIONS,
  reorgWindow: config.INDEXER_REORG_WINDOW,
  maxRange: config.INDEXER_MAX_RANGE,
  queues,
  log,
  // Web processes drop their cached public pages when the index changes (a lost message only means
  // pages that are up to PAGE_CACHE_FRESH_MS older).
  onChange: () => {
    connection.publish(indexChangedChannel(config.QUEUE_PREFIX), String(config.CHAIN_ID)).catch((error) => {
      log.warn({ err: error }, "could not announce an index change");
    });
  },
});

const stop = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log.info({ signal }, "stopping after the current batch");
    stop.abort();
  });
}
log.info({ board: board.address, fromBlock: board.blockNumber, chainId: config.CHAIN_ID }, "indexing");
let code = 0;
try {
  await indexer.run(stop.signal, config.INDEXER_POLL_MS);
} catch (error) {
  code = 1;
  log.fatal({ err: error, reorgTooDeep: error instanceof ReorgTooDeepError }, "indexer stopped");
}
await Promise.allSettled(Object.values(queues).map((q) => q.close()));
connection.disconnect();
await dbHandle.close();
log.info("stopped");
process.exit(code);
