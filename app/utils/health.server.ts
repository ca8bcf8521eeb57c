/**
 * Reachability of the platform's dependencies, for /healthz. Each probe runs
 * with a timeout and in parallel; the report names every failing part.
 */

import type { Redis } from "ioredis";
import pTimeout from "p-timeout";
import type { PublicClient } from "viem";
import { type Database, pingDb } from "../../db/client.js";

export type Component = "db" | "redis" | "chain";

export interface ComponentHealth {
  ok: boolean;
  latencyMs: number;
  error?: string;
  detail?: Record<string, unknown>;
}

export interface HealthReport {
  status: "ok" | "unavailable";
  failing: Component[];
  checks: Record<Component, ComponentHealth>;
}

export interface HealthDeps {
  db: Database;
  redis: Redis;
  chain: PublicClient;
  expectedChainId: number;
  timeoutMs: number;
}

async function probe(
  timeoutMs: number,
  run: () => Promise<Record<string, unknown> | undefined>,
): Promise<ComponentHealth> {
  const started = performance.now();
  try {
    const detail = await pTimeout(run(), {
      milliseconds: timeoutMs,
      message: `no answer within ${timeoutMs} ms`,
    });
    return { ok: true, latencyMs: Math.round(performance.now() - started), ...(detail ? { detail } : {}) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
  }
}

/**
 * Resolves when `redis` is connected; rejects with the next connection error.
 * (If neither comes, the probe's timeout answers.)
 */
function waitUntilReady(redis: Redis): Promise<void> {
  if (redis.status === "wait") return redis.connect();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      redis.off("error", onError);
      resolve();
    };
    const onError = (error: Error) => {
      redis.off("ready", onReady);
      reject(error);
    };
    redis.once("ready", onReady).once("error", onError);
  });
}

export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const [db, redis, chain] = await Promise.all([
    probe(deps.timeoutMs, async () => {
      await pingDb(deps.db);
      return undefined;
    }),
    probe(deps.timeoutMs, async () => {
      // The producer connection fails fast instead of queueing commands, so wait for it to be ready.
      if (deps.redis.status !== "ready") await waitUntilReady(deps.redis);
      const reply = await deps.redis.ping();
      if (reply !== "PONG") throw new Error(`unexpected PING reply ${reply}`);
      return undefined;
    }),
    probe(deps.timeoutMs, async () => {
      const [chainId, blockNumber] = await Promise.all([
        deps.chain.getChainId(),
        deps.chain.getBlockNumber({ cacheTime: 0 }),
      ]);
      if (chainId !== deps.expectedChainId) {
        throw new Error(`RPC serves chain ${chainId}, configured CHAIN_ID is ${deps.expectedChainId}`);
      }
      return { chainId, blockNumber: Number(blockNumber) };
    }),
  ]);
  const checks = { db, redis, chain };
  const failing = (Object.keys(checks) as Component[]).filter((name) => !checks[name].ok);
  return { status: failing.length === 0 ? "ok" : "unavailable", failing, checks };
}
