/**
 * `npm run bench:dispatch [-- --jobs M]`: the dispatcher against raw BullMQ, in
 * one run, on one private redis-server.
 *
 * (a) raw BullMQ: addBulk M prioritized no-op jobs, and a Worker (concurrency
 *     50) processes them; the rate is M over the whole time (add + process).
 *     After a warm-up round of each (M jobs, not counted), (a) and (b)
 *     alternate for five rounds; each side's median is reported: steady
 *     state, as a long-running server sees it.
 * (b) Crowdtrain: enqueue M funded bounties through the dispatcher (priority
 *     from funding, backers and age; capability class; idempotent ids), and
 *     simulated pools with 50 slots in all lease and complete them through it
 *     (slot reservation, BullMQ lock as lease, lease rows in the database).
 *     The HTTP API is left out: it is what a pool agent adds per call.
 * (c) latency: one free pool long-polls; bounties are enqueued one at a time;
 *     enqueue-to-lease time for each, p50 and p99.
 *
 * Lease rows go to a fresh database on TEST_DATABASE_URL's (or DATABASE_URL's)
 * server when set, otherwise on the embedded PostgreSQL (bench/lib/database.ts).
 * The last line is one JSON object.
 */
import { parseArgs } from "node:util";
import { Queue, Worker } from "bullmq";
import { createLogger } from "../core/logger.js";
import { type DbHandle, migrateDb, openDb } from "../db/client.server.js";
import type { PoolRow } from "../db/schema/index.js";
import { createPool, Dispatcher, type Lease, type TrainingJobData } from "../jobs/dispatch/index.js";
import { freePort } from "../scripts/lib/processes.js";
import { startRedis } from "../scripts/lib/services.js";
import { createRedis } from "../server/redis.js";
import { Cleanups } from "./lib/cleanups.js";
import { benchDatabase } from "./lib/database.js";

const { values } = parseArgs({
  options: { jobs: { type: "string", default: "5000" }, samples: { type: "string", default: "300" } },
});
const M = Number(values.jobs);
const SAMPLES = Number(values.samples);
if (!Number.isInteger(M) || M < 100 || !Number.isInteger(SAMPLES) || SAMPLES < 10) {
  console.error("bench:dispatch: --jobs must be an integer >= 100 and --samples >= 10");
  process.exit(2);
}
const SLOTS = 50;
const ROUNDS = 5;
const say = (message: string) => process.stderr.write(`${message}\n`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function bounty(i: number, enqueuedAt: number): TrainingJobData {
  return {
    chainId: 31337,
    bountyId: String(i),
    board: "0x0000000000000000000000000000000000000b0a",
    token: "0x0000000000000000000000000000000000000707",
    specHash: `0x${i.toString(16).padStart(64, "0")}`,
    spec: { name: `bench ${i}` },
    requirements: { minVramGb: 0, gpus: 0 },
    raised: String(1_000_000 + ((i * 7_919) % 1_000_000_000)),
    decimals: 6,
    price: 1,
    backers: 1 + (i % 97),
    enqueuedAt,
  };
}

// An interrupted run drops its database and stops its redis-server too.
const cleanups = new Cleanups(say);
try {
  const redis = await startRedis({
    port: await freePort(),
    onSpawn: (proc) => cleanups.add(() => proc.stop(5_000)),
  });
  const database = await benchDatabase(cleanups, say);
  const handle: DbHandle = await openDb({ kind: "postgres", url: database.url });
  cleanups.add(() => handle.close());
  await migrateDb(handle);
  const connection = createRedis(redis.url, "worker");
  cleanups.add(() => connection.disconnect());
  say(`bench:dispatch: ${M} jobs, ${SLOTS} slots, lease rows in ${database.where}`);

  // (a) raw BullMQ.
  const rawRound = async (round: number | "warm-up", jobs: number) => {
    const prefix = `bench-raw-${round}`;
    const queue = new Queue("raw", { connection, prefix });
    const started = performance.now();
    for (let i = 0; i < jobs; i += 1_000) {
      await queue.addBulk(
        Array.from({ length: Math.min(1_000, jobs - i) }, (_, k) => ({
          name: "noop",
          data: bounty(i + k, Date.now()),
          opts: { priority: 1 + ((i + k) % 2_000_000), removeOnComplete: true },
        })),
      );
    }
    let done = 0;
    const finished = new Promise<void>((resolve) => {
      const worker = new Worker("raw", async () => {}, { connection, prefix, concurrency: SLOTS });
      worker.on("completed", () => {
        done++;
        if (done === jobs) void worker.close().then(resolve);
      });
    });
    await finished;
    const seconds = (performance.now() - started) / 1_000;
    await queue.close();
    return jobs / seconds;
  };

  // Pools: four of them, 50 slots in all, each running as many agent loops as it has slots.
  const pools: PoolRow[] = [];
  for (const [index, maxLeases] of [20, 15, 10, 5].entries()) {
    pools.push(
      (
        await createPool(handle.db, {
          name: `bench-pool-${index}`,
          operator: "0x000000000000000000000000000000000000dEaD",
          gpuModel: "H100",
          gpuCount: 8,
          vramGb: 80,
          maxLeases,
        })
      ).pool,
    );
  }
  const dispatcherOptions = {
    connection,
    db: handle.db,
    log: createLogger("bench", "silent"),
    leaseTtlMs: 60_000,
    checkIntervalMs: 5_000,
    maxAttempts: 3,
  };

  // (b) Crowdtrain.
  const crowdtrainRound = async (round: number | "warm-up", jobs: number) => {
    const dispatcher = new Dispatcher({ ...dispatcherOptions, prefix: `bench-ct-${round}` });
    const started = performance.now();
    const enqueuedAt = Date.now();
    let next = 0;
    // Producers enqueue as the indexer's effect jobs would, many at a time.
    const producers = Array.from({ length: SLOTS }, async () => {
      for (let i = next++; i < jobs; i = next++) await dispatcher.enqueue(bounty(i, enqueuedAt));
    });
    let done = 0;
    const agents = pools.flatMap((pool) =>
      Array.from({ length: pool.maxLeases }, async () => {
        // Like the pool agent: a completion asks for the next job in the same call, and only a pool
        // that got none long-polls.
        let lease: Lease | null = null;
        while (done < jobs) {
          lease ??= await dispatcher.lease(pool, { waitMs: 200 });
          if (!lease) continue;
          lease = await dispatcher.complete(pool, lease.leaseId, {}, { next: true });
          done++;
        }
      }),
    );
    await Promise.all([...producers, ...agents]);
    const seconds = (performance.now() - started) / 1_000;
    await dispatcher.close();
    return jobs / seconds;
  };

  // CPU seconds spent by this process and by redis-server during a round: where the time goes.
  const redisCpu = async () => {
    const info = await connection.info("cpu");
    const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return field("used_cpu_user") + field("used_cpu_sys");
  };
  const measured = async (run: () => Promise<number>) => {
    const node = process.cpuUsage();
    const redisBefore = await redisCpu();
    const rate = await run();
    const used = process.cpuUsage(node);
    return { rate, nodeCpu: (used.user + used.system) / 1e6, redisCpu: (await redisCpu()) - redisBefore };
  };

  // Alternating rounds, so both sides see the same machine; the median of each is reported.
  const raws: number[] = [];
  const crowdtrains: number[] = [];
  // A process's first thousands of jobs run colder: the JIT, new connections, the database's files
  // growing to size. Profiles settle after about 10,000 jobs.
  await rawRound("warm-up", M);
  await crowdtrainRound("warm-up", M);
  for (let round = 0; round < ROUNDS; round++) {
    const a = await measured(() => rawRound(round, M));
    const b = await measured(() => crowdtrainRound(round, M));
    raws.push(a.rate);
    crowdtrains.push(b.rate);
    const cpu = (side: typeof a) =>
      `${side.rate.toFixed(0)} jobs/s (CPU per 1000 jobs: node ${((side.nodeCpu * 1e6) / M).toFixed(0)} ms, redis ${((side.redisCpu * 1e6) / M).toFixed(0)} ms)`;
    say(`round ${round + 1}: raw ${cpu(a)}, Crowdtrain ${cpu(b)}`);
  }
  const raw = percentile(raws, 50);
  const crowdtrain = percentile(crowdtrains, 50);
  say(`(a) raw BullMQ:  ${raw.toFixed(0)} jobs/s (median of ${ROUNDS})`);
  say(
    `(b) Crowdtrain:  ${crowdtrain.toFixed(0)} jobs/s (median of ${ROUNDS}), ratio ${(crowdtrain / raw).toFixed(2)}`,
  );

  // (c) Enqueue-to-lease latency with a free pool that is long-polling.
  const latencies = await (async () => {
    const dispatcher = new Dispatcher({ ...dispatcherOptions, prefix: "bench-latency" });
    const pool = pools[3] as PoolRow;
    const samples: number[] = [];
    // Warm-up: the class and its queue exist before timing starts.
    await dispatcher.enqueue(bounty(M + 1, Date.now()));
    const warm = await dispatcher.lease(pool, { waitMs: 1_000 });
    if (warm) await dispatcher.complete(pool, warm.leaseId, {});
    for (let i = 0; i < SAMPLES; i++) {
      const leased = dispatcher.lease(pool, { waitMs: 5_000 });
      await new Promise((resolve) => setTimeout(resolve, 5)); // the agent is waiting before the job arrives
      const started = performance.now();
      await dispatcher.enqueue(bounty(M + 2 + i, Date.now()));
      const lease = await leased;
      samples.push(performance.now() - started);
      if (!lease) throw new Error("a free pool got no lease within 5 s");
      await dispatcher.complete(pool, lease.leaseId, {});
    }
    await dispatcher.close();
    return samples;
  })();
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  say(
    `(c) enqueue-to-lease with a free pool: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (${SAMPLES} samples)`,
  );

  process.stdout.write(
    `${JSON.stringify({
      bench: "dispatch",
      jobs: M,
      raw_jobs_per_s: Math.round(raw),
      crowdtrain_jobs_per_s: Math.round(crowdtrain),
      ratio: Number((crowdtrain / raw).toFixed(3)),
      lease_p99_ms: Number(p99.toFixed(1)),
    })}\n`,
  );
} finally {
  await cleanups.run();
}
