/**
 * The dispatcher: funded bounties wait in BullMQ priority queues and are
 * leased to GPU pools that fit them (ADR 007; leases on BullMQ's public API:
 * ADR 017).
 *
 * - One queue per capability class: the requirements of a bounty's spec
 *   (minimum VRAM per GPU, GPU count), e.g. `train-v24-g1`. A pool fits a
 *   class when its GPUs are at least that big and that many. Within a class
 *   BullMQ keeps strict priority order; a pool takes the best head among the
 *   classes it fits.
 * - A lease IS the BullMQ job lock, taken by BullMQ's manual processing:
 *   `Worker.getNextJob(leaseId)` moves the head job to active, locked with
 *   the lease id as its token (two dispatcher processes can never take the
 *   same job). A heartbeat is `job.extendLock`, complete and fail are
 *   `job.moveToCompleted`/`moveToFailed` with that token. When heartbeats stop,
 *   BullMQ's stalled checker moves the job back to waiting, where we restore
 *   its priority. After `maxAttempts` lost leases, or failed attempts, the job
 *   fails with a reason.
 * - A pool's free slots are a Redis sorted set of its live lease ids scored by
 *   their deadline (slots.ts, our keys only). A slot is reserved before the
 *   job is taken, so no process can exceed a pool's `maxLeases`.
 * - The `leases` row is the lease's record (pool, job, attempt, progress,
 *   outcome), written and awaited before the agent gets the lease.
 *
 * The web process uses this to serve the pool agents' HTTP API (lease,
 * heartbeat, complete, fail); the worker process runs `startMaintenance()`
 * (stalled checks, re-prioritization, sweeping dead lease rows).
 */
import { randomUUID } from "node:crypto";
import { Job, Queue, UnrecoverableError, Worker } from "bullmq";
import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { type LeaseRow, leaseProgress, leases, type PoolRow, pools } from "../../db/schema/index.js";
import type { Env } from "../../server/env.js";
import { notifyFirstLease } from "../notifications/index.js";
import { LeaseWriter } from "./lease-writer.js";
import { bullPriority, DEFAULT_AGING_PER_HOUR, priorityScore } from "./priority.js";
import { PoolSlots } from "./slots.js";

/** What a training job needs from a pool. */
export interface Requirements {
  /** Minimum memory per GPU, in GB (0: any). */
  minVramGb: number;
  /** Minimum number of GPUs (0: runs on CPU). */
  gpus: number;
}

/** A training job's payload: the bounty, what it needs, and the inputs of its priority. */
export interface TrainingJobData {
  chainId: number;
  bountyId: string;
  board: string;
  token: string;
  specHash: string;
  /** The bounty spec (JSON), handed to the trainer with the lease. */
  spec: unknown;
  requirements: Requirements;
  /** Raised amount in token base units (decimal string). */
  raised: string;
  decimals: number;
  /** Reference price of one whole token (TOKEN_PRICES). */
  price: number;
  backers: number;
  /** When the bounty started waiting (ms since epoch): the aging term counts from here. */
  enqueuedAt: number;
  /** The bounty's delivery deadline (chain time, seconds): a failed job is offered again until then. */
  deliveryDeadline?: number | undefined;
  /** Rounds this job was offered again after failing for good (reoffer.ts). */
  reoffers?: number | undefined;
  /** Attempts made in earlier rounds (BullMQ's own count restarts with each round). */
  priorAttempts?: number | undefined;
  /** Why the last round failed, and when (ms since epoch). */
  lastFailure?: { reason: string; at: number } | undefined;
  /** When the round last counted in `reoffers` ended (BullMQ's finishedOn): each is counted once. */
  roundEndedAt?: number | undefined;
  /** Why it is never offered again (its bounty closed, or its delivery deadline passed): sweeps skip it. */
  settled?: string | undefined;
}

export interface Progress {
  percent: number;
  step?: number | undefined;
  loss?: number | undefined;
}

export interface LeaseResult {
  checkpointSha256?: string | undefined;
  checkpointUri?: string | undefined;
  submissionTx?: string | undefined;
}

/** A lease as handed to a pool agent. */
export interface Lease {
  leaseId: string;
  jobId: string;
  queue: string;
  attempt: number;
  leasedAt: number;
  expiresAt: number;
  /** How often the agent should heartbeat: a third of the lease TTL. */
  heartbeatIntervalMs: number;
  priority: number;
  job: TrainingJobData;
}

/** A lease call or lease action that cannot proceed; `status` is the HTTP status the API answers with. */
export class DispatchError extends Error {
  constructor(
    readonly status: 403 | 404 | 409 | 429,
    message: string,
  ) {
    super(message);
    this.name = "DispatchError";
  }
}

export interface DispatcherOptions {
  /** A Redis connection with `maxRetriesPerRequest: null`; the caller closes it. */
  connection: Redis;
  prefix: string;
  db: Database;
  log: Logger;
  /** Heartbeat deadline: a lease not extended for this long is lost. */
  leaseTtlMs: number;
  /** How often lost leases are looked for (BullMQ's stalled check). */
  checkIntervalMs: number;
  /** Leases (lost or failed) a job gets before it fails for good. */
  maxAttempts: number;
  /** Points of priority an hour of waiting buys (see priority.ts). */
  agingPerHour?: number;
  /** How often waiting jobs are re-prioritized for their waiting time. */
  reprioritizeMs?: number;
  /** Delay before a job whose lease the agent failed is offered again. */
  retryDelayMs?: number;
  /** A job that failed for good is offered again after this, doubling each round (reoffer.ts). */
  reofferMs?: number;
  /** The longest wait between two rounds. */
  reofferMaxMs?: number;
}

/** A process's dispatcher, configured from the environment (the web API and the worker both build one). */
export function dispatcherFromEnv(
  config: Pick<
    Env,
    | "QUEUE_PREFIX"
    | "LEASE_TTL_MS"
    | "LEASE_CHECK_MS"
    | "DISPATCH_MAX_ATTEMPTS"
    | "DISPATCH_AGING_PER_HOUR"
    | "DISPATCH_REPRIORITIZE_MS"
    | "DISPATCH_REOFFER_MS"
    | "DISPATCH_REOFFER_MAX_MS"
  >,
  deps: { connection: Redis; db: Database; log: Logger },
): Dispatcher {
  return new Dispatcher({
    ...deps,
    log: deps.log.child({ component: "dispatcher" }),
    prefix: config.QUEUE_PREFIX,
    leaseTtlMs: config.LEASE_TTL_MS,
    checkIntervalMs: config.LEASE_CHECK_MS,
    maxAttempts: config.DISPATCH_MAX_ATTEMPTS,
    agingPerHour: config.DISPATCH_AGING_PER_HOUR,
    reprioritizeMs: config.DISPATCH_REPRIORITIZE_MS,
    reofferMs: config.DISPATCH_REOFFER_MS,
    reofferMaxMs: config.DISPATCH_REOFFER_MAX_MS,
  });
}

const CLASS_PREFIX = "train-";
/** How long a long-polling lease call sleeps between tries when nothing wakes it. */
const FALLBACK_POLL_MS = 1_000;

/** The queue (capability class) of a set of requirements, e.g. `train-v24-g1`. */
export function classOf(req: Requirements): string {
  return `${CLASS_PREFIX}v${req.minVramGb}-g${req.gpus}`;
}

/** The requirements a class name stands for (inverse of classOf), or undefined for another name. */
export function requirementsOf(queue: string): Requirements | undefined {
  const match = /^train-v(\d+(?:\.\d+)?)-g(\d+)$/.exec(queue);
  if (!match) return undefined;
  return { minVramGb: Number(match[1]), gpus: Number(match[2]) };
}

/** Whether a pool can run jobs of these requirements. */
export function poolFits(pool: Pick<PoolRow, "vramGb" | "gpuCount">, req: Requirements): boolean {
  return pool.vramGb >= req.minVramGb && pool.gpuCount >= req.gpus;
}

/** The deterministic job id of a bounty's training job: a replayed funding event adds nothing. */
export function trainingJobId(chainId: number, bountyId: string): string {
  return `train-${chainId}-${bountyId}`;
}

/** The number of a job's next lease: every earlier attempt of every round, failed or lost, counts. */
export function attemptsOf(job: Job<TrainingJobData>): number {
  return (job.data.priorAttempts ?? 0) + job.attemptsMade + job.stalledCounter;
}

/** BullMQ's words for a job lost too often, in ours. */
export function describeFailure(reason: string | undefined): string {
  if (!reason) return "no reason was given";
  if (reason === "job stalled more than allowable limit") {
    return "its pools stopped sending heartbeats (every lease was lost)";
  }
  return reason;
}

/** Where a class stands for a pool's next lease: the rank of its head job, lowest first. */
interface ClassHead {
  name: string;
  rank: [number, number];
}

/** What an ending records besides its status. */
type EndFields = Partial<
  Pick<LeaseRow, "reason" | "checkpointSha256" | "checkpointUri" | "submissionTx" | "endedAt">
>;

/** A lease just taken: active, with no progress, checkpoint or ending yet. */
function activeLeaseRow(
  fields: Pick<
    LeaseRow,
    "id" | "chainId" | "bountyId" | "jobId" | "queue" | "poolId" | "attempt" | "leasedAt" | "expiresAt"
  >,
): LeaseRow {
  return {
    ...fields,
    status: "active",
    endedAt: null,
    percent: null,
    step: null,
    loss: null,
    progressAt: null,
    checkpointSha256: null,
    checkpointUri: null,
    submissionTx: null,
    reason: null,
  };
}

/** A lease's final state: `expired` ends at its deadline, anything else now (unless `fields` says when). */
function endedLease(row: LeaseRow, status: "completed" | "failed" | "expired", fields: EndFields): LeaseRow {
  return { ...row, status, endedAt: status === "expired" ? row.expiresAt : new Date(), ...fields };
}

export class Dispatcher {
  readonly options: Required<DispatcherOptions>;
  private readonly queues = new Map<string, Queue<TrainingJobData>>();
  private readonly workers = new Map<string, Worker<TrainingJobData>>();
  private readonly classesKey: string;
  private readonly wakeChannel: string;
  private subscriber: Redis | undefined;
  private wakeGeneration = 0;
  /** Wakes not yet sent to the other processes, by queue, and the send in flight. */
  private readonly unsentWakes = new Map<string, number>();
  private sendingWakes: Promise<void> | undefined;
  /** Long polls waiting for a job, oldest first; a queued job wakes one that fits it. */
  private readonly waiters: { fits(queue: string): boolean; wake(): void }[] = [];
  private readonly instance = randomUUID();
  private readonly knownClasses = new Set<string>();
  /** Class head reads in flight, with the wake generation they were sent in (classHead). */
  private readonly headReads = new Map<
    string,
    { generation: number; read: Promise<ClassHead | undefined> }
  >();
  private readonly poolSeen = new Map<string, number>();
  private readonly writer: LeaseWriter;
  private readonly slots: PoolSlots;
  /** A lease's record by id, built once (every heartbeat and complete reads one). */
  private readonly leaseById;
  private classCache: { at: number; names: string[] } | undefined;
  private maintenance: NodeJS.Timeout[] = [];
  private maintaining = false;
  private closed = false;

  constructor(options: DispatcherOptions) {
    this.options = {
      agingPerHour: DEFAULT_AGING_PER_HOUR,
      reprioritizeMs: 60_000,
      retryDelayMs: 5_000,
      reofferMs: 600_000,
      reofferMaxMs: 6 * 3_600_000,
      ...options,
    };
    this.writer = new LeaseWriter(options.db);
    this.slots = new PoolSlots(options.connection, options.prefix);
    // Unnamed: no server-side statement to clash with another version of this module's text.
    this.leaseById = options.db
      .select()
      .from(leases)
      .where(eq(leases.id, sql.placeholder("id")))
      .prepare("");
    this.classesKey = `${options.prefix}:dispatch:classes`;
    this.wakeChannel = `${options.prefix}:dispatch:wake`;
  }

  queue(name: string): Queue<TrainingJobData> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue<TrainingJobData>(name, {
        connection: this.options.connection,
        prefix: this.options.prefix,
        defaultJobOptions: {
          attempts: this.options.maxAttempts,
          backoff: { type: "fixed", delay: this.options.retryDelayMs },
          removeOnComplete: { count: 10_000, age: 30 * 24 * 3600 },
          removeOnFail: { count: 10_000 },
        },
      });
      queue.on("error", (error) => this.options.log.error({ queue: name, err: error }, "queue error"));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * The BullMQ worker of a class, for manual processing: it never runs a processor. Leases take jobs with
   * its `getNextJob`, locked for `leaseTtlMs`; in the process that runs `startMaintenance()` it also runs
   * the stalled checks that take lost leases back. Each opens one (idle) blocking connection of its own.
   */
  private worker(name: string): Worker<TrainingJobData> {
    let worker = this.workers.get(name);
    if (!worker) {
      worker = new Worker<TrainingJobData>(name, null, {
        connection: this.options.connection,
        prefix: this.options.prefix,
        autorun: false,
        lockDuration: this.options.leaseTtlMs,
        stalledInterval: this.options.checkIntervalMs,
        // BullMQ counts a lost lease as a stall; a job may be lost this many times and still be retried.
        maxStalledCount: this.options.maxAttempts - 1,
      });
      worker.on("error", (error) => this.options.log.error({ queue: name, err: error }, "worker error"));
      worker.on("stalled", (jobId) => void this.onLeaseLost(name, jobId));
      // Also a job getNextJob failed instead of handing it out (lost more than maxStalledCount times).
      worker.on("failed", (job, error) =>
        this.options.log.warn({ queue: name, jobId: job?.id, err: error }, "training job failed"),
      );
      this.workers.set(name, worker);
      if (this.maintaining) void worker.startStalledCheckTimer();
    }
    return worker;
  }

  // ---------------------------------------------------------------- enqueue

  /**
   * Queues a funded bounty's training job in its class, with an explicit priority. Idempotent: the job id
   * is the bounty's, and BullMQ ignores an add whose id exists, so a replayed event (or a second
   * dispatcher) adds nothing, even after the job has completed or failed.
   */
  async enqueue(data: TrainingJobData): Promise<{ jobId: string; queue: string; priority: number }> {
    const name = classOf(data.requirements);
    const jobId = trainingJobId(data.chainId, data.bountyId);
    const priority = this.priorityOf(data);
    if (!this.knownClasses.has(name)) {
      await this.options.connection.sadd(this.classesKey, name);
      this.knownClasses.add(name);
      this.classCache = undefined;
    }
    await this.queue(name).add("train", data, { jobId, priority });
    this.wake(name);
    return { jobId, queue: name, priority };
  }

  /** The BullMQ priority of a job's data at `now` (priority.ts: funding, backers, time waited). */
  private priorityOf(data: TrainingJobData, now = Date.now()): number {
    const input = {
      raised: BigInt(data.raised),
      decimals: data.decimals,
      price: data.price,
      backers: data.backers,
      enqueuedAt: data.enqueuedAt,
    };
    return bullPriority(priorityScore(input, now, this.options.agingPerHour));
  }

  /** A bounty's training job and its class; undefined when it was never queued (or has been removed). */
  async findJob(
    chainId: number,
    bountyId: string,
  ): Promise<{ queue: string; job: Job<TrainingJobData> } | undefined> {
    const jobId = trainingJobId(chainId, bountyId);
    const look = async (names: string[]) => {
      for (const name of names) {
        const job = await this.queue(name).getJob(jobId);
        if (job) return { queue: name, job };
      }
      return undefined;
    };
    // Not in the classes known a moment ago: perhaps in one that appeared since.
    return (await look(await this.classes())) ?? (await look(await this.classes({ fresh: true })));
  }

  /** When a job that failed for good is due to be offered again (ms since epoch): backoff doubling per round. */
  nextOfferAt(job: Job<TrainingJobData>): number {
    const round = job.data.reoffers ?? 0;
    const wait = Math.min(this.options.reofferMs * 2 ** Math.min(round, 30), this.options.reofferMaxMs);
    return (job.finishedOn ?? Date.now()) + wait;
  }

  /**
   * Training jobs that failed for good, class by class, newest failure first, in pages (BullMQ keeps up to
   * 10,000 per class: removeOnFail).
   */
  async *failedJobs(pageSize = 500): AsyncGenerator<{ queue: string; job: Job<TrainingJobData> }> {
    for (const name of await this.classes()) {
      const queue = this.queue(name);
      for (let start = 0; ; start += pageSize) {
        const jobs = (await queue.getJobs(
          ["failed"],
          start,
          start + pageSize - 1,
          false,
        )) as Job<TrainingJobData>[];
        for (const job of jobs) yield { queue: name, job };
        if (jobs.length < pageSize) break;
      }
    }
  }

  /**
   * Offers a job once more, in a new round: one that failed for good (`from` "failed"), or, by hand, one a
   * pool completed while its bounty still waits for a qualifying model. BullMQ's attempt count restarts
   * (`retry`); the attempts made and the failure that ends the round are kept in its data (once per failure:
   * a round retried after a failed call is not counted twice); its priority is restored. BullMQ keeps its
   * count of lost leases across rounds, so after a round lost to stalls the next gets one lease before
   * failing again (and waiting out a longer backoff). Throws when the job is no longer in `from`.
   */
  async reoffer(
    queueName: string,
    job: Job<TrainingJobData>,
    from: "failed" | "completed" = "failed",
  ): Promise<void> {
    const endedAt = job.finishedOn ?? Date.now();
    const counted = job.data.roundEndedAt === endedAt;
    if (!counted) {
      await job.updateData({
        ...job.data,
        reoffers: (job.data.reoffers ?? 0) + 1,
        priorAttempts: (job.data.priorAttempts ?? 0) + job.attemptsMade,
        roundEndedAt: endedAt,
        ...(from === "failed" && {
          lastFailure: { reason: describeFailure(job.failedReason), at: endedAt },
        }),
      });
    }
    await job.retry(from, { resetAttemptsMade: true, resetAttemptsStarted: true });
    // Back in BullMQ's plain wait list: restore its place among the prioritized (leased meanwhile, this
    // only records the number).
    await job.changePriority({ priority: this.priorityOf(job.data) }).catch(() => {});
    this.options.log.info(
      { jobId: job.id, queue: queueName, round: job.data.reoffers, from },
      "training job offered again",
    );
    this.wake(queueName);
  }

  // ---------------------------------------------------------------- leasing

  /**
   * Every class with jobs ever queued, cached briefly (a new class also arrives with its wake message);
   * `fresh` reads them from Redis now.
   */
  async classes(options: { fresh?: boolean } = {}): Promise<string[]> {
    const now = Date.now();
    if (options.fresh || !this.classCache || now - this.classCache.at > 2_000) {
      const names = await this.options.connection.smembers(this.classesKey);
      this.classCache = { at: now, names: names.sort() };
    }
    return this.classCache.names;
  }

  /**
   * Leases the best waiting job `pool` fits, waiting up to `waitMs` for one (a long poll). Resolves null
   * when none came in time. Throws DispatchError(429) when the pool has no free slot.
   */
  async lease(pool: PoolRow, options: { waitMs?: number; signal?: AbortSignal } = {}): Promise<Lease | null> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    // A pool that asks is alive, job or no job (the pools page shows when it last called).
    this.sawPool(pool.id, Date.now());
    // Subscribed before the first look, so a class queued from now on is seen at once.
    await this.ensureSubscriber();
    for (;;) {
      const generation = this.wakeGeneration;
      const lease = await this.tryLease(pool);
      if (lease) return lease;
      const left = deadline - Date.now();
      if (left <= 0 || options.signal?.aborted || this.closed) return null;
      // Something was queued while we looked: look again at once rather than sleep.
      if (generation !== this.wakeGeneration) continue;
      await this.waitForWake(pool, Math.min(left, FALLBACK_POLL_MS), options.signal);
    }
  }

  /**
   * One look for a job: the classes `pool` fits, best head first; a slot of the pool reserved (429 when it
   * has none); then BullMQ's `getNextJob`, with the new lease id as the lock token, class by class until one
   * hands out a job. The slot is freed when none did. `looked`: the look at the classes, if started already.
   */
  private async tryLease(pool: PoolRow, looked = this.look(pool)): Promise<Lease | null> {
    const order = await looked;
    // Closed: its workers are gone, and a new one would outlive it.
    if (!order || this.closed) return null;
    if (order.length === 0) {
      // Nothing to take; a full pool still hears that it is full, as it would with a job waiting.
      if ((await this.slots.live([pool.id], Date.now())) >= pool.maxLeases) throw this.full(pool);
      return null;
    }
    const leaseId = randomUUID();
    const reservedAt = Date.now();
    if (!(await this.slots.reserve(pool.id, leaseId, this.options.leaseTtlMs, pool.maxLeases, reservedAt))) {
      throw this.full(pool);
    }
    try {
      for (const name of order) {
        const job = await this.worker(name).getNextJob(leaseId, { block: false });
        if (job) return await this.recordLease(pool, name, leaseId, job, reservedAt);
      }
    } catch (error) {
      await this.slots.free(pool.id, leaseId);
      throw error;
    }
    await this.slots.free(pool.id, leaseId);
    return null;
  }

  /** The classes `pool` fits that have something to take, best first; undefined when it fits no class at all. */
  private async look(pool: PoolRow): Promise<string[] | undefined> {
    const fitting = await this.fittingClasses(pool);
    return fitting.length === 0 ? undefined : this.bestFirst(fitting);
  }

  private full(pool: PoolRow): DispatchError {
    return new DispatchError(429, `pool "${pool.name}" already holds its ${pool.maxLeases} leases`);
  }

  private async fittingClasses(pool: PoolRow): Promise<string[]> {
    return (await this.classes()).filter((name) => {
      const req = requirementsOf(name);
      return req !== undefined && poolFits(pool, req);
    });
  }

  /**
   * Classes with something to take, ordered by the priority (then age) of their prioritized head. A class
   * with no prioritized job is still tried, last, if it holds a job in plain `wait` (one back from a lost
   * lease, until its priority is restored) or retries waiting out their backoff (getNextJob promotes those
   * that are due); an empty class is left out. The classes are read all at once.
   */
  private async bestFirst(names: string[]): Promise<string[]> {
    const heads = await Promise.all(names.map((name) => this.classHead(name)));
    return heads
      .filter((head): head is ClassHead => head !== undefined)
      .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1])
      .map((head) => head.name);
  }

  /**
   * A class's head, read through Queue getters. Concurrent lease calls share a read in flight (under
   * load, many pools look at the same classes at once), but only one sent since the latest wake: a read
   * sent before a job was queued may miss it, and a caller woken for that job must not join it.
   */
  private classHead(name: string): Promise<ClassHead | undefined> {
    const inFlight = this.headReads.get(name);
    if (inFlight && inFlight.generation === this.wakeGeneration) return inFlight.read;
    const read = this.readClassHead(name).finally(() => {
      if (this.headReads.get(name)?.read === read) this.headReads.delete(name);
    });
    this.headReads.set(name, { generation: this.wakeGeneration, read });
    return read;
  }

  /**
   * One Queue getter per class with a prioritized job: a job in plain `wait` is taken before it by
   * getNextJob anyway. Only a class without one is asked for its other jobs.
   */
  private async readClassHead(name: string): Promise<ClassHead | undefined> {
    const queue = this.queue(name);
    const [head] = await queue.getJobs(["prioritized"], 0, 0, true);
    if (head) return { name, rank: [head.priority, head.timestamp] };
    const counts = await queue.getJobCounts("wait", "delayed");
    if ((counts.wait ?? 0) + (counts.delayed ?? 0) > 0) return { name, rank: [Number.POSITIVE_INFINITY, 0] };
    return undefined;
  }

  /**
   * Records a lease just taken and builds what its agent gets. The row is written before the lease is
   * handed out: an agent never holds a lease that has no record. If it cannot be written the job goes
   * straight back and the slot is freed.
   */
  private async recordLease(
    pool: PoolRow,
    name: string,
    leaseId: string,
    job: Job<TrainingJobData>,
    reservedAt: number,
  ): Promise<Lease> {
    // Stamped now, after the slot was reserved, with the reservation's deadline (no later than the lock's):
    // a record never claims a slot outside the time it was held.
    const row = activeLeaseRow({
      id: leaseId,
      chainId: job.data.chainId,
      bountyId: job.data.bountyId,
      jobId: String(job.id),
      queue: name,
      poolId: pool.id,
      // Failed attempts and lost leases both count (BullMQ counts a lost lease as a stall).
      attempt: attemptsOf(job) + 1,
      leasedAt: new Date(),
      expiresAt: new Date(reservedAt + this.options.leaseTtlMs),
    });
    try {
      if (row.attempt > 1) {
        // A row still active for this job belongs to a lease BullMQ already took back.
        await this.options.db
          .update(leases)
          .set({ status: "expired", endedAt: sql`${leases.expiresAt}`, reason: "heartbeat deadline passed" })
          .where(and(eq(leases.jobId, row.jobId), eq(leases.status, "active")));
      }
      await this.writer.write(row);
    } catch (error) {
      await this.giveBack(job, leaseId, name);
      await this.slots.free(pool.id, leaseId);
      throw error;
    }
    const leasedAt = row.leasedAt.getTime();
    this.sawPool(pool.id, leasedAt);
    // The DAO and backers learn training started, once (a later lease writes nothing: the rows exist, and a
    // first attempt that failed to write them is made up for). Never in the lease's way: a failure is logged.
    void notifyFirstLease(this.options.db, row.chainId, row.bountyId, pool.name).catch((error: unknown) =>
      this.options.log.warn({ err: error, bountyId: row.bountyId }, "lease notification failed"),
    );
    this.options.log.info(
      {
        leaseId,
        jobId: row.jobId,
        pool: pool.name,
        bountyId: row.bountyId,
        attempt: row.attempt,
        priority: job.priority,
      },
      "job leased",
    );
    return {
      leaseId,
      jobId: row.jobId,
      queue: name,
      attempt: row.attempt,
      leasedAt,
      expiresAt: row.expiresAt.getTime(),
      heartbeatIntervalMs: Math.floor(this.options.leaseTtlMs / 3),
      priority: job.priority,
      job: job.data,
    };
  }

  /**
   * Puts a job taken for a lease that was never handed out (its record failed, its caller went away)
   * straight back, with its priority, instead of letting it stall and spend an attempt.
   */
  async giveBack(job: Job<TrainingJobData>, leaseId: string, queueName: string): Promise<void> {
    try {
      await job.moveToWait(leaseId);
      // moveToWait keeps the priority it was queued with; bring it up to date for the time waited.
      await job.changePriority({ priority: this.priorityOf(job.data) });
      this.wake(queueName);
    } catch (error) {
      // The stalled checker takes it back after the lease deadline instead.
      this.options.log.warn({ jobId: job.id, leaseId, err: error }, "could not give a job back");
    }
  }

  /** Gives back a lease its caller never received (the long poll's client went away). */
  async abandon(pool: PoolRow, lease: Lease): Promise<void> {
    const job = await Job.fromId<TrainingJobData>(this.queue(lease.queue), lease.jobId);
    if (job) await this.giveBack(job, lease.leaseId, lease.queue);
    const row = activeLeaseRow({
      id: lease.leaseId,
      chainId: lease.job.chainId,
      bountyId: lease.job.bountyId,
      jobId: lease.jobId,
      queue: lease.queue,
      poolId: pool.id,
      attempt: lease.attempt,
      leasedAt: new Date(lease.leasedAt),
      expiresAt: new Date(lease.expiresAt),
    });
    // It ends now, not at its deadline: its slot is free from now on.
    await this.endLease(row, "expired", { reason: "never delivered", endedAt: new Date() }).catch(
      (error: unknown) =>
        this.options.log.error({ leaseId: lease.leaseId, err: error }, "could not record an abandoned lease"),
    );
  }

  // ---------------------------------------------------------------- lease actions

  /** The active lease `leaseId` of `pool`, from its record, or a DispatchError saying why not (404, 403, 409). */
  private async ownedLease(pool: PoolRow, leaseId: string): Promise<LeaseRow> {
    const [row] = await this.leaseById.execute({ id: leaseId });
    if (!row) throw new DispatchError(404, `no lease ${leaseId}`);
    if (row.poolId !== pool.id) throw new DispatchError(403, `lease ${leaseId} belongs to another pool`);
    if (row.status !== "active") throw new DispatchError(409, `lease ${leaseId} is ${row.status}`);
    return row;
  }

  /**
   * Throws the DispatchError a lease action would (404, 403, 409) unless `leaseId` is `pool`'s live lease.
   * Advisory (it saves uploading to a dead lease): it reads the record's deadline, not BullMQ's lock, which
   * the action itself checks.
   */
  async assertActiveLease(pool: PoolRow, leaseId: string): Promise<void> {
    const row = await this.ownedLease(pool, leaseId);
    if (row.expiresAt.getTime() < Date.now()) {
      throw new DispatchError(409, `lease ${leaseId} is lost: its heartbeat deadline passed`);
    }
  }

  /** The BullMQ job of a lease; 409 (and the lease recorded as lost) when the job no longer exists. */
  private async leasedJob(row: LeaseRow): Promise<Job<TrainingJobData>> {
    const job = await Job.fromId<TrainingJobData>(this.queue(row.queue), row.jobId);
    if (!job) {
      await this.endLease(row, "expired", { reason: "job no longer exists" });
      throw new DispatchError(409, `lease ${row.id} is lost: its job no longer exists`);
    }
    return job;
  }

  /**
   * BullMQ refused to move a lease's job with the lease's token (`error`). If the job is still active under
   * this lease's lock, the lease is intact and `error` is a real failure: rethrown. Otherwise it is lost.
   */
  private async refused(row: LeaseRow, job: Job<TrainingJobData>, error: unknown): Promise<never> {
    const state = await job.getState();
    if (state === "active" && (await job.extendLock(row.id, this.options.leaseTtlMs)) === 1) throw error;
    return this.lost(row, state, error instanceof Error ? error.message : String(error));
  }

  /**
   * A lease whose lock is gone: 409, and its record ends as lost, unless the job (in `state`) completed or
   * failed. Then an ending that raced this call on the same lease (or a later lease, which already ended
   * this one's record) won, and records itself.
   */
  private async lost(row: LeaseRow, state: string, why: string): Promise<never> {
    if (state === "completed" || state === "failed")
      throw new DispatchError(409, `lease ${row.id} has ended`);
    await this.endLease(row, "expired", { reason: "heartbeat deadline passed" });
    throw new DispatchError(409, `lease ${row.id} is lost: ${why}`);
  }

  /** Extends a lease and records the agent's progress. 409 when the lease was already lost or has ended. */
  async heartbeat(pool: PoolRow, leaseId: string, progress: Progress): Promise<{ expiresAt: number }> {
    const row = await this.ownedLease(pool, leaseId);
    const job = await this.leasedJob(row);
    // Taken before the lock is extended, so the deadline recorded is never later than the lock's.
    const now = Date.now();
    if (!(await job.extendLock(leaseId, this.options.leaseTtlMs))) {
      await this.lost(row, await job.getState(), "its heartbeat deadline passed");
    }
    const expiresAt = now + this.options.leaseTtlMs;
    const updated: LeaseRow = {
      ...row,
      expiresAt: new Date(expiresAt),
      percent: progress.percent,
      step: progress.step ?? null,
      loss: progress.loss ?? null,
      progressAt: new Date(now),
    };
    // A complete or fail that raced this heartbeat has ended the lease: its record says so, and stays.
    // The slot's deadline moves at once: `extend` leaves a slot already freed alone (a lease that ended).
    // Each heartbeat's progress is kept as a point (the row keeps only the latest): the page's loss curve.
    const point = this.options.db
      .insert(leaseProgress)
      .values({
        leaseId,
        at: new Date(now),
        percent: progress.percent,
        step: progress.step ?? null,
        loss: progress.loss ?? null,
      })
      .onConflictDoNothing();
    const [recorded] = await Promise.all([
      this.writer.write(updated),
      this.slots.extend(pool.id, leaseId, expiresAt),
      point,
    ]);
    if (!recorded) throw new DispatchError(409, `lease ${leaseId} has ended`);
    this.sawPool(pool.id, now);
    return { expiresAt };
  }

  /**
   * The agent finished: the job completes (BullMQ checks the lease's lock), the record says so and the
   * pool's slot is freed. 409 when the lease was already lost.
   *
   * With `next`, the pool is then leased its next job as `lease` would, without waiting: resolves that
   * lease, or null when none is waiting. The completion stands whatever happens to the next lease.
   */
  async complete(
    pool: PoolRow,
    leaseId: string,
    result: LeaseResult,
    options: { next?: boolean } = {},
  ): Promise<Lease | null> {
    // The next lease's look at the classes (reads only) goes alongside the completion.
    const looked = options.next ? this.look(pool) : undefined;
    looked?.catch(() => {}); // a failure is handled where it is awaited (nextLease)
    const row = await this.ownedLease(pool, leaseId);
    const job = await this.leasedJob(row);
    try {
      // fetchNext false: BullMQ would lock the next job with this lease's token, and from this class only.
      await job.moveToCompleted(result, leaseId, false);
    } catch (error) {
      await this.refused(row, job, error);
    }
    // Stamped before the slot is freed, so recorded intervals never overlap past the pool's capacity.
    const ended = endedLease(row, "completed", {
      checkpointSha256: result.checkpointSha256 ?? null,
      checkpointUri: result.checkpointUri ?? null,
      submissionTx: result.submissionTx ?? null,
    });
    await this.slots.free(pool.id, leaseId);
    // The record of the end and the next lease go at once (their rows often in one statement).
    const recorded = this.writer.write(ended);
    const next = looked ? this.nextLease(pool, leaseId, looked) : Promise.resolve(null);
    try {
      await recorded;
    } catch (error) {
      // The completion stands in BullMQ (the sweeper records it); a next lease would never be answered.
      const lease = await next;
      if (lease) await this.abandon(pool, lease);
      throw error;
    }
    this.options.log.info({ leaseId, jobId: row.jobId, pool: pool.name }, "lease completed");
    return next;
  }

  /**
   * The lease `complete` hands out with `next`, or null. Whatever goes wrong with it must not turn the
   * completion into an error (the agent would retry, hear 409 and count a completed lease as lost): the
   * agent polls as usual instead.
   */
  private async nextLease(
    pool: PoolRow,
    completedId: string,
    looked: Promise<string[] | undefined>,
  ): Promise<Lease | null> {
    try {
      return await this.tryLease(pool, looked);
    } catch (error) {
      if (!(error instanceof DispatchError && error.status === 429)) {
        this.options.log.warn(
          { leaseId: completedId, pool: pool.name, err: error },
          "completed, but could not lease the next job",
        );
      }
      return null;
    }
  }

  /**
   * The agent gave up. A retryable failure puts the job back (after `retryDelayMs`) while attempts remain;
   * otherwise, or when they are spent, the job fails with `reason`.
   */
  async fail(
    pool: PoolRow,
    leaseId: string,
    reason: string,
    retryable: boolean,
  ): Promise<{ retried: boolean }> {
    const row = await this.ownedLease(pool, leaseId);
    const job = await this.leasedJob(row);
    const error = retryable ? new Error(reason) : new UnrecoverableError(reason);
    // BullMQ's own rule (attempts from the job's options), read before moveToFailed counts this attempt.
    const retried = retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
    try {
      await job.moveToFailed(error, leaseId, false);
    } catch (moveError) {
      await this.refused(row, job, moveError);
    }
    await this.endLease(row, "failed", { reason });
    this.options.log.warn({ leaseId, jobId: row.jobId, pool: pool.name, reason, retried }, "lease failed");
    if (retried) this.wake(row.queue);
    return { retried };
  }

  /**
   * Frees a lease's slot and records its end. The first ending wins (the record's upsert only changes an
   * active row): resolves whether this one did. The slot is freed either way, the lease being over.
   */
  private async endLease(
    row: LeaseRow,
    status: "completed" | "failed" | "expired",
    fields: EndFields,
  ): Promise<boolean> {
    // Stamped before the slot is freed, so recorded intervals never overlap past the pool's capacity.
    const ended = endedLease(row, status, fields);
    await this.slots.free(row.poolId, row.id);
    return this.writer.write(ended);
  }

  /** Records that a pool's agent called in (the pools page shows it); at most every few seconds per pool. */
  private sawPool(poolId: string, now: number): void {
    if (now - (this.poolSeen.get(poolId) ?? 0) < 5_000) return;
    this.poolSeen.set(poolId, now);
    this.options.db
      .update(pools)
      .set({ lastHeartbeatAt: new Date(now) })
      .where(eq(pools.id, poolId))
      .catch((error: Error) =>
        this.options.log.warn({ poolId, err: error }, "could not record a pool's call"),
      );
  }

  // ---------------------------------------------------------------- maintenance

  /**
   * BullMQ's stalled checker moved a job whose lease was lost back to waiting (in its plain wait list,
   * ahead of everything): give it its priority back, record the lost lease, free the slot, wake pollers.
   */
  private async onLeaseLost(queueName: string, jobId: string): Promise<void> {
    try {
      const [row] = await this.options.db
        .select()
        .from(leases)
        .where(and(eq(leases.jobId, jobId), eq(leases.status, "active"), lt(leases.expiresAt, new Date())));
      if (row) await this.endLease(row, "expired", { reason: "heartbeat deadline passed" });
      const job = await Job.fromId<TrainingJobData>(this.queue(queueName), jobId);
      // A job BullMQ left to fail (lost too often: `deferredFailure`) is failed by the next getNextJob; it
      // keeps its place. Any other goes back among the prioritized. Leased again meanwhile, changePriority
      // only records the number on it (bullmq-contract.test.ts); a job removed meanwhile is refused.
      if (job && !job.deferredFailure) {
        await job.changePriority({ priority: this.priorityOf(job.data) }).catch(() => {});
      }
      this.options.log.warn({ jobId, queue: queueName, leaseId: row?.id, pool: row?.poolId }, "lease lost");
      this.wake(queueName);
    } catch (error) {
      this.options.log.error({ jobId, err: error }, "could not handle a lost lease");
    }
  }

  /**
   * Raises every waiting job's priority for the time it has waited (the aging term). Runs on one
   * dispatcher at a time (a Redis lock); only jobs whose priority number changes are touched.
   */
  async reprioritize(now = Date.now()): Promise<number> {
    let changed = 0;
    for (const name of await this.classes()) {
      const queue = this.queue(name);
      const total = await queue.getPrioritizedCount();
      for (let start = 0; start < total; start += 500) {
        const jobs = (await queue.getJobs(
          ["prioritized"],
          start,
          start + 499,
          true,
        )) as Job<TrainingJobData>[];
        for (const job of jobs) {
          const priority = this.priorityOf(job.data, now);
          if (priority === job.priority) continue;
          // Leased in the meantime, changePriority only records the number (it never puts an active job back
          // in the queue); removed in the meantime, it refuses.
          await job.changePriority({ priority }).then(
            () => changed++,
            () => {},
          );
        }
      }
    }
    return changed;
  }

  /**
   * Settles lease records still `active` long after their deadline (their process died before writing
   * the end, or failed to): the job's latest lease takes the job's outcome from BullMQ, its owner, if it
   * completed or failed; any other is expired. Frees their slots. The only repair path for a lost ending.
   */
  async sweepLeaseRows(now = Date.now()): Promise<number> {
    await this.writer.flush();
    const cutoff = new Date(now - this.options.checkIntervalMs * 2);
    const stale = await this.options.db
      .select()
      .from(leases)
      .where(and(eq(leases.status, "active"), lt(leases.expiresAt, cutoff)))
      .limit(1_000);
    for (const row of stale) {
      const job = await Job.fromId<TrainingJobData>(this.queue(row.queue), row.jobId);
      const state = job ? await job.getState() : "unknown";
      const [latest] = await this.options.db
        .select({ id: leases.id })
        .from(leases)
        .where(eq(leases.jobId, row.jobId))
        .orderBy(desc(leases.leasedAt))
        .limit(1);
      const outcome =
        latest?.id === row.id && (state === "completed" || state === "failed") ? state : "expired";
      const result = (job?.returnvalue ?? {}) as LeaseResult;
      await this.writer.write({
        ...row,
        status: outcome,
        endedAt: outcome === "expired" ? row.expiresAt : new Date(job?.finishedOn ?? now),
        reason:
          outcome === "expired"
            ? "heartbeat deadline passed"
            : outcome === "failed"
              ? (job?.failedReason ?? null)
              : null,
        checkpointSha256: outcome === "completed" ? (result.checkpointSha256 ?? null) : null,
        checkpointUri: outcome === "completed" ? (result.checkpointUri ?? null) : null,
        submissionTx: outcome === "completed" ? (result.submissionTx ?? null) : null,
      });
      await this.slots.free(row.poolId, row.id);
    }
    return stale.length;
  }

  /** Live leases (deadline not passed) of these pools, from their slot sets. */
  liveLeases(poolIds: string[], now = Date.now()): Promise<number> {
    return this.slots.live(poolIds, now);
  }

  /** Writes the lease records still waiting in the group writer (tests and shutdown). */
  flushRecords(): Promise<void> {
    return this.writer.flush();
  }

  /** Starts the stalled checks (every class), the periodic re-prioritizer and the lease-row sweeper. */
  startMaintenance(): void {
    this.maintaining = true;
    for (const worker of this.workers.values()) void worker.startStalledCheckTimer();
    // Creating a class's worker starts its stalled checker; classes that appear later join on a tick.
    const startCheckers = async () => {
      for (const name of await this.classes()) this.worker(name);
    };
    const guard = (what: string, task: () => Promise<unknown>) => () =>
      void task().catch((error) => this.options.log.error({ err: error }, `${what} failed`));
    const lockKey = `${this.options.prefix}:dispatch:reprioritize-lock`;
    const reprioritize = async () => {
      const mine = await this.options.connection.set(
        lockKey,
        randomUUID(),
        "PX",
        this.options.reprioritizeMs,
        "NX",
      );
      if (mine) {
        const changed = await this.reprioritize();
        if (changed > 0) this.options.log.info({ changed }, "waiting jobs re-prioritized");
      }
    };
    void startCheckers().catch((error: Error) =>
      this.options.log.error({ err: error }, "starting stalled checks failed"),
    );
    this.maintenance.push(
      setInterval(guard("starting stalled checks", startCheckers), this.options.checkIntervalMs),
      setInterval(guard("re-prioritizing", reprioritize), this.options.reprioritizeMs),
      setInterval(
        guard("sweeping lease rows", () => this.sweepLeaseRows()),
        this.options.checkIntervalMs,
      ),
    );
  }

  // ---------------------------------------------------------------- waking long polls

  /**
   * A job was queued in `queueName`: wake a long poll here that fits it, and tell the other processes.
   * Wakes queued while a message is on its way go together in the next one, which carries their count:
   * a burst of enqueues costs a message per round trip, not one per job. Best effort: a poll that misses
   * its wake looks again within FALLBACK_POLL_MS.
   */
  private wake(queueName: string): void {
    this.wakeOne(queueName);
    this.unsentWakes.set(queueName, (this.unsentWakes.get(queueName) ?? 0) + 1);
    this.sendingWakes ??= this.sendWakes().finally(() => {
      this.sendingWakes = undefined;
    });
  }

  private async sendWakes(): Promise<void> {
    while (this.unsentWakes.size > 0) {
      const batch = [...this.unsentWakes];
      this.unsentWakes.clear();
      await Promise.all(
        batch.map(([name, count]) =>
          this.options.connection
            .publish(this.wakeChannel, `${this.instance} ${name} ${count}`)
            .catch((error: Error) => this.options.log.warn({ err: error }, "could not send a wake")),
        ),
      );
    }
  }

  /** Wakes the oldest long poll here that fits `queueName`; false when none did. */
  private wakeOne(queueName: string): boolean {
    this.wakeGeneration++;
    const index = this.waiters.findIndex((waiter) => waiter.fits(queueName));
    this.waiters[index]?.wake();
    return index >= 0;
  }

  private async ensureSubscriber(): Promise<void> {
    if (this.subscriber) return;
    const subscriber = this.options.connection.duplicate();
    this.subscriber = subscriber;
    subscriber.on("error", (error) => this.options.log.debug({ err: error }, "wake subscriber error"));
    subscriber.on("message", (_channel, message: string) => {
      const [from, name = "", count = "1"] = message.split(" ");
      if (from === this.instance) return; // woken locally already
      if (this.classCache && !this.classCache.names.includes(name)) this.classCache = undefined;
      // One message stands for `count` jobs: wake as many polls that fit them.
      for (let left = Math.min(Number(count) || 1, 1_000); left > 0 && this.wakeOne(name); left--);
    });
    await subscriber.subscribe(this.wakeChannel);
  }

  private async waitForWake(pool: PoolRow, ms: number, signal?: AbortSignal): Promise<void> {
    await new Promise<void>((resolve) => {
      const waiter = {
        fits: (queue: string) => {
          const req = requirementsOf(queue);
          return req !== undefined && poolFits(pool, req);
        },
        wake: () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", waiter.wake);
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, ms);
      signal?.addEventListener("abort", waiter.wake, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Stops maintenance, wakes long polls and closes the queues and workers (not the connection). */
  async close(): Promise<void> {
    this.closed = true;
    await this.writer.flush();
    await this.sendingWakes;
    for (const timer of this.maintenance) clearInterval(timer);
    for (const waiter of [...this.waiters]) waiter.wake();
    await Promise.all([...this.workers.values()].map((worker) => worker.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.subscriber?.disconnect();
  }
}
