/**
 * Local services for `npm run dev`, the test setup and the benches: anvil (the
 * local chain), a private redis-server and the PGlite socket server. All bind
 * to loopback only.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createChainClient } from "../../server/chain.js";
import { createRedis } from "../../server/redis.js";
import { type ManagedProcess, nodeTs, startProcess, waitFor } from "./processes.js";

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

export interface PgliteServerOptions {
  /** The PGlite data directory (created if missing). */
  dataDir: string;
  onSpawn?: (process: ManagedProcess) => void;
  /** Called with the server's lines that are not events (default: ignored). */
  onLine?: (line: string) => void;
}

/**
 * Starts `db/pglite-server.ts` in its own process, as `npm run dev` runs the embedded database, and
 * resolves once it has migrated and listens (its ready event carries the URL).
 */
export async function startPgliteServer(options: PgliteServerOptions): Promise<RunningService> {
  let announce: (url: string) => void = () => {};
  const announced = new Promise<string>((resolve) => {
    announce = resolve;
  });
  const proc = startProcess({
    name: "db",
    ...nodeTs("db/pglite-server.ts", "--dir", path.resolve(options.dataDir), "--port", "0"),
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
  const url = await ready(
    proc,
    waitFor("PGlite server", () => announced, { process: proc, timeoutMs: 60_000 }),
  );
  return { url, process: proc };
}
