/**
 * `npm run dev`: the whole platform on one machine, on embedded defaults.
 *
 *   database  the embedded PostgreSQL (db/postgres-server.ts, data in .data/postgres) on a free loopback
 *             port, unless DATABASE_URL is set; migrated on start. Started first, so stopped last
 *   chain     anvil on ANVIL_PORT (state kept in .data/anvil), unless RPC_URL is set
 *   redis     a private redis-server on a free port (data in .data/redis), unless REDIS_URL is set
 *   contracts deployed (or reused if still live), then announced to the workers
 *   worker    jobs/worker.ts
 *   indexer   jobs/indexer-process.ts: board events into the database
 *   web       `remix dev` (rebuilds on change) serving on PORT
 *   demo      on a fresh anvil deployment, DAOs, specs, eval sets and bounties in various states
 *             (scripts/lib/demo-seed.ts; DEV_SEED=0 skips it)
 *   pool      a local CPU pool and its agent (agent/cli.ts, the reference trainer, anvil account 8),
 *             which trains the funded bounties (DEV_POOL_AGENT=0 skips it)
 *
 * Ctrl-C stops everything it started, in reverse order, and leaves nothing
 * behind (the data stays in .data), also when it comes in the middle of start-up.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ANVIL_CHAIN_ID, anvilAccount, DEV_TOKEN } from "../core/dev-chain.js";
import { migrateDb, openDb } from "../db/client.js";
import { POSTGRES_MAJOR } from "../db/embedded-postgres.js";
import { boardDeployOptions, deployContracts } from "../jobs/deployments/index.js";
import { createQueue, JOB, QUEUE, syncDeploymentJobId } from "../jobs/queues.js";
import { ArtifactStore } from "../server/artifacts.js";
import type { Deployment } from "../server/chain.js";
import { createChainClient } from "../server/chain.js";
import { envOrExit, envSchema } from "../server/env.js";
import { createRedis, redactUrl } from "../server/redis.js";
import {
  DEMO_ACCOUNTS,
  DEMO_POOL,
  type DemoSeedResult,
  formatUsd,
  type LocalPool,
  localPool,
  seedDemo,
} from "./lib/demo-seed.js";
import { resetDevChainState } from "./lib/dev-chain-reset.js";
import {
  embeddedPostgresDir,
  oldPgliteDataProblem,
  removeDevServices,
  writeDevServices,
} from "./lib/dev-services.js";
import {
  freePort,
  isAlive,
  isPortFree,
  type ManagedProcess,
  nodeTs,
  startProcess,
  waitFor,
} from "./lib/processes.js";
import {
  findRedisServer,
  REDIS_MISSING_HELP,
  startAnvil,
  startPostgresServer,
  startRedis,
} from "./lib/services.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

const devSchema = envSchema.extend({
  RPC_URL: envSchema.shape.RPC_URL.optional(),
  REDIS_URL: envSchema.shape.REDIS_URL.optional(),
  ANVIL_PORT: envSchema.shape.PORT.default(8545),
  /**
   * Where `remix dev` writes the build (inside the project; see remix.config.js). Default: `build`, or
   * with another DEV_DATA_DIR a directory of that data directory's own under .cache/, so a second
   * `npm run dev` beside the first never rebuilds into the first one's build.
   */
  REMIX_BUILD_DIR: z.string().min(1).optional(),
  /**
   * anvil mines a block this often (seconds) besides one per transaction, so time moves on an idle dev
   * chain: deadlines pass, the keeper finalizes, payouts unlock. 0: blocks on transactions only.
   */
  DEV_BLOCK_TIME: z.coerce.number().int().min(0).max(3_600).default(1),
  /** Seed demo DAOs and bounties on a fresh anvil deployment (scripts/lib/demo-seed.ts). */
  DEV_SEED: z.stringbool({ error: "must be 1 or 0 (true/false, yes/no, on/off)" }).default(true),
  /** Run a local CPU pool's agent with the reference trainer (anvil only). */
  DEV_POOL_AGENT: z.stringbool({ error: "must be 1 or 0 (true/false, yes/no, on/off)" }).default(true),
});
// The whole configuration is checked before anything starts, not only what dev itself uses.
const config = envOrExit(devSchema);

const dataDir = path.resolve(config.DEV_DATA_DIR);
// Each data directory keeps its own artifacts (its database refers to them), unless ARTIFACTS_DIR says otherwise.
const artifactsDir = process.env.ARTIFACTS_DIR ? config.ARTIFACTS_DIR : path.join(dataDir, "artifacts");
const buildDir =
  config.REMIX_BUILD_DIR ??
  (dataDir === path.resolve(".data")
    ? "build"
    : path.join(".cache", `dev-build-${createHash("sha256").update(dataDir).digest("hex").slice(0, 12)}`));
const postgresDir = embeddedPostgresDir(dataDir);
const lockFile = path.join(dataDir, "dev.pid");
const started: ManagedProcess[] = [];
let ownsLock = false;
let shuttingDown = false;

/** `path` relative to the project when inside it (`.data/postgres`), else absolute. */
function shortPath(absolute: string): string {
  const relative = path.relative(root, absolute);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : absolute;
}

function say(message: string) {
  process.stderr.write(`[dev] ${message}\n`);
}

/** Thrown to abandon start-up once a shutdown has begun. */
class Stopped extends Error {}

/** Call after every await in start-up: a Ctrl-C meanwhile must not start anything more. */
function stillStarting() {
  if (shuttingDown) throw new Stopped();
}

async function portInUse(port: number) {
  // remix-serve listens on every interface; anvil on loopback. Check both.
  return !(await isPortFree(port, "127.0.0.1")) || !(await isPortFree(port, "::"));
}

/** Takes the data directory's lock atomically; a lock left by a dead process is replaced. */
async function takeLock() {
  await mkdir(dataDir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, `${process.pid}\n`, { flag: "wx" });
      ownsLock = true;
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const other = Number(readFileSync(lockFile, "utf8").trim());
    if (other && isAlive(other)) {
      throw new Error(
        `another \`npm run dev\` (pid ${other}) is already running with data in ${dataDir}.\n` +
          "Stop it with Ctrl-C first, or give this one its own DEV_DATA_DIR, PORT and ANVIL_PORT.",
      );
    }
    rmSync(lockFile, { force: true }); // stale: its process is gone
  }
  throw new Error(`cannot take the lock ${lockFile}`);
}

async function preflight() {
  if (!config.DATABASE_URL) {
    const oldData = oldPgliteDataProblem(dataDir);
    if (oldData) throw new Error(oldData);
  }
  if (!config.REDIS_URL && !findRedisServer()) throw new Error(REDIS_MISSING_HELP);
  await takeLock();
  if (await portInUse(config.PORT)) {
    throw new Error(
      `port ${config.PORT} is in use (another \`npm run dev\`, or another server). Stop it or set PORT=...`,
    );
  }
  if (!config.RPC_URL && (await portInUse(config.ANVIL_PORT))) {
    throw new Error(
      `port ${config.ANVIL_PORT} (anvil) is in use. Stop what runs there, set ANVIL_PORT=..., ` +
        "or use that chain with RPC_URL=http://127.0.0.1:<port>.",
    );
  }
}

async function shutdown(code: number, reason: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  say(`${reason}: stopping ${started.map((p) => p.name).join(", ") || "nothing"}...`);
  // Reverse start order: web and workers before the services they use. Loop, since start-up may
  // still register a process it had already spawned.
  for (let proc = started.pop(); proc; proc = started.pop()) {
    const since = Date.now();
    await proc.stop(10_000);
    say(`${proc.name} stopped (${Date.now() - since} ms)`);
  }
  if (ownsLock) {
    removeDevServices(dataDir);
    rmSync(lockFile, { force: true });
  }
  process.exit(code);
}

/**
 * Registers a spawned process: stopped on shutdown. Its unexpected exit stops everything, unless it is
 * `optional` (the local pool agent: the platform runs without it), which is then only reported.
 */
function watch(proc: ManagedProcess, options: { optional?: boolean } = {}) {
  started.push(proc);
  return superviseExit(proc, options);
}

/**
 * Starts a process with `spawn` and starts it again whenever it exits unexpectedly, after a backoff (1 s,
 * doubling to 30 s; back to 1 s once a run lasted a minute). For the processes whose state lives elsewhere
 * (the worker, the indexer, the web server, the pool agent): the rest of the platform keeps running
 * meanwhile. What is left of its process group (a child it started) is stopped before it starts again.
 * With `answers`, a process that is alive but stops answering (three probes in a row, 5 s apart, once it
 * had answered) is stopped, and so started again: remix dev outlives the app server it runs.
 */
function keepRunning(
  spawn: () => ManagedProcess,
  options: { answers?: () => Promise<boolean> } = {},
): ManagedProcess {
  let failures = 0;
  const run = (): ManagedProcess => {
    const proc = spawn();
    const startedAt = Date.now();
    started.push(proc);
    const probe = options.answers ? watchAnswers(proc, options.answers) : undefined;
    void proc.exited.then(async (code) => {
      if (probe) clearInterval(probe);
      if (shuttingDown) return;
      started.splice(started.indexOf(proc), 1);
      await proc.stop(2_000);
      failures = Date.now() - startedAt > 60_000 ? 1 : failures + 1;
      const delay = Math.min(30_000, 1_000 * 2 ** (failures - 1));
      const output = proc.tail().slice(-5).join("\n  ");
      say(
        `${proc.name} exited unexpectedly (${code})${output ? `:\n  ${output}` : ""}\n` +
          `  restarting it in ${delay / 1_000} s (restart ${failures}); everything else keeps running`,
      );
      setTimeout(() => {
        if (!shuttingDown) run();
      }, delay);
    });
    return proc;
  };
  return run();
}

/** Probes `proc` every 5 s once it answered; three misses in a row stop it (keepRunning starts it again). */
function watchAnswers(proc: ManagedProcess, answers: () => Promise<boolean>): NodeJS.Timeout {
  let answered = false;
  let misses = 0;
  const timer = setInterval(() => {
    void answers().then((ok) => {
      if (ok) {
        answered = true;
        misses = 0;
      } else if (answered && ++misses >= 3 && !shuttingDown) {
        clearInterval(timer);
        say(`${proc.name} is running but has not answered for 15 s; stopping it`);
        void proc.stop(5_000);
      }
    });
  }, 5_000);
  timer.unref();
  return timer;
}

/** The unexpected-exit half of `watch`, for a process registered at spawn but started again on failure. */
function superviseExit(proc: ManagedProcess, options: { optional?: boolean } = {}) {
  void proc.exited.then((code) => {
    if (shuttingDown) return;
    const output = proc.tail().slice(-5).join("\n  ");
    const why = `${proc.name} exited unexpectedly (${code})${output ? `:\n  ${output}` : ""}`;
    if (options.optional) {
      started.splice(started.indexOf(proc), 1);
      say(`${why}\n  everything else keeps running`);
    } else {
      void shutdown(1, why);
    }
  });
  return proc;
}

process.on("SIGINT", () => void shutdown(0, "SIGINT"));
process.on("SIGTERM", () => void shutdown(0, "SIGTERM"));
process.on("SIGHUP", () => void shutdown(0, "SIGHUP"));
// If whatever started us (npm, a terminal) dies without passing a signal on, stop too
// rather than leave the services orphaned.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void shutdown(0, `parent process ${parentPid} exited`);
}, 1_000).unref();

interface Demo {
  /** Why there is no seed this time, or what was seeded. */
  seed: DemoSeedResult;
  /** The local pool whose agent runs, or why none runs. */
  pool?: LocalPool;
  poolNote?: string;
}

/** Seeds the demo on a fresh anvil deployment and gets the local pool ready (DEV_SEED, DEV_POOL_AGENT). */
async function prepareDemo(options: {
  rpcUrl: string;
  chainId: number;
  databaseUrl: string;
  deployment: Deployment;
  reused: boolean;
}): Promise<Demo> {
  const notAnvil = options.chainId === ANVIL_CHAIN_ID ? undefined : `chain ${options.chainId} is not anvil`;
  const seedSkipped = !config.DEV_SEED
    ? "DEV_SEED=0"
    : (notAnvil ??
      (options.reused
        ? "the contracts were reused, and the chain keeps its bounties (delete .data/ for a fresh demo)"
        : undefined));
  const poolSkipped = config.DEV_POOL_AGENT ? notAnvil : "DEV_POOL_AGENT=0";
  let seed: DemoSeedResult = { seeded: false, reason: seedSkipped ?? "" };
  if (seedSkipped) say(`demo seed: skipped (${seedSkipped})`);
  if (seedSkipped && poolSkipped) return { seed, poolNote: poolSkipped };

  const handle = await openDb({ kind: "postgres", url: options.databaseUrl });
  try {
    if (!seedSkipped) {
      say("demo seed: DAOs, specs, private eval sets and bounties, all on-chain (DEV_SEED=0 skips this)");
      seed = await seedDemo({
        rpcUrl: options.rpcUrl,
        deployment: options.deployment,
        db: handle.db,
        store: new ArtifactStore(artifactsDir),
        log: say,
      }).catch((error: Error) => {
        throw new Error(
          `the demo seed failed: ${error.message}\n` +
            "Start with DEV_SEED=0 to skip it, or delete .data/ to try again on a fresh chain.",
        );
      });
      if (!seed.seeded) say(`demo seed: skipped (${seed.reason})`);
    }
    if (poolSkipped) return { seed, poolNote: poolSkipped };
    const pool = await localPool(handle.db);
    if (!pool) {
      const note = `the pool ${DEMO_POOL.name} is disabled (npm run pools -- enable ${DEMO_POOL.name})`;
      say(`pool agent: not started, ${note}`);
      return { seed, poolNote: note };
    }
    say(`pool agent: pool ${pool.name} ${pool.created ? "created" : "found"}, with a fresh API token`);
    return { seed, pool };
  } finally {
    await handle.close();
  }
}

/** The demo's lines of the start-up summary. */
function demoSummary(demo: Demo, webUrl: string): string[] {
  const account = (index: number) => `${index} ${anvilAccount(index).address}`;
  const lines: string[] = [];
  if (demo.seed.seeded) {
    lines.push(`  demo       ${demo.seed.bounties.length} bounties seeded (${webUrl}/bounties):`);
    for (const b of demo.seed.bounties) {
      lines.push(
        `    #${String(b.id).padEnd(2)} ${b.name.padEnd(39)} ${b.status.padEnd(9)} ` +
          `${`${formatUsd(b.raised)}/${formatUsd(b.goal)}`.padEnd(11)} ${DEV_TOKEN.symbol}  ${b.next}`,
      );
    }
    lines.push(
      "    demo accounts (anvil's well-known dev keys, README: The demo):",
      `      DAOs     ${DEMO_ACCOUNTS.daos.map(account).join(", ")}`,
      `      backers  ${DEMO_ACCOUNTS.backers.join(", ")}; evaluator ${DEMO_ACCOUNTS.evaluator}; admin ${DEMO_ACCOUNTS.admin}`,
      `      trainer  ${account(DEMO_ACCOUNTS.trainer)} (the local pool)`,
      `      yours    ${account(DEMO_ACCOUNTS.newcomer)} (ETH and ${DEV_TOKEN.symbol}, no history)`,
    );
  } else {
    lines.push(`  demo       not seeded: ${demo.seed.reason}`);
  }
  lines.push(
    demo.pool
      ? `  pool agent agent/cli.ts for pool ${demo.pool.name} (CPU, reference trainer), trainer ${demo.pool.trainer}`
      : `  pool agent not running: ${demo.poolNote ?? "not wanted"}`,
  );
  return lines;
}

async function main() {
  await preflight();

  // 1. Database, migrated. The embedded PostgreSQL starts first so that it stops last, after its clients.
  let databaseUrl = config.DATABASE_URL;
  if (databaseUrl) {
    const handle = await openDb({ kind: "postgres", url: databaseUrl });
    await migrateDb(handle).finally(() => handle.close());
  } else {
    const db = await startPostgresServer({
      dataDir: postgresDir,
      // Registered at once, so that a Ctrl-C during start-up stops it; supervised once it is up (a start
      // on a port taken meanwhile exits, and is retried on another).
      onSpawn: (proc) => started.push(proc),
      onLine: (line) => process.stderr.write(`[db] ${line}\n`),
    });
    superviseExit(db.process);
    databaseUrl = db.url;
  }
  stillStarting();

  // 2. Chain: checked before anything is deployed to it.
  let rpcUrl = config.RPC_URL;
  if (!rpcUrl) {
    const anvil = await startAnvil({
      port: config.ANVIL_PORT,
      statePath: path.join(dataDir, "anvil/state.json"),
      blockTimeSeconds: config.DEV_BLOCK_TIME,
      onSpawn: watch,
    });
    rpcUrl = anvil.url;
  }
  stillStarting();
  const chainId = await createChainClient(rpcUrl, 5_000).getChainId();
  if (chainId !== config.CHAIN_ID) {
    throw new Error(
      `RPC_URL serves chain ${chainId} but CHAIN_ID is ${config.CHAIN_ID}; nothing was deployed`,
    );
  }

  // 3. Redis.
  let redisUrl = config.REDIS_URL;
  if (!redisUrl) {
    const redis = await startRedis({
      port: await freePort(),
      dataDir: path.join(dataDir, "redis"),
      onSpawn: watch,
    });
    redisUrl = redis.url;
  }
  stillStarting();

  // 4. Contracts, announced to the workers through the queue.
  const { deployment, reused, file } = await deployContracts({
    rpcUrl,
    privateKey: config.DEPLOYER_PRIVATE_KEY as `0x${string}` | undefined,
    deploymentsDir: config.DEPLOYMENTS_DIR,
    log: say,
    ...boardDeployOptions(config),
  });
  stillStarting();
  if (!reused && chainId === ANVIL_CHAIN_ID) {
    // A new deployment on anvil means a new chain (or board): what was derived from the old one is stale.
    await resetDevChainState({
      databaseUrl,
      chainId,
      privateRedisUrl: config.REDIS_URL ? undefined : redisUrl,
    });
    if (config.REDIS_URL) {
      say(
        `REDIS_URL is not dev's own Redis, so the queues of the previous chain were kept: if new bounties ` +
          `are not dispatched, use a fresh QUEUE_PREFIX (now ${config.QUEUE_PREFIX})`,
      );
    }
  }
  const producer = createRedis(redisUrl, "producer");
  const queue = createQueue(QUEUE.deployments, producer, config.QUEUE_PREFIX);
  try {
    const jobId = syncDeploymentJobId(deployment);
    // A job that failed before (say the worker could not reach the chain) keeps its id: retry it.
    const previous = await queue.getJob(jobId);
    if (previous && (await previous.isFailed())) await previous.retry();
    else await queue.add(JOB.syncDeployment, deployment, { jobId });
  } finally {
    await queue.close();
    producer.disconnect();
  }
  stillStarting();

  // 5. The demo: bounties on a fresh chain, and the local pool its agent trains them in.
  const demo = await prepareDemo({ rpcUrl, chainId, databaseUrl, deployment, reused });
  stillStarting();

  // 6. Worker and web, with everything resolved.
  const isolation = evaluationIsolation();
  const childEnv = {
    ...process.env,
    NODE_ENV: "development",
    PORT: String(config.PORT),
    RPC_URL: rpcUrl,
    REDIS_URL: redisUrl,
    DATABASE_URL: databaseUrl,
    EVAL_ISOLATION: isolation.value,
    REMIX_BUILD_DIR: buildDir,
    ARTIFACTS_DIR: artifactsDir,
    // Due bounties are finalized and payouts unlocked within seconds, not half a minute (the demo's pace).
    KEEPER_INTERVAL_MS: process.env.KEEPER_INTERVAL_MS || "5000",
  };
  keepRunning(() => startProcess({ name: "worker", ...nodeTs("jobs/worker.ts"), env: childEnv }));
  keepRunning(() => startProcess({ name: "indexer", ...nodeTs("jobs/indexer-process.ts"), env: childEnv }));
  const webUrl = `http://localhost:${config.PORT}`;
  // remix dev's own server (live reload) gets a port of its own, so two `npm run dev` can run side by side.
  const remixDevPort = await freePort();
  const web = keepRunning(
    () =>
      startProcess({
        name: "web",
        command: path.join(root, "node_modules/.bin/remix"),
        args: [
          "dev",
          "--port",
          String(remixDevPort),
          "--command",
          `node --import tsx server/web.ts ${path.join(buildDir, "index.js")}`,
        ],
        env: childEnv,
      }),
    {
      // Any answer counts (a 503 names a failing dependency, not a dead server).
      answers: () =>
        fetch(`${webUrl}/healthz`, { signal: AbortSignal.timeout(4_000) }).then(
          () => true,
          () => false,
        ),
    },
  );
  await waitFor("web server", () => fetch(`${webUrl}/healthz`, { signal: AbortSignal.timeout(5_000) }), {
    process: web,
    timeoutMs: 120_000,
  });
  stillStarting();

  // 7. The local pool agent: HTTP to the web app and JSON-RPC to the chain only, like any pool agent.
  if (demo.pool) {
    const pool = demo.pool;
    keepRunning(() =>
      startProcess({
        name: "pool-agent",
        ...nodeTs("agent/cli.ts"),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: "development",
          LOG_LEVEL: config.LOG_LEVEL,
          POOL_API_URL: webUrl,
          // Never printed: it reaches the agent through its environment only.
          POOL_TOKEN: pool.token,
          TRAINER_PRIVATE_KEY: pool.trainerKey,
          RPC_URL: rpcUrl,
          POOL_WORK_DIR: path.join(dataDir, "pool-agent"),
          POOL_STATE_DIR: path.join(dataDir, "pool-agent-state"),
          POOL_CONCURRENCY: String(DEMO_POOL.maxLeases),
          POOL_SEED: "1",
        },
      }),
    );
  }

  // 8. The demo's DAOs reveal their finalized eval sets and deposit revenue, as a DAO would by hand.
  if (config.DEV_SEED && deployment.chainId === ANVIL_CHAIN_ID) {
    keepRunning(() => startProcess({ name: "demo-dao", ...nodeTs("scripts/demo-dao.ts"), env: childEnv }));
  }

  writeDevServices(dataDir, { pid: process.pid, webUrl, rpcUrl, redisUrl, databaseUrl, artifactsDir });

  const contracts = Object.entries(deployment.contracts)
    .map(([name, c]) => `    ${name.padEnd(16)} ${c.address}`)
    .join("\n");
  process.stderr.write(
    [
      "",
      "Crowdtrain is running:",
      `  web        ${webUrl}   (health: ${webUrl}/healthz)`,
      `  chain      ${rpcUrl}   chain id ${deployment.chainId}${config.RPC_URL ? "" : " (anvil, state in .data/anvil)"}`,
      `  redis      ${redactUrl(redisUrl)}${config.REDIS_URL ? "" : " (private redis-server)"}`,
      `  database   ${redactUrl(databaseUrl)}${config.DATABASE_URL ? "" : ` (embedded PostgreSQL ${POSTGRES_MAJOR}, data in ${shortPath(postgresDir)})`}`,
      `  worker     jobs/worker.ts (evaluations ${isolation.note})`,
      "  indexer    jobs/indexer-process.ts (board events -> database)",
      `  contracts  ${reused ? "reused" : "deployed"} (${file})`,
      contracts,
      ...demoSummary(demo, webUrl),
      "Press Ctrl-C to stop everything.",
      "",
    ].join("\n"),
  );
}

main().catch((error: Error) => {
  // A signal arrived: shutdown() is already at work, and start-up errors since are its consequences.
  if (error instanceof Stopped || shuttingDown) return;
  process.stderr.write(`\n[dev] cannot start: ${error.message}\n`);
  void shutdown(1, "start-up failed");
});

/**
 * How the worker seals evaluations: EVAL_ISOLATION when set; else bubblewrap when it is installed,
 * and otherwise unsealed, said out loud (a laptop without bubblewrap still runs the whole demo).
 */
function evaluationIsolation(): { value: "bwrap" | "none"; note: string } {
  if (process.env.EVAL_ISOLATION === "none") return { value: "none", note: "UNSEALED: EVAL_ISOLATION=none" };
  if (process.env.EVAL_ISOLATION === "bwrap") return { value: "bwrap", note: "sealed by bubblewrap" };
  const found = spawnSync("sh", ["-c", "command -v bwrap"], { encoding: "utf8" }).stdout.trim();
  if (found) return { value: "bwrap", note: "sealed by bubblewrap" };
  return {
    value: "none",
    note: "UNSEALED: bubblewrap is not installed; `sudo apt-get install bubblewrap` seals them (ADR 015)",
  };
}
