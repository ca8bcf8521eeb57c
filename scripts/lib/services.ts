/**
 * Local services for `npm run dev`, the test setup and the benches: anvil (the
 * local chain), a private redis-server and the embedded PostgreSQL. All bind
 * to loopback only.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PORT_IN_USE_EXIT } from "../../db/embedded-postgres.js";
import { createChainClient } from "../../server/chain.js";
import { createRedis } from "../../server/redis.js";
import { freePort, type ManagedProcess, nodeTs, startProcess, waitFor } from "./processes.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface RunningService {
  url: string;
  process: ManagedProcess;
}

interface CommonOptions {
  port: number;
  /** Called right after the process is spawned, before it is ready, so a caller can stop it if start-up fails. */
  onSpawn?: (process: ManagedProcess) => void;
}

/** Stops `proc` when readiness fails, so a failed start leaves nothing behind. */
async function ready<T>(proc: ManagedProcess, wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    await proc.stop(2_000);
    throw error;
  }
}

export interface AnvilOptions extends CommonOptions {
  /** Default 31337, anvil's own. */
  chainId?: number;
  /** Load the chain from this file at start and dump it there periodically and on exit. */
  statePath?: string;
  /**
   * Mine a block every this many seconds as well as on each transaction (anvil's mixed mining), so the
   * chain's clock moves on an idle chain: deadlines pass and the keeper finalizes by itself. 0: on
   * transactions only (anvil's default).
   */
  blockTimeSeconds?: number;
}

export async function startAnvil(options: AnvilOptions): Promise<RunningService> {
  const args = [
    "--host",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--chain-id",
    String(options.chainId ?? 31_337),
  ];
  if (options.blockTimeSeconds) {
    args.push("--block-time", String(options.blockTimeSeconds), "--mixed-mining");
  }
  if (options.statePath) {
    mkdirSync(path.dirname(options.statePath), { recursive: true });
    args.push("--state", options.statePath, "--state-interval", "5");
  }
  const proc = startProcess({
    name: "anvil",
    command: path.join(root, "node_modules/.bin/anvil"),
    args,
    onLine: () => {},
  });
  options.onSpawn?.(proc);
  const url = `http://127.0.0.1:${options.port}`;
  const client = createChainClient(url, 1_000);
  await ready(
    proc,
    waitFor("anvil", () => client.getChainId(), { process: proc, timeoutMs: 30_000 }),
  );
  return { url, process: proc };
}

/** Path of redis-server on PATH, or undefined. */
export function findRedisServer(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const REDIS_MISSING_HELP = [
  "redis-server was not found on PATH, and REDIS_URL is not set.",
  "Either install Redis 6.2+ (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`)",
  "or point Crowdtrain at a running one: `REDIS_URL=redis://127.0.0.1:6379 npm run dev`.",
].join("\n");

export interface RedisOptions extends CommonOptions {
  /** Persist to this directory (append-only file); in memory only when unset. */
  dataDir?: string;
}

export async function startRedis(options: RedisOptions): Promise<RunningService> {
  const binary = findRedisServer();
  if (!binary) throw new Error(REDIS_MISSING_HELP);
  const args = ["--bind", "127.0.0.1", "--port", String(options.port), "--save", ""];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    args.push("--dir", path.resolve(options.dataDir), "--appendonly", "yes");
  } else {
    args.push("--appendonly", "no");
  }
  const proc = startProcess({ name: "redis", command: binary, args, onLine: () => {} });
  options.onSpawn?.(proc);
  const url = `redis://127.0.0.1:${options.port}`;
  const ping = async () => {
    const probe = createRedis(url, "probe");
    probe.on("error", () => {}); // a refused connection while starting is expected; connect() rejects
    try {
      await probe.connect();
      return await probe.ping();
    } finally {
      probe.disconnect();
    }
  };
  await ready(proc, waitFor("redis-server", ping, { process: proc, timeoutMs: 15_000 }));
  return { url, process: proc };
}

export interface PostgresServerOptions {
  /** The cluster's data directory: initialised on first use, reused (with its data) afterwards. */
  dataDir: string;
  /** Tests: durability off (fsync, synchronous commit, full-page writes). */
  fast?: boolean;
  /** Delete the data directory when the server stops. */
  ephemeral?: boolean;
  /** Migrate its `postgres` database before announcing it (default true). */
  migrate?: boolean;
  maxConnections?: number;
  /**
   * Called with each process spawned, before it is ready, so a caller can stop it if start-up is abandoned. A
   * process whose port was taken meanwhile has exited (and been stopped) before the next one is spawned.
   */
  onSpawn?: (process: ManagedProcess) => void;
  /** Called with the server's lines that are not events: its notices, and Postgres' FATAL and PANIC lines. */
  onLine?: (line: string) => void;
}

/**
 * Starts `db/postgres-server.ts` in its own process (ADR 018: embedded-postgres must not be imported here), and
 * resolves once Postgres listens and is migrated; its ready event carries the URL. Postgres cannot bind port 0,
 * so a free port is chosen here, and another one if it was taken before Postgres bound it.
 */
export async function startPostgresServer(options: PostgresServerOptions): Promise<RunningService> {
  for (let attempt = 1; ; attempt++) {
    let announce: (url: string) => void = () => {};
    const announced = new Promise<string>((resolve) => {
      announce = resolve;
    });
    const args = ["--dir", path.resolve(options.dataDir), "--port", String(await freePort())];
    if (options.fast) args.push("--fast");
    if (options.ephemeral) args.push("--ephemeral");
    if (options.migrate === false) args.push("--no-migrate");
    if (options.maxConnections) args.push("--max-connections", String(options.maxConnections));
    const proc = startProcess({
      name: "db",
      ...nodeTs("db/postgres-server.ts", ...args),
      cwd: root,
      onLine: (line) => {
        let event: unknown;
        try {
          event = JSON.parse(line);
        } catch {
          options.onLine?.(line); // not an event: an ordinary log line
          return;
        }
        const { event: name, url } = (typeof event === "object" && event !== null ? event : {}) as {
          event?: unknown;
          url?: unknown;
        };
        if (name === "ready" && typeof url === "string") announce(url);
      },
    });
    options.onSpawn?.(proc);
    try {
      const url = await ready(
        proc,
        waitFor("PostgreSQL server", () => announced, { process: proc, timeoutMs: 120_000 }),
      );
      return { url, process: proc };
    } catch (error) {
      if (attempt < 3 && (await proc.exited) === PORT_IN_USE_EXIT) continue;
      throw error;
    }
  }
}
