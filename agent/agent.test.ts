/**
 * The agent loop against an in-memory platform API and a fake chain: the
 * happy path, lost leases, failures, shutdown, 401/429/network errors.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import type { Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompleteBody, FailBody, HeartbeatBody, LeaseView } from "../core/pool-api.js";
import { blobsClassifierSpec } from "../core/spec.examples.js";
import { type AgentOptions, exitCodeOf, heartbeatOf, runAgent } from "./agent.js";
import type { BountyRef, ChainOps, ClaimResult, RecoveredCommit, SubmitResult } from "./chain.js";
import { type CallOptions, PoolApiError, type PoolClient } from "./client.js";
import type { TrainContext, Trainer } from "./trainers/types.js";
import { LeaseFailure, sleep } from "./util.js";

const logger = pino({ level: "silent" });
const TRAINER: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const CLAIM_TX: Hex = `0x${"aa".repeat(32)}`;
const COMMIT_TX: Hex = `0x${"cc".repeat(32)}`;
const SUBMIT_TX: Hex = `0x${"bb".repeat(32)}`;
const ONNX = new TextEncoder().encode("fake onnx bytes");
const ONNX_SHA = createHash("sha256").update(ONNX).digest("hex");

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "agent-test-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let leaseNumber = 0;
function makeLease(overrides: Partial<LeaseView> = {}): LeaseView {
  leaseNumber++;
  return {
    leaseId: `lease-${leaseNumber}`,
    jobId: `job-${leaseNumber}`,
    attempt: 1,
    expiresAt: Date.now() + 30_000,
    heartbeatIntervalMs: 20,
    bounty: {
      chainId: 31337,
      bountyId: String(leaseNumber),
      board: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      token: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
      specHash: `0x${"00".repeat(32)}`,
    },
    spec: blobsClassifierSpec,
    ...overrides,
  };
}

type Call =
  | { op: "me" | "lease" }
  | { op: "heartbeat"; leaseId: string; body: HeartbeatBody }
  | { op: "upload"; leaseId: string; sha256: string; size: number }
  | { op: "complete"; leaseId: string; body: CompleteBody }
  | { op: "fail"; leaseId: string; body: FailBody };

const httpError = (status: number, message = `status ${status}`) =>
  new PoolApiError(message, { kind: "http", status, serverError: message });
const networkError = () =>
  new PoolApiError("POST /api/pool/lease: fetch failed: ECONNREFUSED", { kind: "network" });

/** The platform, in memory. */
class FakeApi implements PoolClient {
  readonly queue: LeaseView[] = [];
  readonly calls: Call[] = [];
  /** Thrown, in order, by the next lease calls. */
  readonly leaseErrors: PoolApiError[] = [];
  meError?: PoolApiError;
  /** Decides the answer to the n-th heartbeat (from 1) of a lease: an error to throw, or nothing. */
  heartbeatError?: (leaseId: string, n: number) => PoolApiError | undefined;
  completeError?: PoolApiError;
  private readonly heartbeatCounts = new Map<string, number>();

  of<T extends Call["op"]>(op: T): Extract<Call, { op: T }>[] {
    return this.calls.filter((c): c is Extract<Call, { op: T }> => c.op === op);
  }

  async me() {
    this.calls.push({ op: "me" });
    if (this.meError) throw this.meError;
    return { id: "pool-1", name: "test pool", operator: TRAINER.toLowerCase() };
  }

  async lease(_waitSeconds: number, options?: CallOptions) {
    this.calls.push({ op: "lease" });
    const error = this.leaseErrors.shift();
    if (error) throw error;
    const next = this.queue.shift();
    if (next) return next;
    await sleep(10, options?.signal);
    if (options?.signal?.aborted) throw options.signal.reason;
    return null;
  }

  async heartbeat(leaseId: string, body: HeartbeatBody) {
    const n = (this.heartbeatCounts.get(leaseId) ?? 0) + 1;
    this.heartbeatCounts.set(leaseId, n);
    this.calls.push({ op: "heartbeat", leaseId, body });
    const error = this.heartbeatError?.(leaseId, n);
    if (error) throw error;
    return { expiresAt: Date.now() + 30_000 };
  }

  async uploadArtifact(leaseId: string, bytes: Uint8Array, sha256: string) {
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(sha256);
    this.calls.push({ op: "upload", leaseId, sha256, size: bytes.length });
    return { sha256, size: bytes.length, uri: `http://127.0.0.1:3000/artifacts/${sha256}` };
  }

  async complete(leaseId: string, body: CompleteBody) {
    this.calls.push({ op: "complete", leaseId, body });
    if (this.completeError) throw this.completeError;
    // As the platform does: a completion that asks for more takes the next waiting lease.
    return body.next ? (this.queue.shift() ?? null) : null;
  }

  async fail(leaseId: string, body: FailBody) {
    this.calls.push({ op: "fail", leaseId, body });
    return { retried: body.retryable };
  }
}

class FakeChain implements ChainOps {
  readonly trainer = TRAINER;
  readonly claims: BountyRef[] = [];
  readonly submissions: { ref: BountyRef; checkpointHash: Hex; uri: string }[] = [];
  claimError?: Error;

  async ensureClaim(ref: BountyRef): Promise<ClaimResult> {
    this.claims.push(ref);
    if (this.claimError) throw this.claimError;
    return { alreadyClaimed: false, bond: 0n, approveTxs: [], claimTx: CLAIM_TX };
  }

  async submitCheckpoint(ref: BountyRef, checkpointHash: Hex, uri: string): Promise<SubmitResult> {
    this.submissions.push({ ref, checkpointHash, uri });
    return { submissionId: 1n, commitTx: COMMIT_TX, revealTx: SUBMIT_TX, alreadySubmitted: false };
  }

  recovered = 0;
  async recoverCommits(): Promise<RecoveredCommit[]> {
    this.recovered++;
    return [];
  }
}

/** A trainer that reports progress over a few ticks and returns ONNX. */
function steadyTrainer(ticks = 4, tickMs = 15): Trainer & { contexts: TrainContext[] } {
  const contexts: TrainContext[] = [];
  return {
    kind: "fake",
    contexts,
    async train(ctx) {
      contexts.push(ctx);
      for (let i = 1; i <= ticks; i++) {
        await sleep(tickMs, ctx.signal);
        ctx.signal.throwIfAborted();
        ctx.onProgress({ percent: (100 * i) / ticks, step: i * 10, loss: 1 / i });
      }
      return ONNX;
    },
  };
}

/** A trainer that reports one progress and then trains until aborted. */
function endlessTrainer(): Trainer & { contexts: TrainContext[]; aborted: unknown[] } {
  const contexts: TrainContext[] = [];
  const aborted: unknown[] = [];
  return {
    kind: "fake",
    contexts,
    aborted,
    async train(ctx) {
      contexts.push(ctx);
      ctx.onProgress({ percent: 5, step: 1, loss: 2.5 });
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      aborted.push(ctx.signal.reason);
      throw ctx.signal.reason;
    },
  };
}

function options(extra: Partial<AgentOptions> = {}): AgentOptions {
  return {
    workDir: root,
    minPollIntervalMs: 0,
    backoff: { initialMs: 5, maxMs: 20 },
    busyBackoffMs: 10,
    shutdownTimeoutMs: 2_000,
    ...extra,
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000) {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe("heartbeatOf", () => {
  it("clamps percent, floors step and drops non-finite values", () => {
    expect(heartbeatOf({ percent: 120, step: 3.7, loss: 0.5 })).toEqual({ percent: 100, step: 3, loss: 0.5 });
    expect(heartbeatOf({ percent: -1, step: -2, loss: Number.NaN })).toEqual({ percent: 0 });
    expect(heartbeatOf({ percent: Number.POSITIVE_INFINITY })).toEqual({ percent: 0 });
  });
});

describe("runAgent", () => {
  it("runs a lease end to end: heartbeat with progress, claim, train, upload, commit and reveal, complete", async () => {
    const api = new FakeApi();
    const chain = new FakeChain();
    const trainer = steadyTrainer();
    const lease = makeLease();
    api.queue.push(lease);

    const result = await runAgent(options({ once: true, seed: 7 }), { client: api, chain, trainer, logger });

    expect(result.stoppedBy).toBe("once");
    expect(exitCodeOf(result)).toBe(0);
    const uri = `http://127.0.0.1:3000/artifacts/${ONNX_SHA}`;
    expect(result.leases).toEqual([
      {
        leaseId: lease.leaseId,
        bountyId: lease.bounty.bountyId,
        status: "completed",
        checkpointSha256: ONNX_SHA,
        checkpointUri: uri,
        submissionTx: SUBMIT_TX,
      },
    ]);
    expect(chain.claims).toEqual([
      { chainId: 31337, bountyId: BigInt(lease.bounty.bountyId), board: lease.bounty.board },
    ]);
    expect(chain.submissions).toEqual([{ ref: chain.claims[0], checkpointHash: `0x${ONNX_SHA}`, uri }]);
    // The commits an earlier run left unrevealed are looked for once, before any lease.
    expect(chain.recovered).toBe(1);
    expect(api.of("upload")).toEqual([
      { op: "upload", leaseId: lease.leaseId, sha256: ONNX_SHA, size: ONNX.length },
    ]);
    expect(api.of("complete")).toEqual([
      {
        op: "complete",
        leaseId: lease.leaseId,
        // --once wants no next lease.
        body: { checkpointSha256: ONNX_SHA, checkpointUri: uri, submissionTx: SUBMIT_TX, next: false },
      },
    ]);
    expect(api.of("fail")).toEqual([]);

    // Heartbeats carried the trainer's progress, and none came after the completion.
    const heartbeats = api.of("heartbeat");
    expect(heartbeats.length).toBeGreaterThanOrEqual(2);
    expect(heartbeats[0]?.body).toEqual({ percent: 0 });
    expect(heartbeats.some((h) => h.body.step !== undefined && h.body.loss !== undefined)).toBe(true);
    const ops = api.calls.map((c) => c.op);
    expect(ops.lastIndexOf("heartbeat")).toBeLessThan(ops.indexOf("complete"));
    expect(ops.indexOf("upload")).toBeLessThan(ops.indexOf("complete"));

    // The trainer got the validated spec, the seed and its own work dir (removed after completion).
    expect(trainer.contexts[0]?.spec).toEqual(blobsClassifierSpec);
    expect(trainer.contexts[0]?.seed).toBe(7);
    expect(trainer.contexts[0]?.workDir).toBe(path.join(root, lease.leaseId));
    expect(await readdir(root)).not.toContain(lease.leaseId);
  });

  it("aborts the trainer and drops the lease without completing when a heartbeat answers 409", async () => {
    const api = new FakeApi();
    const chain = new FakeChain();
    const trainer = endlessTrainer();
    const lease = makeLease();
    api.queue.push(lease);
    api.heartbeatError = (_id, n) => (n >= 3 ? httpError(409, "the lease was lost") : undefined);

    const result = await runAgent(options({ once: true }), { client: api, chain, trainer, logger });

    expect(result.leases).toHaveLength(1);
    expect(result.leases[0]).toMatchObject({ leaseId: lease.leaseId, status: "lost" });
    expect(result.leases[0]?.reason).toMatch(/lease lost: .*the lease was lost/);
    expect(exitCodeOf(result)).toBe(1);
    expect(trainer.aborted).toHaveLength(1);
    expect(api.of("complete")).toEqual([]);
    expect(api.of("fail")).toEqual([]);
    expect(api.of("upload")).toEqual([]);
    expect(chain.submissions).toEqual([]);
    // Heartbeats stop once the lease is lost.
    expect(api.of("heartbeat")).toHaveLength(3);
  });

  it("treats 403 and 404 heartbeats as a lost lease too", async () => {
    for (const status of [403, 404]) {
      const api = new FakeApi();
      api.queue.push(makeLease());
      api.heartbeatError = () => httpError(status);
      const result = await runAgent(options({ once: true }), {
        client: api,
        chain: new FakeChain(),
        trainer: endlessTrainer(),
        logger,
      });
      expect(result.leases[0]?.status).toBe("lost");
      expect(api.of("fail")).toEqual([]);
    }
  });

  it("keeps heartbeating through transient heartbeat errors", async () => {
    const api = new FakeApi();
    api.queue.push(makeLease());
    api.heartbeatError = (_id, n) =>
      n === 1 || n === 2 ? new PoolApiError("timeout", { kind: "network" }) : undefined;
    const result = await runAgent(options({ once: true }), {
      client: api,
      chain: new FakeChain(),
      trainer: steadyTrainer(6, 40),
      logger,
    });
    expect(result.leases[0]?.status).toBe("completed");
    expect(api.of("heartbeat").length).toBeGreaterThanOrEqual(3);
  });

  it("reports fail with the trainer's reason and verdict, then keeps polling", async () => {
    const api = new FakeApi();
    const chain = new FakeChain();
    let calls = 0;
    const trainer: Trainer = {
      kind: "fake",
      async train() {
        calls++;
        if (calls === 1)
          throw new LeaseFailure("the trainer program exited with code 3: CUDA out of memory", true);
        throw new LeaseFailure("this spec can never be trained", false);
      },
    };
    const first = makeLease();
    const second = makeLease();
    api.queue.push(first, second);
    const shutdown = new AbortController();
    const running = runAgent(options({ signal: shutdown.signal }), { client: api, chain, trainer, logger });
    await until(() => api.of("fail").length === 2, "two failures");
    shutdown.abort();
    const result = await running;

    expect(result.stoppedBy).toBe("signal");
    expect(exitCodeOf(result)).toBe(0);
    expect(api.of("fail")).toEqual([
      {
        op: "fail",
        leaseId: first.leaseId,
        body: { reason: "the trainer program exited with code 3: CUDA out of memory", retryable: true },
      },
      {
        op: "fail",
        leaseId: second.leaseId,
        body: { reason: "this spec can never be trained", retryable: false },
      },
    ]);
    expect(result.leases.map((l) => l.status)).toEqual(["failed", "failed"]);
    expect(api.of("complete")).toEqual([]);
    // A failed lease keeps its work dir for inspection.
    expect(await readdir(root)).toContain(first.leaseId);
  });

  it("treats an error without a verdict (a plain Error) as retryable", async () => {
    const api = new FakeApi();
    api.queue.push(makeLease());
    const trainer: Trainer = {
      kind: "fake",
      async train() {
        throw new Error("disk full");
      },
    };
    const result = await runAgent(options({ once: true }), {
      client: api,
      chain: new FakeChain(),
      trainer,
      logger,
    });
    expect(api.of("fail")[0]?.body).toEqual({ reason: "disk full", retryable: true });
    expect(exitCodeOf(result)).toBe(1);
  });

  it("fails a lease whose spec does not parse, non-retryably with the zod message, before touching the chain", async () => {
    const api = new FakeApi();
    const chain = new FakeChain();
    const trainer = steadyTrainer();
    api.queue.push(makeLease({ spec: { ...blobsClassifierSpec, version: 2 } }));
    const result = await runAgent(options({ once: true }), { client: api, chain, trainer, logger });
    const fail = api.of("fail")[0]?.body;
    expect(fail?.retryable).toBe(false);
    expect(fail?.reason).toMatch(/^invalid bounty spec: .*version must be 1/s);
    expect(chain.claims).toEqual([]);
    expect(trainer.contexts).toEqual([]);
    expect(result.leases[0]?.status).toBe("failed");
  });

  it("reports a chain failure with its verdict and does not train", async () => {
    const api = new FakeApi();
    const chain = new FakeChain();
    chain.claimError = new LeaseFailure(
      "claim reverted: BountyBoard_WrongStatus(bountyId=1, status=Fulfilled)",
      false,
    );
    const trainer = steadyTrainer();
    api.queue.push(makeLease());
    await runAgent(options({ once: true }), { client: api, chain, trainer, logger });
    expect(api.of("fail")[0]?.body).toEqual({
      reason: "claim reverted: BountyBoard_WrongStatus(bountyId=1, status=Fulfilled)",
      retryable: false,
    });
    expect(trainer.contexts).toEqual([]);
  });

  it("counts a 409 on complete as a lost lease, not a failure", async () => {
    const api = new FakeApi();
    api.queue.push(makeLease());
    api.completeError = httpError(409);
    const result = await runAgent(options({ once: true }), {
      client: api,
      chain: new FakeChain(),
      trainer: steadyTrainer(1),
      logger,
    });
    expect(result.leases[0]?.status).toBe("lost");
    expect(api.of("fail")).toEqual([]);
  });

  it("on shutdown stops polling, aborts the trainer and reports a retryable failure", async () => {
    const api = new FakeApi();
    const trainer = endlessTrainer();
    const lease = makeLease();
    api.queue.push(lease);
    const shutdown = new AbortController();
    const running = runAgent(options({ signal: shutdown.signal }), {
      client: api,
      chain: new FakeChain(),
      trainer,
      logger,
    });
    await until(() => trainer.contexts.length === 1, "training to start");
    shutdown.abort();
    const result = await running;
    expect(result.stoppedBy).toBe("signal");
    expect(trainer.aborted).toHaveLength(1);
    expect(api.of("fail")).toEqual([
      { op: "fail", leaseId: lease.leaseId, body: { reason: "agent shutting down", retryable: true } },
    ]);
    expect(result.leases).toEqual([
      {
        leaseId: lease.leaseId,
        bountyId: lease.bounty.bountyId,
        status: "aborted",
        reason: "agent shutting down",
        retryable: true,
      },
    ]);
    const polls = api.of("lease").length;
    await sleep(50);
    expect(api.of("lease").length).toBe(polls);
  });

  it("stops with a clear result when the token is refused (401)", async () => {
    const api = new FakeApi();
    api.meError = httpError(401, "unknown or revoked token");
    const result = await runAgent(options(), {
      client: api,
      chain: new FakeChain(),
      trainer: steadyTrainer(),
      logger,
    });
    expect(result.stoppedBy).toBe("unauthorized");
    expect(result.error).toMatch(/revoked token/);
    expect(exitCodeOf(result)).toBe(1);
    expect(api.of("lease")).toEqual([]);

    const api2 = new FakeApi();
    api2.leaseErrors.push(httpError(401));
    const result2 = await runAgent(options(), {
      client: api2,
      chain: new FakeChain(),
      trainer: steadyTrainer(),
      logger,
    });
    expect(result2.stoppedBy).toBe("unauthorized");
    expect(api2.of("lease")).toHaveLength(1);
  });

  it("retries network errors and 5xx with backoff, and backs off on 429, without crashing", async () => {
    const api = new FakeApi();
    api.leaseErrors.push(networkError(), httpError(503), httpError(429), networkError());
    api.meError = networkError();
    api.queue.push(makeLease());
    const result = await runAgent(options({ once: true }), {
      client: api,
      chain: new FakeChain(),
      trainer: steadyTrainer(1),
      logger,
    });
    expect(result.leases[0]?.status).toBe("completed");
    expect(api.of("lease")).toHaveLength(5);
  });

  it("takes its next lease from each completion, and polls only when a completion brings none", async () => {
    const api = new FakeApi();
    const leases = [makeLease(), makeLease(), makeLease()];
    api.queue.push(...leases);
    const shutdown = new AbortController();
    const running = runAgent(options({ signal: shutdown.signal }), {
      client: api,
      chain: new FakeChain(),
      trainer: steadyTrainer(),
      logger,
    });
    await until(() => api.of("complete").length === 3, "three completions");
    await until(() => api.of("lease").length === 2, "a poll after the last completion");
    shutdown.abort();
    const result = await running;
    expect(result.leases.map((l) => [l.leaseId, l.status])).toEqual(
      leases.map((l) => [l.leaseId, "completed"]),
    );
    expect(api.of("complete").map((c) => c.body.next)).toEqual([true, true, true]);
    // One poll for the first lease, the next after the third completion came back empty.
    const ops = api.calls.map((c) => c.op).filter((op) => op === "lease" || op === "complete");
    expect(ops).toEqual(["lease", "complete", "complete", "complete", "lease"]);
  });

  it("settles a lease that came with a completion as shutdown began: reported failed, not left to expire", async () => {
    const api = new FakeApi();
    const first = makeLease();
    const carried = makeLease();
    api.queue.push(first, carried);
    const shutdown = new AbortController();
    const complete = api.complete.bind(api);
    api.complete = async (leaseId, body) => {
      shutdown.abort(); // the operator stops the agent while this completion is on its way
      return complete(leaseId, body);
    };
    const result = await runAgent(options({ signal: shutdown.signal }), {
      client: api,
      chain: new FakeChain(),
      trainer: steadyTrainer(),
      logger,
    });
    expect(result.stoppedBy).toBe("signal");
    expect(result.leases.map((l) => [l.leaseId, l.status])).toEqual([
      [first.leaseId, "completed"],
      [carried.leaseId, "aborted"],
    ]);
    expect(api.of("fail")).toEqual([
      { op: "fail", leaseId: carried.leaseId, body: { reason: "agent shutting down", retryable: true } },
    ]);
  });

  it("runs leases in parallel up to the concurrency", async () => {
    const api = new FakeApi();
    const chain = new FakeChain();
    let active = 0;
    let peak = 0;
    const trainer: Trainer = {
      kind: "fake",
      async train(ctx) {
        active++;
        peak = Math.max(peak, active);
        await sleep(60, ctx.signal);
        active--;
        return new TextEncoder().encode(`model for ${ctx.lease.leaseId}`);
      },
    };
    const leases = [makeLease(), makeLease(), makeLease(), makeLease()];
    api.queue.push(...leases);
    const shutdown = new AbortController();
    const running = runAgent(options({ concurrency: 2, signal: shutdown.signal }), {
      client: api,
      chain,
      trainer,
      logger,
    });
    await until(() => api.of("complete").length === 4, "four completions");
    shutdown.abort();
    const result = await running;
    expect(peak).toBe(2);
    expect(result.leases.map((l) => l.status)).toEqual(["completed", "completed", "completed", "completed"]);
    expect(new Set(api.of("complete").map((c) => c.leaseId))).toEqual(new Set(leases.map((l) => l.leaseId)));
  });

  it("aborts training that runs over its time limit (the spec's maxTrainingMinutes by default)", async () => {
    const api = new FakeApi();
    const trainer = endlessTrainer();
    api.queue.push(makeLease());
    const result = await runAgent(options({ once: true, trainingTimeLimitMs: 60 }), {
      client: api,
      chain: new FakeChain(),
      trainer,
      logger,
    });
    expect(result.leases[0]?.status).toBe("failed");
    expect(trainer.aborted).toHaveLength(1);
    expect(api.of("fail")[0]?.body).toEqual({
      reason: `training ran over its time limit of 60 ms (the spec's maxTrainingMinutes is ${blobsClassifierSpec.resources.maxTrainingMinutes})`,
      retryable: true,
    });
  });
});
