/**
 * `npm run dev`: the whole platform on one machine, on embedded defaults.
 *
 *   chain     anvil on ANVIL_PORT (state kept in .data/anvil), unless RPC_URL is set
 *   redis     a private redis-server on a free port (data in .data/redis), unless REDIS_URL is set
 *   database  PGlite in PGLITE_DIR, served on a free loopback port so the web
 *             server and the workers share it, unless DATABASE_URL is set; migrated on start
 *   contracts deployed (or reused if still live), then announced to the workers
 *   worker    jobs/worker.ts
 *   web       `remix dev` (rebuilds on change) serving on PORT
 *
 * Ctrl-C stops everything it started, in reverse order, and leaves nothing behind.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { dbTargetFromEnv, migrateDb, openDb } from "../db/client.server.js";
import { createQueue, JOB, QUEUE, syncDeploymentJobId } from "../jobs/queues.js";
import { deployContracts } from "../lib/deploy.server.js";
import { envOrExit, envSchema } from "../lib/env.server.js";
import { createRedis, redactUrl } from "../lib/redis.server.js";
import { freePort, isPortFree, type ManagedProcess, nodeTs, startProcess, waitFor } from "./lib/processes.js";
import { findRedisServer, REDIS_MISSING_HELP, startAnvil, startRedis } from "./lib/services.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

const config = envOrExit(
  envSchema
    .pick({
      PORT: true,
      LOG_LEVEL: true,
      DATABASE_URL: true,
      PGLITE_DIR: true,
      DEPLOYMENTS_DIR: true,
      DEPLOYER_PRIVATE_KEY: true,
      QUEUE_PREFIX: true,
      CHAIN_ID: true,
    })
    .extend({
      RPC_URL: envSchema.shape.RPC_URL.optional(),
      REDIS_URL: envSchema.shape.REDIS_URL.optional(),
      ANVIL_PORT: envSchema.shape.PORT.default(8545),
      DEV_DATA_DIR: z.string().min(1).default(".data"),
      /** Where `remix dev` writes the build (inside the project); see remix.config.js. */
      REMIX_BUILD_DIR: z.string().min(1).default("build"),
    }),
);

const dataDir = path.resolve(config.DEV_DATA_DIR);
const lockFile = path.join(dataDir, "dev.pid");
const started: ManagedProcess[] = [];
let shuttingDown = false;

function say(message: string) {
  process.stderr.write(`[dev] ${message}\n`);
}

function fail(message: string): never {
  process.stderr.write(`\n[dev] cannot start: ${message}\n`);
  process.exit(1);
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portInUse(port: number) {
  // remix-serve listens on every interface; anvil on loopback. Check both.
  return !(await isPortFree(port, "127.0.0.1")) || !(await isPortFree(port, "::").catch(() => true));
}

async function preflight() {
  mkdirSync(dataDir, { recursive: true });
  try {
    const other = Number(readFileSync(lockFile, "utf8").trim());
    if (other && other !== process.pid && isAlive(other)) {
      fail(
        `another \`npm run dev\` (pid ${other}) is already running with data in ${dataDir}.\n` +
          "Stop it with Ctrl-C first, or give this one its own DEV_DATA_DIR, PGLITE_DIR, PORT and ANVIL_PORT.",
      );
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (await portInUse(config.PORT)) {
    fail(
      `port ${config.PORT} is in use (another \`npm run dev\`, or another server). Stop it or set PORT=...`,
    );
  }
  if (!config.RPC_URL && (await portInUse(config.ANVIL_PORT))) {
    fail(
      `port ${config.ANVIL_PORT} (anvil) is in use. Stop what runs there, set ANVIL_PORT=..., ` +
        "or use that chain with RPC_URL=http://127.0.0.1:<port>.",
    );
  }
  if (!config.REDIS_URL && !findRedisServer()) fail(REDIS_MISSING_HELP);
  writeFileSync(lockFile, `${process.pid}\n`);
}

async function shutdown(code: number, reason: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  say(`${reason}: stopping ${started.map((p) => p.name).join(", ") || "nothing"}...`);
  // Reverse start order: web and workers before the services they use.
  for (const proc of [...started].reverse()) {
    await proc.stop(10_000);
    say(`${proc.name} stopped`);
  }
  rmSync(lockFile, { force: true });
  process.exit(code);
}

function watch(proc: ManagedProcess) {
  started.push(proc);
  void proc.exited.then((code) => {
    if (!shuttingDown) void shutdown(1, `${proc.name} exited unexpectedly (${code})`);
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

async function main() {
  await preflight();

  // 1. Chain.
  let rpcUrl = config.RPC_URL;
  if (!rpcUrl) {
    const anvil = await startAnvil({
      port: config.ANVIL_PORT,
      statePath: path.join(dataDir, "anvil/state.json"),
    });
    watch(anvil.process);
    rpcUrl = anvil.url;
  }

  // 2. Redis.
  let redisUrl = config.REDIS_URL;
  if (!redisUrl) {
    const redis = await startRedis({ port: await freePort(), dataDir: path.join(dataDir, "redis") });
    watch(redis.process);
    redisUrl = redis.url;
  }

  // 3. Database: migrate, and share PGlite over a loopback socket.
  let databaseUrl = config.DATABASE_URL;
  if (databaseUrl) {
    const handle = await openDb(
      dbTargetFromEnv({ DATABASE_URL: databaseUrl, PGLITE_DIR: config.PGLITE_DIR }),
    );
    await migrateDb(handle).finally(() => handle.close());
  } else {
    let ready: ((url: string) => void) | undefined;
    const url = new Promise<string>((resolve) => {
      ready = resolve;
    });
    const db = watch(
      startProcess({
        name: "db",
        ...nodeTs("db/pglite-server.ts", "--dir", path.resolve(config.PGLITE_DIR), "--port", "0"),
        onLine: (line) => {
          try {
            const event = JSON.parse(line) as { event?: string; url?: string };
            if (event.event === "ready" && event.url) ready?.(event.url);
          } catch {
            process.stderr.write(`[db] ${line}\n`);
          }
        },
      }),
    );
    databaseUrl = await waitFor("PGlite server", () => Promise.race([url, db.exited.then(() => url)]), {
      exited: db.exited,
      timeoutMs: 60_000,
    });
  }

  // 4. Contracts, announced to the workers through the queue.
  const { deployment, reused, file } = await deployContracts({
    rpcUrl,
    privateKey: config.DEPLOYER_PRIVATE_KEY as `0x${string}` | undefined,
    deploymentsDir: config.DEPLOYMENTS_DIR,
    log: say,
  });
  if (deployment.chainId !== config.CHAIN_ID) {
    throw new Error(`RPC_URL serves chain ${deployment.chainId} but CHAIN_ID is ${config.CHAIN_ID}`);
  }
  const producer = createRedis(redisUrl, "producer");
  const queue = createQueue(QUEUE.deployments, producer, config.QUEUE_PREFIX);
  await queue.add(JOB.syncDeployment, deployment, { jobId: syncDeploymentJobId(deployment) });
  await queue.close();
  producer.disconnect();

  // 5. Worker and web, with everything resolved.
  const childEnv = {
    ...process.env,
    NODE_ENV: "development",
    PORT: String(config.PORT),
    RPC_URL: rpcUrl,
    REDIS_URL: redisUrl,
    DATABASE_URL: databaseUrl,
    CHAIN_ID: String(config.CHAIN_ID),
    DEPLOYMENTS_DIR: path.resolve(config.DEPLOYMENTS_DIR),
    QUEUE_PREFIX: config.QUEUE_PREFIX,
  };
  watch(startProcess({ name: "worker", ...nodeTs("jobs/worker.ts"), env: childEnv }));
  const web = watch(
    startProcess({
      name: "web",
      command: path.join(root, "node_modules/.bin/remix"),
      args: ["dev", "--command", `remix-serve ${path.join(config.REMIX_BUILD_DIR, "index.js")}`],
      env: childEnv,
    }),
  );
  const webUrl = `http://localhost:${config.PORT}`;
  await waitFor("web server", () => fetch(`${webUrl}/healthz`), { exited: web.exited, timeoutMs: 120_000 });

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
      `  database   ${config.DATABASE_URL ? redactUrl(databaseUrl) : `PGlite ${path.resolve(config.PGLITE_DIR)} via ${databaseUrl}`}`,
      "  worker     jobs/worker.ts",
      `  contracts  ${reused ? "reused" : "deployed"} (${file})`,
      contracts,
      "Press Ctrl-C to stop everything.",
      "",
    ].join("\n"),
  );
}

main().catch((error: Error) => {
  process.stderr.write(`\n[dev] start-up failed: ${error.message}\n`);
  void shutdown(1, "start-up failed");
});
