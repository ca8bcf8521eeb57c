/**
 * The training CLI, for operators: `npm run training -- <command> <bountyId>`.
 *
 *   status <bountyId>   where the bounty's training job stands (queued, leased, failed and why, next round)
 *   retry <bountyId>    a failed job gets a new round now; a Funded bounty with no job is dispatched afresh
 *
 * Services: REDIS_URL, RPC_URL and DATABASE_URL, else those of a running `npm run dev`; QUEUE_PREFIX and
 * CHAIN_ID as the platform's. Exit codes: 0 done, 1 failed or refused (the message says why), 2 bad usage.
 */
import { parseArgs } from "node:util";
import { formatUtc } from "../core/format.js";
import { createLogger } from "../core/logger.js";
import { openDb } from "../db/client.js";
import { dispatcherFromEnv, queueStatus, retryTraining } from "../jobs/dispatch/index.js";
import { createChainClient } from "../server/chain.js";
import { envOrExit } from "../server/env.js";
import { createRedis } from "../server/redis.js";
import { readDevServices } from "./lib/dev-services.js";

const USAGE = `usage: npm run training -- <command> <bountyId>
  status <bountyId>   where the bounty's training job stands
  retry <bountyId>    offer a failed (or completed) training job again now, or dispatch a Funded bounty that has none`;

function usage(message: string): never {
  console.error(`training: ${message}\n${USAGE}`);
  process.exit(2);
}

let parsed: ReturnType<typeof parseArgs<{ allowPositionals: true; options: { help: { type: "boolean" } } }>>;
try {
  parsed = parseArgs({ allowPositionals: true, options: { help: { type: "boolean", short: "h" } } });
} catch (error) {
  usage((error as Error).message);
}
const [command, bountyId, ...extra] = parsed.positionals;
if (parsed.values.help || !command) usage(command ? "help" : "missing command");
if (command !== "status" && command !== "retry") usage(`unknown command "${command}"`);
if (!bountyId || !/^[1-9]\d{0,77}$/.test(bountyId)) usage("a bounty id is a positive whole number");
if (extra.length > 0) usage(`unexpected argument "${extra[0]}"`);

// Beside a running `npm run dev`, its services; anything set in the environment wins.
const dev = readDevServices(process.env.DEV_DATA_DIR || ".data");
for (const [name, value] of [
  ["REDIS_URL", dev?.redisUrl],
  ["RPC_URL", dev?.rpcUrl],
  ["DATABASE_URL", dev?.databaseUrl],
] as const) {
  if (!process.env[name] && value) process.env[name] = value;
}
if (!process.env.DATABASE_URL) {
  console.error("training: set DATABASE_URL, or run this beside `npm run dev`");
  process.exit(1);
}
const config = envOrExit();
// Only what goes wrong: the command's own lines are its output.
const log = createLogger("training", "warn");
const say = (line: string) => process.stdout.write(`${line}\n`);

// Commands time out: a Redis that does not answer is reported, never waited on forever.
const connection = createRedis(config.REDIS_URL, "worker", { commandTimeout: 5_000 });
connection.on("error", () => {});
const handle = await openDb({ kind: "postgres", url: process.env.DATABASE_URL });
const chain = createChainClient(config.RPC_URL);
const dispatcher = dispatcherFromEnv(config, { connection, db: handle.db, log });
try {
  if (command === "status") {
    const status = await queueStatus(dispatcher, handle.db, config.CHAIN_ID, bountyId);
    switch (status.state) {
      case "none":
        say(`bounty ${bountyId}: no training job (not Funded, not dispatched yet, or its spec is missing)`);
        break;
      case "failed":
        say(
          `bounty ${bountyId}: training failed after ${status.attempts} attempt(s) in ${status.rounds} round(s): ${status.reason}`,
        );
        say(`next round due ${formatUtc(status.retryAt)} (while Funded and before its delivery deadline)`);
        break;
      case "waiting":
        say(`bounty ${bountyId}: waiting in ${status.queue}, position ${status.position + 1}`);
        if (status.noPoolFits) say("no active pool fits it");
        break;
      case "completed":
        say(
          `bounty ${bountyId}: a pool completed its training job (while the bounty is Funded, retry offers it again)`,
        );
        break;
      default:
        say(`bounty ${bountyId}: ${status.state} in ${status.queue}`);
    }
  } else {
    const outcome = await retryTraining(
      { dispatcher, db: handle.db, chain, log, tokenPrices: config.TOKEN_PRICES },
      config.CHAIN_ID,
      bountyId,
    );
    if (outcome.action === "none") {
      console.error(`training: bounty ${bountyId} not retried: ${outcome.reason}`);
      process.exitCode = 1;
    } else if (outcome.action === "offered") {
      say(`bounty ${bountyId}: its training job ${outcome.jobId} is offered again in ${outcome.queue}`);
    } else {
      say(`bounty ${bountyId}: queued for training as ${outcome.jobId}`);
    }
  }
} catch (error) {
  console.error(`training: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await dispatcher.close();
  connection.disconnect();
  await handle.close();
}
