/**
 * The dispatcher: funded bounties wait in BullMQ priority queues and are
 * leased to GPU pools that fit them (ADR 007).
 *
 * - One queue per capability class: the requirements of a bounty's spec
 *   (minimum VRAM per GPU, GPU count), e.g. `train-v24-g1`. A pool fits a
 *   class when its GPUs are at least that big and that many. Within a class
 *   BullMQ keeps strict priority order; a pool takes the best head among the
 *   classes it fits.
 * - A lease IS the BullMQ job lock: BullMQ's own moveToActive script, run
 *   inside ours with the lease id as its lock token, moves the job to active
 *   atomically (two dispatcher processes can never take the same job). A
 *   heartbeat extends the lock, and when heartbeats stop BullMQ's stalled
 *   checker moves the job back to waiting, where we restore its priority. After
 *   `maxAttempts` lost leases, or failed attempts, the job fails with a reason.
 * - A pool's free slots are a Redis sorted set of its live lease ids scored by
 *   their expiry. The script that takes a job first reserves a slot, and saves
 *   the lease's live state; the one that completes it frees the slot. One round
 *   trip each (lease-scripts.server.ts), and no process can exceed a pool's
 *   `maxLeases`.
 * - The `leases` table records every lease (pages, queue estimates, tests).
 *
 * The web process uses this to serve the pool agents' HTTP API (lease,
 * heartbeat, complete, fail); the worker process runs `startMaintenance()`
 * (stalled checks, re-prioritization, sweeping dead lease rows).
 */
import { randomUUID } from "node:crypto";
import {
  Job,
  type JobJsonRaw,
  type JobsOptions,
  Queue,
  raw2NextJobData,
  UnrecoverableError,
  Worker,
} from "bullmq";
import { and, desc, eq, getTableColumns, lt, sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.server.js";
import { type LeaseRow, leases, type PoolRow, pools } from "../../db/schema/index.js";
import type { Env } from "../../server/env.js";
import {
  checkQueueKeys,
  defineLeaseCommands,
  keepJobsOf,
  type LeaseCommands,
} from "./lease-scripts.server.js";
import { LeaseWriter } from "./lease-writer.server.js";
import { bullPriority, DEFAULT_AGING_PER_HOUR, priorityScore } from "./priority.js";

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

/**
 * The deterministic job id of a bounty's training job: a replayed funding event adds nothing. The lease
 * script reads the bounty back from it (lease-scripts.server.ts).
 */
export function trainingJobId(chainId: number, bountyId: string): string {
  return `train-${chainId}-${bountyId}`;
}

/** What leaseRequest prepares: the lease's state before its job is known, and the script's arguments. */
interface LeaseRequest {
  pending: Omit<LeaseRow, "jobId" | "chainId" | "bountyId" | "attempt">;
  args: Parameters<LeaseCommands["ctLease"]>;
}

/** A job as the lease script returned it (its hash's fields), with its data and options parsed. */
interface TakenJob {
  fields: JobJsonRaw;
  data: TrainingJobData;
  opts: JobsOptions;
}

/** A lease answer that took a job only to fail it: ask again. */
const AGAIN = Symbol("again");

/** Every field of a lease record. */
const LEASE_FIELDS = Object.keys(getTableColumns(leases)) as (keyof LeaseRow)[];

/**
 * A lease's live state in Redis, as JSON. An active lease keeps its fields that have a value (the rest are
 * null); an ended one only what a late call is answered from (404, 403, 409): its record has the rest.
 */
function liveState(row: Partial<LeaseRow>): string {
  if (row.status !== "active") {
    return JSON.stringify({ id: row.id, poolId: row.poolId, jobId: row.jobId, status: row.status });
  }
  return JSON.stringify(row, (_key, value: unknown) => (value === null ? undefined : value));
}

/** A lease's final state: `expired` ends at its deadline, anything else now. */
function endedLease(
  row: LeaseRow,
  status: "completed" | "failed" | "expired",
  fields: Partial<Pick<LeaseRow, "reason" | "checkpointSha256" | "checkpointUri" | "submissionTx">>,
): LeaseRow {
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
  /**
   * Recent leases made here, so their actions skip a database and a Redis read: the record, the job as
   * the lease script returned it, and its BullMQ Job once an action needed one.
   */
  private readonly local = new Map<string, { row: LeaseRow; taken: TakenJob; job?: Job<TrainingJobData> }>();
  private readonly knownClasses = new Set<string>();
  private readonly poolSeen = new Map<string, number>();
  private readonly writer: LeaseWriter;
  /** The connection, with the dispatcher's scripts (lease-scripts.server.ts). */
  private readonly redis: Redis & LeaseCommands;
  private classCache: { at: number; names: string[] } | undefined;
  private maintenance: NodeJS.Timeout[] = [];
  private maintaining = false;
  private closed = false;

  constructor(options: DispatcherOptions) {
    this.options = {
      agingPerHour: DEFAULT_AGING_PER_HOUR,
      reprioritizeMs: 60_000,
      retryDelayMs: 5_000,
      ...options,
    };
    this.writer = new LeaseWriter(options.db);
    this.classesKey = `${options.prefix}:dispatch:classes`;
    this.wakeChannel = `${options.prefix}:dispatch:wake`;
    this.redis = defineLeaseCommands(options.connection);
  }

  private slotsKey(poolId: string): string {
    return `${this.options.prefix}:dispatch:pool:${poolId}:leases`;
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
      checkQueueKeys(queue);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * A BullMQ worker of a class that never processes jobs (leases are taken by the lease script): it runs
   * the stalled checks that take lost leases back, in the process that runs `startMaintenance()`.
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

  // ---------------------------------------------------------------- leasing

  /** Every class with jobs ever queued, cached briefly (a new class also arrives with its wake message). */
  async classes(): Promise<string[]> {
    const now = Date.now();
    if (!this.classCache || now - this.classCache.at > 2_000) {
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

  private async tryLease(pool: PoolRow): Promise<Lease | null> {
    for (const name of await this.bestFirst(await this.fittingClasses(pool))) {
      const lease = await this.leaseFrom(pool, name);
      if (lease) return lease;
    }
    return null;
  }

  private async fittingClasses(pool: PoolRow): Promise<string[]> {
    return (await this.classes()).filter((name) => {
      const req = requirementsOf(name);
      return req !== undefined && poolFits(pool, req);
    });
  }

  /**
   * Leases the head job of class `name` to `pool`, or resolves null when the class has none waiting. One
   * script reserves the pool's slot, takes the job with the lease id as its lock and saves the lease's
   * live state (lease-scripts.server.ts). Throws DispatchError(429) when the pool has no free slot.
   */
  private async leaseFrom(pool: PoolRow, name: string): Promise<Lease | null> {
    for (;;) {
      const request = this.leaseRequest(pool, name);
      const answer = await this.redis.ctLease(...request.args);
      const taken = await this.taken(pool, request, answer);
      if (taken !== AGAIN) return taken;
    }
  }

  /** The arguments of the lease script for a new lease of a class's head job to `pool`. */
  private leaseRequest(pool: PoolRow, name: string): LeaseRequest {
    const leaseId = randomUUID();
    const leasedAt = Date.now();
    // The lease's state before the job is known; the script adds the job's id, bounty and attempt.
    const pending: LeaseRequest["pending"] = {
      id: leaseId,
      queue: name,
      poolId: pool.id,
      status: "active",
      leasedAt: new Date(leasedAt),
      expiresAt: new Date(leasedAt + this.options.leaseTtlMs),
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
    return {
      pending,
      args: [
        this.slotsKey(pool.id),
        this.leaseKey(leaseId),
        this.queue(name).keys[""] ?? "",
        leasedAt,
        leaseId,
        this.options.leaseTtlMs,
        pool.maxLeases,
        liveState(pending),
        this.keepMs(pending.expiresAt),
      ],
    };
  }

  /**
   * Turns the lease script's answer into a lease: null when the class had no job, AGAIN when the job
   * taken was one BullMQ had left to fail (it is failed here; ask again). 429 when the pool was full.
   */
  private async taken(
    pool: PoolRow,
    { pending }: LeaseRequest,
    answer: number | unknown[],
  ): Promise<Lease | null | typeof AGAIN> {
    if (answer === -1) {
      throw new DispatchError(429, `pool "${pool.name}" already holds its ${pool.maxLeases} leases`);
    }
    const [fields, jobId] = raw2NextJobData(answer as unknown[]) as [JobJsonRaw | null, string];
    if (!fields) return null;
    if (fields.defa) {
      // Lost too many leases: BullMQ left failing it to whoever takes it next.
      const job = this.jobOf(pending.queue, fields, jobId, pending.id);
      await job.moveToFailed(new UnrecoverableError(fields.defa), pending.id, false);
      this.options.log.warn({ queue: pending.queue, jobId, reason: fields.defa }, "training job failed");
      return AGAIN;
    }
    // The record's start is stamped now, after the slot was reserved, and its deadline is the request's,
    // no later than the lock's: a record never claims a slot outside the time it was held. The live state
    // has the request's times until the first heartbeat rewrites them.
    const leasedAt = new Date();
    try {
      const job: TakenJob = {
        fields,
        data: JSON.parse(fields.data) as TrainingJobData,
        opts: JSON.parse(fields.opts || "{}") as JobsOptions,
      };
      const row: LeaseRow = {
        ...pending,
        leasedAt,
        jobId,
        chainId: job.data.chainId,
        bountyId: job.data.bountyId,
        attempt: Number(fields.atm ?? 0) + Number(fields.stc ?? 0) + 1,
      };
      return await this.recordLease(pool, row, job);
    } catch (error) {
      await this.giveBack(this.jobOf(pending.queue, fields, jobId, pending.id), pending.id, pending.queue);
      await this.redis.zrem(this.slotsKey(pool.id), pending.id);
      throw error;
    }
  }

  /** BullMQ's Job of a job hash's fields, holding lease `leaseId`'s lock. */
  private jobOf(queue: string, fields: JobJsonRaw, jobId: string, leaseId: string): Job<TrainingJobData> {
    const job = Job.fromJSON<TrainingJobData>(this.queue(queue), fields, jobId);
    job.token = leaseId;
    return job;
  }

  /** Fitting classes ordered by the priority of their head job (classes with nothing waiting last). */
  private async bestFirst(names: string[]): Promise<string[]> {
    if (names.length === 1) return names;
    const heads = await Promise.all(
      names.map(async (name) => {
        const queue = this.queue(name);
        // A job back from a lost lease sits in `wait` until its priority is restored; it goes first.
        const [waiting] = await queue.getRanges(["wait"], 0, 0, true);
        if (waiting) return { name, rank: [0, 0] };
        const [head] = (await queue.getJobs(["prioritized"], 0, 0, true)) as Job<TrainingJobData>[];
        return { name, rank: head ? [head.priority, head.timestamp] : [Number.POSITIVE_INFINITY, 0] };
      }),
    );
    heads.sort((a, b) => (a.rank[0] ?? 0) - (b.rank[0] ?? 0) || (a.rank[1] ?? 0) - (b.rank[1] ?? 0));
    return heads.map((head) => head.name);
  }

  /** Records a lease just taken (the live state is already in Redis) and builds what its agent gets. */
  private async recordLease(pool: PoolRow, row: LeaseRow, job: TakenJob): Promise<Lease> {
    if (row.attempt > 1) {
      // A row still active for this job belongs to a lease BullMQ already took back.
      await this.options.db
        .update(leases)
        .set({ status: "expired", endedAt: sql`${leases.expiresAt}`, reason: "heartbeat deadline passed" })
        .where(and(eq(leases.jobId, row.jobId), eq(leases.status, "active")));
    }
    this.writer.defer(row, (error) =>
      this.options.log.error({ leaseId: row.id, err: error }, "could not record a lease"),
    );
    this.remember(row, job);
    const leasedAt = row.leasedAt.getTime();
    this.sawPool(pool.id, leasedAt);
    this.options.log.info(
      {
        leaseId: row.id,
        jobId: row.jobId,
        pool: pool.name,
        bountyId: row.bountyId,
        attempt: row.attempt,
        priority: Number(job.fields.priority),
      },
      "job leased",
    );
    return {
      leaseId: row.id,
      jobId: row.jobId,
      queue: row.queue,
      attempt: row.attempt,
      leasedAt,
      expiresAt: row.expiresAt.getTime(),
      heartbeatIntervalMs: Math.floor(this.options.leaseTtlMs / 3),
      priority: Number(job.fields.priority),
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
      const priority = this.priorityOf(job.data);
      await job.changePriority({ priority });
      this.local.delete(leaseId);
      await this.options.connection.del(this.leaseKey(leaseId));
      this.wake(queueName);
    } catch (error) {
      // The stalled checker takes it back after the lease deadline instead.
      this.options.log.warn({ jobId: job.id, leaseId, err: error }, "could not give a job back");
    }
  }

  /** Gives back a lease its caller never received (the long poll's client went away). */
  async abandon(pool: PoolRow, lease: Lease): Promise<void> {
    const cached = this.local.get(lease.leaseId);
    const job = cached
      ? this.jobOf(lease.queue, cached.taken.fields, lease.jobId, lease.leaseId)
      : await Job.fromId<TrainingJobData>(this.queue(lease.queue), lease.jobId);
    if (job) await this.giveBack(job, lease.leaseId, lease.queue);
    await this.options.connection.zrem(this.slotsKey(pool.id), lease.leaseId);
    if (cached)
      this.writer.defer(
        { ...cached.row, status: "expired", endedAt: new Date(), reason: "never delivered" },
        () => {},
      );
  }

  // ---------------------------------------------------------------- lease actions

  /**
   * Where a lease's live state is kept in Redis, as JSON, so every API process finds it at once (the
   * database record follows within LeaseWriter's deferral). Kept an hour past its deadline, so late calls
   * get a 409.
   */
  private leaseKey(leaseId: string): string {
    return `${this.options.prefix}:dispatch:lease:${leaseId}`;
  }

  private keepMs(expiresAt: Date): number {
    return Math.max(expiresAt.getTime() - Date.now(), 0) + 3_600_000;
  }

  /** Replaces a lease's live state unless it has ended meanwhile; false when it had. */
  private async updateActiveLease(row: LeaseRow): Promise<boolean> {
    const written = await this.redis.ctUpdateLease(
      this.leaseKey(row.id),
      this.slotsKey(row.poolId),
      liveState(row),
      this.keepMs(row.expiresAt),
      row.id,
      row.status === "active" ? row.expiresAt.getTime() : "",
    );
    return written === 1;
  }

  private async loadLease(leaseId: string): Promise<LeaseRow | undefined> {
    const saved = await this.options.connection.get(this.leaseKey(leaseId));
    if (saved) {
      const row = JSON.parse(saved) as Record<string, unknown>;
      for (const key of LEASE_FIELDS) row[key] ??= null;
      for (const key of ["leasedAt", "expiresAt", "endedAt", "progressAt"]) {
        if (typeof row[key] === "string") row[key] = new Date(row[key]);
      }
      return row as LeaseRow;
    }
    const [row] = await this.options.db.select().from(leases).where(eq(leases.id, leaseId));
    return row;
  }

  /**
   * The active lease `leaseId` of `pool`, or a DispatchError saying why not (404, 403, 409). A lease made
   * by this process is taken from memory unless `fresh`: its pool never changes, and whether it is still
   * live is BullMQ's lock check, which every action makes.
   */
  private async ownedLease(pool: PoolRow, leaseId: string, fresh = false): Promise<LeaseRow> {
    const row = (!fresh && this.local.get(leaseId)?.row) || (await this.loadLease(leaseId));
    if (!row) throw new DispatchError(404, `no lease ${leaseId}`);
    if (row.poolId !== pool.id) throw new DispatchError(403, `lease ${leaseId} belongs to another pool`);
    if (row.status !== "active") throw new DispatchError(409, `lease ${leaseId} is ${row.status}`);
    return row;
  }

  /** Throws the DispatchError a lease action would (404, 403, 409) unless `leaseId` is `pool`'s live lease. */
  async assertActiveLease(pool: PoolRow, leaseId: string): Promise<void> {
    const row = await this.ownedLease(pool, leaseId, true);
    if (row.expiresAt.getTime() < Date.now()) {
      throw new DispatchError(409, `lease ${leaseId} is lost: its heartbeat deadline passed`);
    }
  }

  private async leasedJob(row: LeaseRow): Promise<Job<TrainingJobData>> {
    const cached = this.local.get(row.id);
    if (cached) {
      cached.job ??= this.jobOf(row.queue, cached.taken.fields, row.jobId, row.id);
      return cached.job;
    }
    const job = await Job.fromId<TrainingJobData>(this.queue(row.queue), row.jobId);
    if (!job) {
      await this.endLease(row, "expired", { reason: "job no longer exists" });
      throw new DispatchError(409, `lease ${row.id} is lost: its job no longer exists`);
    }
    return job;
  }

  /** Extends a lease and records the agent's progress. 409 when the lease was already lost. */
  async heartbeat(pool: PoolRow, leaseId: string, progress: Progress): Promise<{ expiresAt: number }> {
    const row = await this.ownedLease(pool, leaseId);
    const job = await this.leasedJob(row);
    const extended = await job.extendLock(leaseId, this.options.leaseTtlMs);
    if (!extended) {
      await this.endLease(row, "expired", { reason: "heartbeat deadline passed" });
      throw new DispatchError(409, `lease ${leaseId} is lost: its heartbeat deadline passed`);
    }
    const now = Date.now();
    const expiresAt = now + this.options.leaseTtlMs;
    const updated: LeaseRow = {
      ...row,
      expiresAt: new Date(expiresAt),
      percent: progress.percent,
      step: progress.step ?? null,
      loss: progress.loss ?? null,
      progressAt: new Date(now),
    };
    // A complete or fail that raced this heartbeat has ended the lease: do not bring it back. A live one
    // is (re-)entered in its pool's slots with its new deadline.
    if (!(await this.updateActiveLease(updated))) throw new DispatchError(409, `lease ${leaseId} has ended`);
    await this.writer.write(updated);
    this.sawPool(pool.id, now);
    const cached = this.local.get(leaseId);
    if (cached) cached.row = updated;
    return { expiresAt };
  }

  /**
   * The agent finished: the job completes and the pool's slot is freed, in one script (BullMQ's
   * moveToFinished, then the lease's end). 409 when the lease was already lost.
   *
   * With `next`, the same script also leases the pool the head job of its best class, as a BullMQ worker
   * takes its next job as it completes one: resolves that lease, or null when none is waiting.
   */
  async complete(
    pool: PoolRow,
    leaseId: string,
    result: LeaseResult,
    options: { next?: boolean } = {},
  ): Promise<Lease | null> {
    const row = await this.ownedLease(pool, leaseId);
    // A lease made here has its job's options at hand; another process's is read (404 if the job is gone).
    const { opts } = this.local.get(leaseId)?.taken ?? (await this.leasedJob(row));
    const ended = endedLease(row, "completed", {
      checkpointSha256: result.checkpointSha256 ?? null,
      checkpointUri: result.checkpointUri ?? null,
      submissionTx: result.submissionTx ?? null,
    });
    const queue = this.queue(row.queue);
    const [stateKey, slotsKey, ...args] = [
      this.leaseKey(leaseId),
      this.slotsKey(row.poolId),
      queue.keys[""] ?? "",
      row.jobId,
      Date.now(),
      JSON.stringify(result),
      JSON.stringify(keepJobsOf(opts.removeOnComplete)),
      opts.attempts ?? 1,
      leaseId,
      liveState(ended),
      this.keepMs(ended.expiresAt),
    ] as const;
    const order = options.next ? await this.bestFirst(await this.fittingClasses(pool)) : [];
    const request = order[0] === undefined ? undefined : this.leaseRequest(pool, order[0]);
    let answer: number;
    let leased: number | unknown[] | undefined;
    if (request) {
      const [leaseSlots, leaseState, ...leaseArgs] = request.args;
      [answer, leased] = await this.redis.ctCompleteAndLease(
        stateKey,
        slotsKey,
        leaseSlots,
        leaseState,
        ...args,
        ...leaseArgs,
      );
    } else {
      answer = await this.redis.ctComplete(stateKey, slotsKey, ...args);
    }
    if (answer < 0) {
      const error = queue.scripts.finishedErrors({
        code: answer,
        jobId: row.jobId,
        command: "moveToFinished",
        state: "active",
      });
      await this.endLease(row, "expired", { reason: "heartbeat deadline passed" });
      throw new DispatchError(409, `lease ${leaseId} is lost: ${error.message}`);
    }
    this.recordEnd(ended, answer === 1);
    this.options.log.info({ leaseId, jobId: row.jobId, pool: pool.name }, "lease completed");
    if (!request || leased === undefined || leased === -1) return null;
    // The completion is done: whatever goes wrong with the next lease must not turn it into an error (the
    // agent would retry, hear 409 and count a completed lease as lost). A next job taken but not recorded
    // is given back by taken(); the agent polls as usual.
    try {
      const next = await this.taken(pool, request, leased);
      if (next !== AGAIN && (next !== null || order.length === 1)) return next;
      // The best class had nothing after all, or only a job to fail: look at every class, as a lease would.
      return await this.tryLease(pool);
    } catch (error) {
      if (!(error instanceof DispatchError && error.status === 429)) {
        this.options.log.warn(
          { leaseId, pool: pool.name, err: error },
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
    const retried = retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
    try {
      await job.moveToFailed(error, leaseId, false);
    } catch (moveError) {
      await this.endLease(row, "expired", { reason: "heartbeat deadline passed" });
      throw new DispatchError(409, `lease ${leaseId} is lost: ${(moveError as Error).message}`);
    }
    await this.endLease(row, "failed", { reason });
    this.options.log.warn({ leaseId, jobId: row.jobId, pool: pool.name, reason, retried }, "lease failed");
    if (retried) this.wake(row.queue);
    return { retried };
  }

  private async endLease(
    row: LeaseRow,
    status: "completed" | "failed" | "expired",
    fields: Partial<Pick<LeaseRow, "reason" | "checkpointSha256" | "checkpointUri" | "submissionTx">>,
  ): Promise<void> {
    const ended = endedLease(row, status, fields);
    // The first ending wins: a lost complete racing a real one must not turn it into "expired".
    // Also frees the slot, whoever ended the lease first.
    this.recordEnd(ended, await this.updateActiveLease(ended));
  }

  /**
   * Forgets a lease that has ended and, when this call ended it (`won`), records its end: within
   * LeaseWriter's deferral. BullMQ holds the outcome, and the sweeper rebuilds a record lost to a crash
   * from it.
   */
  private recordEnd(ended: LeaseRow, won: boolean): void {
    this.local.delete(ended.id);
    if (!won) return;
    this.writer.defer(ended, (error) =>
      this.options.log.error({ leaseId: ended.id, err: error }, "could not record a lease end"),
    );
  }

  /** Keeps a lease made here for its later actions; bounded, oldest dropped first. */
  private remember(row: LeaseRow, taken: TakenJob): void {
    this.local.set(row.id, { row, taken });
    if (this.local.size > 10_000) {
      const oldest = this.local.keys().next().value;
      if (oldest !== undefined) this.local.delete(oldest);
    }
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
      if (job && !job.deferredFailure) {
        const priority = this.priorityOf(job.data);
        await job.changePriority({ priority }).catch(() => {}); // already leased again: nothing to restore
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
          // Leased in the meantime: changePriority refuses and there is nothing to do.
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
   * the end): the job's latest lease takes the job's outcome from BullMQ if it completed or failed; any
   * other is expired. Frees their slots.
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
      await this.options.connection.zrem(this.slotsKey(row.poolId), row.id);
    }
    return stale.length;
  }

  /** Live leases (deadline not passed) of these pools, from their slot sets. */
  async liveLeases(poolIds: string[], now = Date.now()): Promise<number> {
    const counts = await Promise.all(
      poolIds.map((id) => this.options.connection.zcount(this.slotsKey(id), `(${now}`, "+inf")),
    );
    return counts.reduce((sum, n) => sum + n, 0);
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
