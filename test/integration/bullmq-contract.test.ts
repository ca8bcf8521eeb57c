/**
 * The BullMQ behaviour the dispatcher relies on (ADR 017), checked on a real
 * Redis (a private redis-server) through BullMQ's public API only: manual
 * processing with `Worker.getNextJob(token)`, the job lock as the lease,
 * stalled jobs, retries, priorities.
 *
 * If this fails after a bullmq upgrade, read the changelog before touching the
 * dispatcher (jobs/dispatch/dispatcher.ts): each case below names the
 * dispatcher code that depends on it. bullmq is pinned exactly in
 * package.json for this reason (jobs/dispatch/pin.test.ts).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type Job, Queue, UnrecoverableError, Worker, type WorkerOptions } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRedis } from "../../server/redis.js";
import { startTestRedis, type TestService, uniqueId } from "../setup/fixtures.js";

interface Data {
  n: number;
}

let redisService: TestService;
let connection: Redis;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redisService = await startTestRedis();
  connection = createRedis(redisService.url, "worker");
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  connection?.disconnect();
  await redisService?.stop();
});

/** A queue and a manual-processing worker (no processor, never run), on a prefix of their own. */
function queueAndWorker(workerOptions: Partial<WorkerOptions> = {}, attempts = 3) {
  const prefix = uniqueId("contract");
  const queue = new Queue<Data>("train-v0-g0", {
    connection,
    prefix,
    defaultJobOptions: { attempts, backoff: { type: "fixed", delay: 300 } },
  });
  const worker = new Worker<Data>("train-v0-g0", null, {
    connection,
    prefix,
    autorun: false,
    lockDuration: 30_000,
    ...workerOptions,
  });
  closers.push(
    () => queue.close(),
    () => worker.close(),
  );
  return { queue, worker };
}

/** Polls `probe` until it returns true, failing after `ms`. */
async function until(what: string, probe: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe("bullmq (the behaviour the dispatcher relies on)", () => {
  it("getNextJob hands out a job without a priority first, then prioritized ones, lowest number first", async () => {
    // dispatcher: bestFirst ranks a class by its head this way; a stalled job sits in plain `wait`.
    const { queue, worker } = queueAndWorker();
    await queue.add("train", { n: 1 }, { jobId: "p5", priority: 5 });
    await queue.add("train", { n: 2 }, { jobId: "p1", priority: 1 });
    await queue.add("train", { n: 3 }, { jobId: "p3", priority: 3 });
    await queue.add("train", { n: 4 }, { jobId: "plain" });
    // The heads bestFirst reads, through Queue getters.
    expect(await queue.getRanges(["wait"], 0, 0, true)).toEqual(["plain"]);
    const [head] = await queue.getJobs(["prioritized"], 0, 0, true);
    expect(head).toMatchObject({ id: "p1", priority: 1 });
    expect(await queue.getJobCounts("wait", "prioritized", "delayed")).toEqual({
      wait: 1,
      prioritized: 3,
      delayed: 0,
    });

    const order: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const job = await worker.getNextJob(`token-${i}`, { block: false });
      order.push(job?.id);
      // What the lease is built from: public Job properties.
      expect(job?.token).toBe(`token-${i}`);
      expect(job?.data.n).toBeTypeOf("number");
      expect(job?.attemptsMade).toBe(0);
      expect(job?.stalledCounter).toBe(0);
    }
    expect(order).toEqual(["plain", "p1", "p3", "p5"]);
    expect(await worker.getNextJob("token-x", { block: false })).toBeUndefined();
  });

  it("locks the job with the token given: extendLock and moveToCompleted/moveToFailed refuse another token", async () => {
    // dispatcher: the lease id IS the lock token; heartbeat = extendLock, complete/fail check it.
    const { queue, worker } = queueAndWorker();
    await queue.add("train", { n: 1 }, { jobId: "a", priority: 1 });
    const job = (await worker.getNextJob("lease-1", { block: false })) as Job<Data>;
    expect(await job.getState()).toBe("active");

    expect(await job.extendLock("lease-2", 30_000)).toBe(0);
    expect(await job.extendLock("lease-1", 30_000)).toBe(1);
    await expect(job.moveToCompleted({}, "lease-2", false)).rejects.toThrow();
    await expect(job.moveToFailed(new Error("no"), "lease-2", false)).rejects.toThrow();
    expect(await job.getState()).toBe("active");

    // The holder completes it, and the completion is final: the same token cannot complete it again.
    await job.moveToCompleted({ ok: true }, "lease-1", false);
    expect(await job.getState()).toBe("completed");
    await expect(job.moveToCompleted({}, "lease-1", false)).rejects.toThrow();
    expect(await job.extendLock("lease-1", 30_000)).toBe(0);
  });

  it("lets a lock that is not extended lapse: extendLock answers 0 and moveToCompleted throws", async () => {
    // dispatcher: a heartbeat or complete after the deadline is 409, whether or not the checker ran.
    const { queue, worker } = queueAndWorker({ lockDuration: 200 });
    await queue.add("train", { n: 1 }, { jobId: "a", priority: 1 });
    const job = (await worker.getNextJob("lease-1", { block: false })) as Job<Data>;
    await sleep(350);
    expect(await job.extendLock("lease-1", 30_000)).toBe(0);
    await expect(job.moveToCompleted({}, "lease-1", false)).rejects.toThrow();
    // No stalled check has run: the job is still listed as active, under nobody's lock.
    expect(await job.getState()).toBe("active");
  });

  it("moves a stalled job back to plain `wait` (not `prioritized`), emits 'stalled', and counts it in stalledCounter", async () => {
    // dispatcher: onLeaseLost restores the priority with changePriority; the attempt is
    // attemptsMade + stalledCounter + 1. If BullMQ starts returning the job to `prioritized`, the
    // restore becomes redundant: revisit onLeaseLost rather than let this pass silently.
    const { queue, worker } = queueAndWorker({ lockDuration: 200, stalledInterval: 100, maxStalledCount: 2 });
    await queue.add("train", { n: 1 }, { jobId: "lost", priority: 7 });
    await queue.add("train", { n: 2 }, { jobId: "better", priority: 1 });
    const stalled: string[] = [];
    worker.on("stalled", (jobId) => stalled.push(jobId));
    const taken = await worker.getNextJob("lease-1", { block: false });
    expect(taken?.id).toBe("better");
    await taken?.moveToCompleted({}, "lease-1", false);
    const lost = await worker.getNextJob("lease-2", { block: false });
    expect(lost?.id).toBe("lost");

    await worker.startStalledCheckTimer();
    await until("the stalled event", async () => stalled.includes("lost"));
    expect(await queue.getRanges(["wait"], 0, -1, true)).toEqual(["lost"]);
    expect(await queue.getPrioritizedCount()).toBe(0);
    const back = (await queue.getJob("lost")) as Job<Data>;
    expect(await back.getState()).toBe("waiting");
    expect(back.priority).toBe(7);
    expect(back.stalledCounter).toBe(1);
    expect(back.attemptsMade).toBe(0);

    // changePriority on a job in plain `wait` puts it in `prioritized` with that priority.
    await back.changePriority({ priority: 7 });
    expect(await back.getState()).toBe("prioritized");
    const again = await worker.getNextJob("lease-3", { block: false });
    expect(again).toMatchObject({ id: "lost", attemptsMade: 0, stalledCounter: 1, priority: 7 });
  });

  it("fails a job stalled more than maxStalledCount in getNextJob, and hands out the next one instead", async () => {
    // dispatcher: no `deferredFailure` handling of our own; bounded lost leases.
    const { queue, worker } = queueAndWorker({ lockDuration: 150, stalledInterval: 100, maxStalledCount: 0 });
    await queue.add("train", { n: 1 }, { jobId: "doomed", priority: 1 });
    await queue.add("train", { n: 2 }, { jobId: "next", priority: 2 });
    const failed: { id?: string | undefined; reason: string }[] = [];
    worker.on("failed", (job, error) => failed.push({ id: job?.id, reason: error.message }));
    const stalled: string[] = [];
    worker.on("stalled", (jobId) => stalled.push(jobId));
    expect((await worker.getNextJob("lease-1", { block: false }))?.id).toBe("doomed");
    await worker.startStalledCheckTimer();
    await until(
      "the stalled check",
      async () => (await queue.getJob("doomed"))?.deferredFailure !== undefined,
    );

    const taken = await worker.getNextJob("lease-2", { block: false });
    expect(taken?.id).toBe("next");
    const doomed = await queue.getJob("doomed");
    expect(await doomed?.getState()).toBe("failed");
    expect(doomed?.failedReason).toBe("job stalled more than allowable limit");
    expect(failed).toEqual([{ id: "doomed", reason: "job stalled more than allowable limit" }]);
    // 'stalled' fires for it too: onLeaseLost must not give such a job its priority back.
    expect(stalled).toEqual(["doomed"]);
  });

  it("retries a failed job after its backoff, back among the prioritized with its priority; UnrecoverableError does not", async () => {
    // dispatcher: fail(retryable) relies on attempts + fixed backoff; delayed jobs are promoted by getNextJob.
    const { queue, worker } = queueAndWorker({}, 2);
    await queue.add("train", { n: 1 }, { jobId: "flaky", priority: 2 });
    await queue.add("train", { n: 2 }, { jobId: "worse", priority: 9 });
    const first = (await worker.getNextJob("lease-1", { block: false })) as Job<Data>;
    expect(first.id).toBe("flaky");
    await first.moveToFailed(new Error("CUDA out of memory"), "lease-1", false);
    expect(await first.getState()).toBe("delayed");
    expect(await queue.getJobCounts("wait", "prioritized", "delayed")).toEqual({
      wait: 0,
      prioritized: 1,
      delayed: 1,
    });
    await sleep(350);
    // The delay is over: the retried job outranks the worse one again, and its attempt counts.
    const second = (await worker.getNextJob("lease-2", { block: false })) as Job<Data>;
    expect(second).toMatchObject({ id: "flaky", priority: 2, attemptsMade: 1, stalledCounter: 0 });
    await second.moveToFailed(new Error("again"), "lease-2", false);
    expect(await second.getState()).toBe("failed");
    expect(second.failedReason).toBe("again");

    const worse = (await worker.getNextJob("lease-3", { block: false })) as Job<Data>;
    await worse.moveToFailed(new UnrecoverableError("bad spec"), "lease-3", false);
    expect(await worse.getState()).toBe("failed");
  });

  it("changes the priority of a prioritized job; on an active one it only records the number", async () => {
    // dispatcher: the re-prioritizer (aging) and onLeaseLost may race a lease; that must never put a
    // leased job back in the queue (which would lease it twice).
    const { queue, worker } = queueAndWorker();
    await queue.add("train", { n: 1 }, { jobId: "old", priority: 50 });
    await queue.add("train", { n: 2 }, { jobId: "new", priority: 10 });
    const old = (await queue.getJob("old")) as Job<Data>;
    await old.changePriority({ priority: 5 });
    const [head] = await queue.getJobs(["prioritized"], 0, 0, true);
    expect(head).toMatchObject({ id: "old", priority: 5 });
    const active = (await worker.getNextJob("lease-1", { block: false })) as Job<Data>;
    expect(active.id).toBe("old");
    await active.changePriority({ priority: 1 });
    expect(await active.getState()).toBe("active");
    expect((await worker.getNextJob("lease-2", { block: false }))?.id).toBe("new");
    expect(await worker.getNextJob("lease-3", { block: false })).toBeUndefined();
    // A job that no longer exists is refused.
    await queue.add("train", { n: 3 }, { jobId: "gone", priority: 10 });
    const gone = (await queue.getJob("gone")) as Job<Data>;
    await queue.remove("gone");
    await expect(gone.changePriority({ priority: 2 })).rejects.toThrow();
  });

  it("puts a job given back with moveToWait(token) among the prioritized, ahead of its equals", async () => {
    // dispatcher: giveBack (a lease never delivered, or never recorded).
    const { queue, worker } = queueAndWorker();
    await queue.add("train", { n: 1 }, { jobId: "a", priority: 3 });
    await queue.add("train", { n: 2 }, { jobId: "b", priority: 3 });
    const a = (await worker.getNextJob("lease-1", { block: false })) as Job<Data>;
    await expect(a.moveToWait("lease-2")).rejects.toThrow();
    await a.moveToWait("lease-1");
    expect(await a.getState()).toBe("prioritized");
    expect(await queue.getRanges(["prioritized"], 0, -1, true)).toEqual(["a", "b"]);
    const again = await worker.getNextJob("lease-3", { block: false });
    expect(again).toMatchObject({ id: "a", attemptsMade: 0, stalledCounter: 0 });
  });

  it("ignores an add whose jobId exists, also after the job completed", async () => {
    // dispatcher: enqueue is idempotent on the bounty's job id.
    const { queue, worker } = queueAndWorker();
    await queue.add("train", { n: 1 }, { jobId: "bounty-1", priority: 4 });
    await queue.add("train", { n: 2 }, { jobId: "bounty-1", priority: 1 });
    expect(await queue.getPrioritizedCount()).toBe(1);
    expect((await queue.getJob("bounty-1"))?.data.n).toBe(1);
    const job = (await worker.getNextJob("lease-1", { block: false })) as Job<Data>;
    await job.moveToCompleted({}, "lease-1", false);
    await queue.add("train", { n: 3 }, { jobId: "bounty-1", priority: 1 });
    expect(await queue.getPrioritizedCount()).toBe(0);
    expect(await (await queue.getJob("bounty-1"))?.getState()).toBe("completed");
  });

  it("moveToCompleted(…, false) takes no next job: the next one stays waiting", async () => {
    // dispatcher: complete with `next` leases through its own path, with a new lease id as the token.
    const { queue, worker } = queueAndWorker();
    await queue.add("train", { n: 1 }, { jobId: "a", priority: 1 });
    await queue.add("train", { n: 2 }, { jobId: "b", priority: 2 });
    const a = (await worker.getNextJob("lease-1", { block: false })) as Job<Data>;
    await a.moveToCompleted({ done: 1 }, "lease-1", false);
    expect(await (await queue.getJob("b"))?.getState()).toBe("prioritized");
    const done = await queue.getJob("a");
    expect(done).toMatchObject({ returnvalue: { done: 1 }, attemptsMade: 1 });
    expect(done?.finishedOn).toBeTypeOf("number");
  });
});
