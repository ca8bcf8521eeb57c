/**
 * The whole platform as separate processes, for end-to-end tests: anvil with
 * the contracts deployed, a private Redis, a database of its own on the run's
 * PostgreSQL, the worker (dispatch, evaluation) and the indexer as real
 * `jobs/*.ts` processes, the web app as a production build under remix-serve
 * with the dev wallet on, and optionally a CPU pool with a real pool agent.
 * Everything is private to the test and removed by `stop()`.
 */
import path from "node:path";
import { anvilAccount, anvilPrivateKey } from "../../core/dev-chain.js";
import { createLogger } from "../../core/logger.js";
import { type DeployResult, deployContracts } from "../../jobs/deployments/deploy.js";
import { syncDeployment } from "../../jobs/deployments/sync.js";
import { createPool } from "../../jobs/dispatch/pools.js";
import { freePort, type ManagedProcess, nodeTs, startProcess } from "../../scripts/lib/processes.js";
import { createChainClient } from "../../server/chain.js";
import {
  startTestAnvil,
  startTestRedis,
  type TestDb,
  type TestService,
  tempDir,
  testDatabase,
  uniqueId,
} from "./fixtures.js";
import { buildWeb, serveWeb, type WebBuild, type WebServer, webReady } from "./web.js";

export interface Stack {
  url: string;
  rpcUrl: string;
  deployed: DeployResult;
  db: TestDb;
  /** Output lines of each process, for a failing test's message. */
  logs(): string;
  stop(): Promise<void>;
}

/** The anvil account the stack's pool agent trains and submits with. */
export const STACK_TRAINER = 5;

export async function startStack(label: string, options: { poolAgent?: boolean } = {}): Promise<Stack> {
  const dir = tempDir(label);
  const build: WebBuild = buildWeb(`${label}-web`);
  const started: { name: string; proc: ManagedProcess; lines: string[] }[] = [];
  let anvil: TestService | undefined;
  let redis: TestService | undefined;
  let db: TestDb | undefined;
  let web: WebServer | undefined;

  const stop = async () => {
    for (const entry of started.reverse()) await entry.proc.stop(5_000);
    await web?.server.stop(5_000);
    await Promise.all([anvil?.stop(), redis?.stop(), db?.stop()]);
    build.remove();
    dir.remove();
  };

  try {
    [anvil, redis, db] = await Promise.all([startTestAnvil(), startTestRedis(), testDatabase()]);
    const deployed = await deployContracts({
      rpcUrl: anvil.url,
      deploymentsDir: path.join(dir.dir, "deployments"),
    });
    await syncDeployment(deployed.deployment, {
      db: db.handle.db,
      chain: createChainClient(anvil.url),
      log: createLogger("test", "silent"),
    });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      PATH: process.env.PATH ?? "",
      RPC_URL: anvil.url,
      REDIS_URL: redis.url,
      DATABASE_URL: db.url,
      QUEUE_PREFIX: uniqueId(label),
      DEPLOYMENTS_DIR: path.join(dir.dir, "deployments"),
      ARTIFACTS_DIR: path.join(dir.dir, "artifacts"),
      PUBLIC_URL: url,
      INDEXER_POLL_MS: "200",
      // The stories finalize bounties from the browser; the worker's keeper would race them to it.
      KEEPER_INTERVAL_MS: "0",
      LOG_LEVEL: "info",
    };
    web = await serveWeb(build, { ...env, DEV_WALLET: "1" }, { port });
    const spawn = (name: string, script: string, extra: Record<string, string> = {}) => {
      const lines: string[] = [];
      const proc = startProcess({
        name,
        ...nodeTs(script),
        env: { ...env, NODE_ENV: "production", ...extra },
        onLine: (line) => lines.push(line),
      });
      started.push({ name, proc, lines });
    };
    spawn("worker", "jobs/worker.ts");
    spawn("indexer", "jobs/indexer-process.ts");
    await webReady(web);
    if (options.poolAgent) {
      const { token } = await createPool(db.handle.db, {
        name: `${label}-cpu`,
        operator: anvilAccount(STACK_TRAINER).address,
        gpuModel: "cpu",
        gpuCount: 0,
        vramGb: 0,
        maxLeases: 1,
      });
      spawn("pool-agent", "agent/cli.ts", {
        POOL_API_URL: url,
        POOL_TOKEN: token,
        TRAINER_PRIVATE_KEY: anvilPrivateKey(STACK_TRAINER),
        POOL_WORK_DIR: path.join(dir.dir, "pool"),
        POOL_STATE_DIR: path.join(dir.dir, "pool-state"),
        POOL_SEED: "7",
      });
    }
    const all = () => [
      ...started.map((s) => ({ name: s.name, lines: s.lines })),
      { name: "web", lines: web?.lines ?? [] },
    ];
    return {
      url,
      rpcUrl: anvil.url,
      deployed,
      db,
      logs: () =>
        all()
          .map((s) => `--- ${s.name}\n${s.lines.slice(-40).join("\n")}`)
          .join("\n"),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
