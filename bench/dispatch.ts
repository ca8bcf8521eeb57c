/**
 * `npm run bench:dispatch [-- --quick] [-- --jobs N --classes C --agents A --samples S --take K --think-ms T]`:
 * the dispatcher at scale against raw BullMQ manual processing, in one run, on one private redis-server.
 *
 * Defaults: 100,000 waiting jobs across 20 capability classes, 200 agents. `--quick` (or
 * BENCH_DISPATCH_QUICK=1) is a small run for a check: 10,000 jobs, 50 agents.
 *
 * (a) raw BullMQ: N prioritized jobs across C queues (addBulk); A loops of `Worker.getNextJob(token)`
 *     and `job.moveToCompleted(…, token, false)`, each on one queue, take K of them: jobs/s.
 * (b) Crowdtrain: N funded bounties enqueued through the dispatcher across the same C classes; A agents
 *     in pools of different sizes (some fit every class, others a few) lease and complete K of them
 *     through it as the pool agent does (a completion asks for the next job), as fast as they can:
 *     slot reservation, best class first, BullMQ's lock as the lease, the lease row written before
 *     the lease is answered. jobs/s, and the ratio to (a). The HTTP API is left out: it is what a pool
 *     agent adds per call.
 * (c) latency at scale: the backlog topped up to N waiting jobs; most agents work their leases
 *     (lease, a heartbeat halfway through a simulated training of T ms on average, complete with
 *     next); a few agents of a CPU-only pool long-poll for the one class that has nothing waiting, and
 *     S jobs of that class are queued one at a time. Reported: the p50/p99 of every call that handed
 *     out a lease (a lease call, or a completion with next) and of heartbeats, and the
 *     enqueue-to-lease time of the S jobs (whoever leased them first).
 *
 * Lease rows go to a fresh database (bench/lib/database.ts): on TEST_DATABASE_URL's (or DATABASE_URL's) server
 * when set, else on an embedded PostgreSQL in its own process. The last line is one JSON object.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { type Job, Queue, Worker } from "bullmq";
import { createLogger } from "../core/logger.js";
import { type DbHandle, migrateDb, openDb } from "../db/client.js";
import type { PoolRow } from "../db/schema/index.js";
import {
  bullPriority,
  classOf,
  createPool,
  Dispatcher,
  type Lease,
  priorityScore,
  type Requirements,
  type TrainingJobData,
} from "../jobs/dispatch/index.js";
import { freePort } from "../scripts/lib/processes.js";
import { startRedis } from "../scripts/lib/services.js";
import { createRedis } from "../server/redis.js";
import { Cleanups } from "./lib/cleanups.js";
import { benchDatabase } from "./lib/database.js";

const say = (message: string) => process.stderr.write(`${message}\n`);

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: process.env.BENCH_DISPATCH_QUICK === "1" },
    jobs: { type: "string" },
    classes: { type: "string" },
    agents: { type: "string" },
    samples: { type: "string" },
    take: { type: "string" },
    "think-ms": { type: "string" },
  },
});
const preset = values.quick
  ? { jobs: 10_000, classes: 20, agents: 50, samples: 100, take: 2_000, think: 1_000 }
  : { jobs: 100_000, classes: 20, agents: 200, samples: 300, take: 20_000, think: 1_000 };
const N = Number(values.jobs ?? preset.jobs);
const C = Number(values.classes ?? preset.classes);
const A = Number(values.agents ?? preset.agents);
const SAMPLES = Number(values.samples ?? preset.samples);
const TAKE = Number(values.take ?? Math.min(preset.take, Math.floor(N / 5)));
const THINK_MS = Number(values["think-ms"] ?? preset.think);
const problems = [
  !Number.isInteger(N) || N < 100 ? "--jobs must be an integer >= 100" : "",
  !Number.isInteger(C) || C < 1 || C > 32 ? "--classes must be an integer from 1 to 32" : "",
  !Number.isInteger(A) || A < 4 ? "--agents must be an integer >= 4" : "",
  !Number.isInteger(SAMPLES) || SAMPLES < 10 ? "--samples must be an integer >= 10" : "",
  !Number.isInteger(TAKE) || TAKE < 10 || TAKE > N / 2
    ? "--take must be an integer from 10 to half of --jobs"
    : "",
  !Number.isFinite(THINK_MS) || THINK_MS < 0 ? "--think-ms must be a number >= 0" : "",
].filter(Boolean);
if (problems.length > 0) {
  console.error(`bench:dispatch: ${problems.join("; ")}`);
  process.exit(2);
}

/** The capability classes: VRAM × GPU count, smallest first; `train-v0-g0` is left for the probes of (c). */
const CLASSES: Requirements[] = [8, 16, 24, 48, 80, 96, 141, 192]
  .flatMap((minVramGb) => [1, 2, 4, 8].map((gpus) => ({ minVramGb, gpus })))
  .slice(0, C);
const PROBE_CLASS: Requirements = { minVramGb: 0, gpus: 0 };
/** Agents per pool (its maxLeases), and the CPU-only pool's agents that long-poll in (c). */
const PER_POOL = 10;
const PROBE_AGENTS = Math.max(2, Math.round(A / 20));
const BUSY_AGENTS = A - PROBE_AGENTS;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
const ms = (value: number) => Number(value.toFixed(1));

/** A deterministic PRNG, so runs compare. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(19);

function bounty(i: number, requirements: Requirements, enqueuedAt: number): TrainingJobData {
  return {
    chainId: 31337,
    bountyId: String(i),
    board: "0x0000000000000000000000000000000000000b0a",
    token: "0x0000000000000000000000000000000000000707",
    specHash: `0x${i.toString(16).padStart(64, "0")}`,
    spec: { name: `bench ${i}` },
    requirements,
    raised: String(1_000_000 + Math.floor(random() * 1_000_000_000)),
    decimals: 6,
    price: 1,
    backers: 1 + Math.floor(random() * 300),
    enqueuedAt,
  };
}
const classOfJob = (i: number) => CLASSES[i % C] as Requirements;

/** Runs `workers` loops of `step` until `count` steps are done; resolves the seconds it took. */
async function timed(
  count: number,
  workers: number,
  step: (worker: number) => Promise<void>,
): Promise<number> {
  let claimed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (claimed < count) {
        claimed++;
        await step(worker);
      }
    }),
  );
  return (performance.now() - started) / 1_000;
}

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
  say(
    `bench:dispatch: ${N} jobs in ${C} classes, ${A} agents (${PROBE_AGENTS} of them long-polling in (c)), ` +
      `${TAKE} jobs timed, lease rows in ${database.where}`,
  );
  const enqueuedAt = Date.now();
  const priorityOf = (data: TrainingJobData) =>
    bullPriority(priorityScore({ ...data, raised: BigInt(data.raised) }, Date.now(), 1));

  // ------------------------------------------------------------ (a) raw BullMQ
  const raw = await (async () => {
    const prefix = "bench-raw";
    const queues = CLASSES.map((c) => new Queue(classOf(c), { connection, prefix }));
    for (let i = 0; i < N; i += 1_000) {
      const batch = Array.from({ length: Math.min(1_000, N - i) }, (_, k) => i + k);
      await Promise.all(
        queues.map((queue, q) =>
          queue.addBulk(
            batch
              .filter((n) => n % C === q)
              .map((n) => {
                const data = bounty(n, classOfJob(n), enqueuedAt);
                return {
                  name: "train",
                  data,
                  opts: {
                    jobId: `raw-${n}`,
                    priority: priorityOf(data),
                    removeOnComplete: { count: 10_000 },
                  },
                };
              }),
          ),
        ),
      );
    }
    const workers = CLASSES.map(
      (c) => new Worker(classOf(c), null, { connection, prefix, autorun: false, lockDuration: 60_000 }),
    );
    const step = async (agent: number) => {
      const token = randomUUID();
      const job = (await workers[agent % C]?.getNextJob(token, { block: false })) as Job | undefined;
      if (!job) throw new Error("raw BullMQ: a queue ran dry; use a larger --jobs or smaller --take");
      await job.moveToCompleted({}, token, false);
    };
    await timed(Math.ceil(TAKE / 10), BUSY_AGENTS, step); // warm-up
    const seconds = await timed(TAKE, BUSY_AGENTS, step);
    await Promise.all(workers.map((worker) => worker.close()));
    // Its keys go, so (b) and (c) run on a Redis holding what a real one would.
    await Promise.all(queues.map((queue) => queue.obliterate({ force: true })));
    await Promise.all(queues.map((queue) => queue.close()));
    return TAKE / seconds;
  })();
  say(`(a) raw BullMQ getNextJob + moveToCompleted, ${BUSY_AGENTS} loops: ${raw.toFixed(0)} jobs/s`);

  // ------------------------------------------------------------ pools and the dispatcher
  const busyPools: PoolRow[] = [];
  for (let i = 0; i * PER_POOL < BUSY_AGENTS; i++) {
    // Half the pools fit every class; the others a few (those up to one class's requirements).
    const fits = i % 2 === 0 ? (CLASSES[C - 1] as Requirements) : (CLASSES[(i * 7) % C] as Requirements);
    const { pool } = await createPool(handle.db, {
      name: `bench-pool-${i}`,
      operator: "0x000000000000000000000000000000000000dEaD",
      gpuModel: "H100",
      gpuCount: fits.gpus,
      vramGb: fits.minVramGb,
      maxLeases: Math.min(PER_POOL, BUSY_AGENTS - i * PER_POOL),
    });
    busyPools.push(pool);
  }
  const { pool: cpuPool } = await createPool(handle.db, {
    name: "bench-cpu",
    operator: "0x000000000000000000000000000000000000dEaD",
    gpuModel: "none",
    gpuCount: 0,
    vramGb: 0,
    maxLeases: PROBE_AGENTS,
  });
  const agentPools = busyPools.flatMap((pool) => Array.from({ length: pool.maxLeases }, () => pool));
  const dispatcher = new Dispatcher({
    connection,
    prefix: "bench-ct",
    db: handle.db,
    log: createLogger("bench", "silent"),
    leaseTtlMs: 60_000,
    checkIntervalMs: 5_000,
    maxAttempts: 3,
  });
  cleanups.add(() => dispatcher.close());

  let nextBounty = 0;
  const enqueueMany = async (count: number) => {
    const until = nextBounty + count;
    const started = performance.now();
    // Producers enqueue as the worker's dispatch-bounty jobs would, many at a time.
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (let i = nextBounty++; i < until; i = nextBounty++) {
          await dispatcher.enqueue(bounty(i, classOfJob(i), enqueuedAt));
        }
      }),
    );
    nextBounty = until;
    return count / ((performance.now() - started) / 1_000);
  };
  const waiting = async () => {
    let sum = 0;
    for (const c of CLASSES) {
      const counts = await dispatcher.queue(classOf(c)).getJobCounts("wait", "prioritized");
      sum += (counts.wait ?? 0) + (counts.prioritized ?? 0);
    }
    return sum;
  };

  // ------------------------------------------------------------ (b) Crowdtrain throughput
  const enqueueRate = await enqueueMany(N);
  say(`(b) enqueued ${N} bounties through the dispatcher: ${enqueueRate.toFixed(0)} jobs/s`);
  const held = new Map<number, Lease>();
  const crowdtrainStep = async (agent: number) => {
    const pool = agentPools[agent] as PoolRow;
    let lease = held.get(agent) ?? null;
    while (!lease) lease = await dispatcher.lease(pool, { waitMs: 200 });
    // Like the pool agent: a completion asks for the next job in the same call.
    const next = await dispatcher.complete(pool, lease.leaseId, {}, { next: true });
    if (next) held.set(agent, next);
    else held.delete(agent);
  };
  await timed(Math.ceil(TAKE / 10), BUSY_AGENTS, crowdtrainStep); // warm-up
  const crowdtrainSeconds = await timed(TAKE, BUSY_AGENTS, crowdtrainStep);
  const crowdtrain = TAKE / crowdtrainSeconds;
  for (const [agent, lease] of held)
    await dispatcher.complete(agentPools[agent] as PoolRow, lease.leaseId, {});
  held.clear();
  say(
    `(b) Crowdtrain lease + complete(next), ${BUSY_AGENTS} agents: ${crowdtrain.toFixed(0)} jobs/s, ratio ${(crowdtrain / raw).toFixed(3)}`,
  );

  // ------------------------------------------------------------ (c) latency at scale
  await enqueueMany(N - (await waiting()));
  const waitingJobs = await waiting();
  say(`(c) ${waitingJobs} jobs waiting; agents train for ${THINK_MS} ms on average, ${SAMPLES} probes`);
  // CPU seconds spent by this process and by redis-server during (c): where the time goes.
  const redisCpu = async () => {
    const info = await connection.info("cpu");
    const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return field("used_cpu_user") + field("used_cpu_sys");
  };
  const cStarted = performance.now();
  const nodeBefore = process.cpuUsage();
  const redisBefore = await redisCpu();
  const leaseMs: number[] = [];
  const heartbeatMs: number[] = [];
  const probes = new Map<string, { started: number; leased: (at: number) => void }>();
  const sawLease = (lease: Lease | null, at: number) => {
    if (lease) probes.get(lease.jobId)?.leased(at);
  };
  let stop = false;
  const busy = agentPools.map(async (pool) => {
    let lease: Lease | null = null;
    while (!stop) {
      if (!lease) {
        const started = performance.now();
        lease = await dispatcher.lease(pool, { waitMs: 1_000 });
        const at = performance.now();
        sawLease(lease, at);
        if (lease && at - started < 1_000) leaseMs.push(at - started);
        continue;
      }
      // A simulated training, uniform around THINK_MS, with a heartbeat halfway through.
      const training = THINK_MS * (0.5 + random());
      await sleep(training / 2);
      const beat = performance.now();
      await dispatcher.heartbeat(pool, lease.leaseId, { percent: 50 });
      heartbeatMs.push(performance.now() - beat);
      await sleep(training / 2);
      const started = performance.now();
      lease = await dispatcher.complete(pool, lease.leaseId, {}, { next: !stop });
      const at = performance.now();
      sawLease(lease, at);
      if (lease) leaseMs.push(at - started);
    }
    if (lease) await dispatcher.complete(pool, lease.leaseId, {});
  });
  const probing = Array.from({ length: PROBE_AGENTS }, async () => {
    while (!stop) {
      const lease = await dispatcher.lease(cpuPool, { waitMs: 1_000 });
      sawLease(lease, performance.now());
      if (lease) await dispatcher.complete(cpuPool, lease.leaseId, {});
    }
  });
  // Probes: one at a time, a random 10-40 ms apart, each timed from its enqueue to its lease.
  const enqueueToLease: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    await sleep(10 + random() * 30);
    const data = bounty(1_000_000_000 + i, PROBE_CLASS, Date.now());
    const leased = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("a probe job was not leased within 5 s")), 5_000);
      probes.set(`train-31337-${data.bountyId}`, {
        started: performance.now(),
        leased: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      });
    });
    const started = performance.now();
    await dispatcher.enqueue(data);
    enqueueToLease.push((await leased) - started);
  }
  stop = true;
  const cSeconds = (performance.now() - cStarted) / 1_000;
  const nodeUsed = process.cpuUsage(nodeBefore);
  const redisUsed = (await redisCpu()) - redisBefore;
  await Promise.all([...busy, ...probing]);
  const waitingAfter = await waiting();

  const result = {
    bench: "dispatch",
    db: database.where,
    waiting_jobs: waitingJobs,
    waiting_jobs_after: waitingAfter,
    classes: C,
    agents: A,
    think_ms: THINK_MS,
    raw_jobs_per_s: Math.round(raw),
    crowdtrain_jobs_per_s: Math.round(crowdtrain),
    ratio: Number((crowdtrain / raw).toFixed(3)),
    leases_timed: leaseMs.length,
    leases_per_s: Math.round(leaseMs.length / cSeconds),
    node_cpu_pct: Math.round(((nodeUsed.user + nodeUsed.system) / 1e6 / cSeconds) * 100),
    redis_cpu_pct: Math.round((redisUsed / cSeconds) * 100),
    lease_p50_ms: ms(percentile(leaseMs, 50)),
    lease_p99_ms: ms(percentile(leaseMs, 99)),
    heartbeat_p99_ms: ms(percentile(heartbeatMs, 99)),
    enqueue_to_lease_p50_ms: ms(percentile(enqueueToLease, 50)),
    enqueue_to_lease_p99_ms: ms(percentile(enqueueToLease, 99)),
  };
  say(
    `(c) ${leaseMs.length} leases: p50 ${result.lease_p50_ms} ms, p99 ${result.lease_p99_ms} ms; heartbeat p99 ` +
      `${result.heartbeat_p99_ms} ms; enqueue-to-lease p50 ${result.enqueue_to_lease_p50_ms} ms, p99 ${result.enqueue_to_lease_p99_ms} ms`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await cleanups.run();
}
