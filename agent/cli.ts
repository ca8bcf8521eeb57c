/**
 * The pool agent CLI: `npm run pool-agent -- ...` or the `crowdtrain-pool-agent`
 * bin (agent/bin.mjs). A thin wrapper: options (agent/config.ts), the real HTTP
 * client, chain and trainer, signals, exit code; the loop is `runAgent`.
 */
import { mkdtemp, rmdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createLogger } from "../core/logger.js";
import { exitCodeOf, runAgent } from "./agent.js";
import { createChain } from "./chain.js";
import { createPoolClient } from "./client.js";
import { parseConfig, USAGE } from "./config.js";
import { createCommandTrainer } from "./trainers/command.js";
import { createReferenceTrainer } from "./trainers/reference.js";
import type { Trainer } from "./trainers/types.js";

/** After SIGINT/SIGTERM the process exits by this deadline even if a lease is still settling. */
const HARD_EXIT_MS = 8_000;

async function main(): Promise<number> {
  const parsed = parseConfig(process.argv.slice(2), process.env);
  if (parsed.kind === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.kind === "error") {
    process.stderr.write(
      `crowdtrain-pool-agent: ${parsed.message.replace(/\n/g, "\ncrowdtrain-pool-agent: ")}\n\n${USAGE}`,
    );
    return 2;
  }
  const config = parsed.config;
  const logger = createLogger("pool-agent", config.logLevel);

  const shutdown = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown.signal.aborted) {
      logger.warn({ event: "agent.signal", signal }, "second signal: exiting now");
      process.exit(130);
    }
    logger.info({ event: "agent.signal", signal }, "signal received");
    shutdown.abort();
    setTimeout(() => {
      logger.warn({ event: "agent.hard-exit" }, "leases did not settle in time; exiting");
      process.exit(0);
    }, HARD_EXIT_MS).unref();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Never crash on a stray rejection: log it, keep serving leases.
  process.on("unhandledRejection", (reason) => {
    logger.error({ event: "agent.unhandled-rejection", err: reason }, "unhandled rejection");
  });

  const workDir = config.workDir ?? (await mkdtemp(path.join(os.tmpdir(), "crowdtrain-agent-")));
  let trainer: Trainer;
  if (config.trainer === "command") {
    trainer = createCommandTrainer({ template: config.command ?? "" });
  } else {
    trainer = createReferenceTrainer();
  }
  const client = createPoolClient({ apiUrl: config.apiUrl, token: config.token });
  const stateDir = config.stateDir ?? path.join(os.homedir(), ".crowdtrain-agent");
  const chain = createChain({
    rpcUrl: config.rpcUrl,
    privateKey: config.trainerKey,
    commitsDir: path.join(stateDir, "commits"),
  });
  // Only the RPC host: hosted RPC URLs often carry an API key in their path or query.
  const rpcHost = new URL(config.rpcUrl).host;
  logger.info({ event: "agent.config", apiUrl: config.apiUrl, rpcHost, workDir, stateDir }, "configuration");

  const result = await runAgent(
    {
      workDir,
      concurrency: config.concurrency,
      once: config.once,
      seed: config.seed,
      signal: shutdown.signal,
    },
    { client, chain, trainer, logger },
  );
  if (result.stoppedBy === "unauthorized") {
    process.stderr.write(
      `crowdtrain-pool-agent: the platform refused the pool token (401): check --token/POOL_TOKEN; it may have been revoked.\n`,
    );
  }
  // A temp dir of our own goes when empty; failed leases' dirs are kept for inspection, and so is it then.
  if (!config.workDir) await rmdir(workDir).catch(() => {});
  return exitCodeOf(result);
}

main().then(
  (code) => {
    // Pending sockets or timers (a receipt poll, a keep-alive connection) must not keep the agent alive.
    process.exit(code);
  },
  (error: unknown) => {
    console.error("crowdtrain-pool-agent: fatal:", error);
    process.exit(1);
  },
);
