/**
 * Starts one BullMQ Worker per queue this process serves, with error listeners
 * and a bounded graceful close. jobs/worker.ts is the process entry; tests call
 * this directly.
 */
import { DelayedError, type Job, type Processor, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { PublicClient } from "viem";
import type { Logger } from "../core/logger.js";
import type { Database } from "../db/client.js";
import { syncDeployment } from "./deployments/index.js";
import type { Dispatcher } from "./dispatch/index.js";
import { dispatchBounty } from "./dispatch/index.js";
import type { Evaluator } from "./evaluation/index.js";
import { evaluateSubmission } from "./evaluation/index.js";
import type { Keeper } from "./keeper/index.js";
import {
  type DeliverDeps,
  deliverWebhook,
  notifyBountyFinalized,
  notifyBountyFunded,
  notifyDisputeOpened,
  notifySubmissionEvaluated,
  WEBHOOK_MAX_WAITS,
} from "./notifications/index.js";
import { JOB, QUEUE, type QueueName } from "./queues.js";

export interface WorkerDeps {
  db: Database;
  chain: PublicClient;
  log: Logger;
  /** The dispatcher, for the `dispatch` queue; without it that queue is not served. */
  dispatch?: { dispatcher: Dispatcher; tokenPrices: ReadonlyMap<string, number> };
  /** The evaluator, for the `evaluate` queue; without it that queue is not served. */
  evaluator?: Evaluator;
  /** The keeper, for the `keeper` queue (finalizing due bounties); without it that queue is not served. */
  keeper?: Keeper;
  /**
   * What webhook deliveries may reach, how long they wait, and (with `slots`) how many may go to one
   * account's webhook at once, for the `webhooks` queue.
   */
  webhooks?: Pick<DeliverDeps, "policy" | "timeoutMs" | "slots">;
}

/** Each queue's processor, dispatching on the job name. Unknown names fail permanently. */
function processors(deps: WorkerDeps): Partial<Record<QueueName, Processor>> {
  const { webhooks } = deps;
  return {
    [QUEUE.deployments]: async (job: Job) => {
      if (job.name === JOB.syncDeployment) return syncDeployment(job.data, deps);
      throw new UnrecoverableError(`unknown job "${job.name}" on queue ${QUEUE.deployments}`);
    },
    ...(deps.dispatch && {
      [QUEUE.dispatch]: async (job: Job) => {
        if (job.name === JOB.dispatchBounty) {
          return dispatchBounty(job.data, job.timestamp, {
            ...deps,
            ...(deps.dispatch as NonNullable<WorkerDeps["dispatch"]>),
          });
        }
        throw new UnrecoverableError(`unknown job "${job.name}" on queue ${QUEUE.dispatch}`);
      },
    }),
    ...(deps.evaluator && {
      [QUEUE.evaluate]: async (job: Job) => {
        if (job.name === JOB.evaluateSubmission) {
          return evaluateSubmission(job.data, deps.evaluator as Evaluator);
        }
        throw new UnrecoverableError(`unknown job "${job.name}" on queue ${QUEUE.evaluate}`);
      },
    }),
    ...(webhooks && {
      [QUEUE.webhooks]: async (job: Job, token?: string) => {
        if (job.name !== JOB.deliverWebhook)
          throw new UnrecoverableError(`unknown job "${job.name}" on queue ${QUEUE.webhooks}`);
        const result = await deliverWebhook(job.data, { db: deps.db, log: deps.log, ...webhooks });
        if ("busy" in result) {
          // The account's webhook has every slot it may: back in the queue later, not as a failed attempt,
          // waiting twice as long each time it finds them taken (at most 30 s), so a stalled receiver's
          // backlog does not spin the queue.
          const waits = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
          if (waits >= WEBHOOK_MAX_WAITS) {
            throw new Error(`the account's webhook had every delivery slot taken ${waits} times in a row`);
          }
          const delay = Math.min(30_000, result.retryInMs * 2 ** Math.min(waits, 6));
          await job.moveToDelayed(Date.now() + delay, token);
          throw new DelayedError();
        }
        return result;
      },
    }),
    [QUEUE.notify]: async (job: Job) => {
      if (job.name === JOB.bountyFinalized) return notifyBountyFinalized(job.data, deps);
      if (job.name === JOB.disputeOpened) return notifyDisputeOpened(job.data, deps);
      if (job.name === JOB.bountyFunded) return notifyBountyFunded(job.data, deps);
      if (job.name === JOB.submissionEvaluated) return notifySubmissionEvaluated(job.data, deps);
      throw new UnrecoverableError(`unknown job "${job.name}" on queue ${QUEUE.notify}`);
    },
    ...(deps.keeper && {
      [QUEUE.keeper]: async (job: Job) => {
        if (job.name === JOB.finalizeDue) return (deps.keeper as Keeper).run();
        throw new UnrecoverableError(`unknown job "${job.name}" on queue ${QUEUE.keeper}`);
      },
    }),
  };
}

export interface RunningWorkers {
  workers: Worker[];
  /**
   * Stops taking jobs and waits for running ones, at most `timeoutMs`.
   * Resolves true when everything closed in time, false when it gave up waiting.
   */
  close(timeoutMs: number): Promise<boolean>;
}

export interface StartWorkersOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  /** Per-queue concurrency, where it differs (an evaluation takes every core it gets: 1). */
  concurrencyOf?: Partial<Record<QueueName, number>>;
  /**
   * Per-queue job lock (BullMQ's lockDuration, with its stalled check every half of it), where it differs
   * from BullMQ's 30 s: a crashed worker's job is taken up again within about twice this.
   */
  lockMsOf?: Partial<Record<QueueName, number>>;
  queues?: QueueName[];
}

export function startWorkers(deps: WorkerDeps, options: StartWorkersOptions): RunningWorkers {
  const table = processors(deps);
  const names = options.queues ?? (Object.keys(table) as QueueName[]);
  const workers = names.map((queue) => {
    const processor = table[queue];
    if (!processor) throw new Error(`no processor for queue ${queue}`);
    const worker = new Worker(queue, processor, {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrencyOf?.[queue] ?? options.concurrency,
      ...(options.lockMsOf?.[queue] !== undefined && {
        lockDuration: options.lockMsOf[queue],
        // A lost lock is seen by the second check after it expires: within twice the lock in all.
        stalledInterval: Math.max(500, Math.round(options.lockMsOf[queue] / 2)),
      }),
      // An evaluation lost to a crashed worker is taken up again a few times before it fails for good (its
      // checkpoint runs in a sandboxed child, so it is not what crashed the worker; its own record makes a
      // re-run safe: it never publishes twice).
      ...(queue === QUEUE.evaluate && { maxStalledCount: 3 }),
    });
    const log = deps.log.child({ queue });
    // Connection errors repeat on every reconnect attempt: one line each, without the stack.
    worker.on("error", (error) => log.error({ err: error }, "worker error"));
    worker.on("failed", (job, error) =>
      log.warn({ jobId: job?.id, job: job?.name, attempts: job?.attemptsMade, err: error }, "job failed"),
    );
    worker.on("completed", (job) => log.info({ jobId: job.id, job: job.name }, "job completed"));
    return worker;
  });
  deps.log.info({ queues: names, concurrency: options.concurrency }, "workers started");

  return {
    workers,
    async close(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const closed = Promise.all(workers.map((w) => w.close())).then(() => true as const);
      const result = await Promise.race([closed, timedOut]);
      clearTimeout(timer);
      // Gave up: stop waiting for the hung jobs (BullMQ re-queues them once their lock expires).
      if (!result) void Promise.all(workers.map((w) => w.close(true).catch(() => {})));
      return result;
    },
  };
}
