/**
 * The pool agent's loop, independent of the CLI: long-poll for leases and run
 * each one (claim on-chain, train while heartbeating, upload, commit and
 * reveal on-chain, complete), with `concurrency` leases at once. At start it
 * reveals the commits an earlier run left unrevealed (chain.ts). The platform client, the
 * chain and the trainer are injected, so tests and integrations drive it
 * directly.
 *
 * Failures never crash the loop:
 * - lease poll: 204 polls again, 429 backs off, network errors and 5xx retry
 *   with capped exponential backoff, 401 stops the agent (bad or revoked token);
 * - a lease whose heartbeat answers 403/404/409 is lost: the trainer is
 *   aborted and the lease dropped without a `fail` (it is no longer ours);
 * - any other error reports `fail {reason, retryable}` and polling goes on;
 * - the shutdown signal stops polling, aborts the trainers and reports
 *   `fail {reason: "agent shutting down", retryable: true}`.
 */
import { createHash } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { z } from "zod";
import type { HeartbeatBody, LeaseView } from "../core/pool-api.js";
import { withRetries } from "../core/retry.js";
import { type BountySpec, bountySpecSchema } from "../core/spec.js";
import { bountyRefOf, type ChainOps } from "./chain.js";
import { isLeaseGone, isUnauthorized, PoolApiError, type PoolClient } from "./client.js";
import type { Progress, Trainer } from "./trainers/types.js";
import {
  abortable,
  type BackoffOptions,
  backoffDelay,
  errorMessage,
  failureOf,
  LeaseFailure,
  sleep,
  truncateReason,
} from "./util.js";

export interface AgentOptions {
  /** Where per-lease work dirs are made (`<workDir>/<leaseId>`). */
  workDir: string;
  /** Leases run at once (default 1). */
  concurrency?: number;
  /** Stop after one lease has finished (forces concurrency 1). */
  once?: boolean;
  /** Passed to the trainer. */
  seed?: number;
  /** Aborting it shuts the agent down: no more polling, running leases fail as retryable. */
  signal?: AbortSignal;
  /** The long poll's `waitSeconds` (default 20). */
  leaseWaitSeconds?: number;
  /** Each poll cycle lasts at least this long, so a server answering 204 at once is not hammered (default 1000). */
  minPollIntervalMs?: number;
  /** Backoff of failed polls and of retried uploads/completions (default 500 ms doubling up to 30 s). */
  backoff?: BackoffOptions;
  /** Wait after a 429 (pool at capacity), jittered (default 5000). */
  busyBackoffMs?: number;
  /** Attempts of an upload, complete or fail call on transient errors (default 5). */
  callAttempts?: number;
  /**
   * After shutdown, how long running leases get to stop their trainers and report `fail` before `runAgent`
   * returns anyway (default 6000; a command trainer's kill grace is 2 s, a shutdown `fail` report 2.5 s).
   */
  shutdownTimeoutMs?: number;
  /** Keep a completed lease's work dir (failed ones are always kept, for inspection). */
  keepWorkDirs?: boolean;
  /**
   * How long training may run before it is aborted and the lease fails (retryable): default the spec's
   * `resources.maxTrainingMinutes`; a number of ms overrides it; false disables the limit.
   */
  trainingTimeLimitMs?: number | false;
}

export interface AgentDeps {
  client: PoolClient;
  chain: ChainOps;
  trainer: Trainer;
  logger: Logger;
}

export type LeaseStatus = "completed" | "failed" | "lost" | "aborted";

export interface LeaseOutcome {
  leaseId: string;
  bountyId: string;
  status: LeaseStatus;
  /** failed/lost/aborted: why. */
  reason?: string;
  /** failed: what was reported. */
  retryable?: boolean;
  checkpointSha256?: string;
  checkpointUri?: string;
  submissionTx?: string;
}

export interface AgentResult {
  /** signal: shut down; once: the single lease finished; unauthorized: the token was refused (401). */
  stoppedBy: "signal" | "once" | "unauthorized";
  leases: LeaseOutcome[];
  /** unauthorized: the server's message. */
  error?: string;
}

/** The CLI's exit code for a result: 0 on shutdown or a completed `--once` lease, else 1. */
export function exitCodeOf(result: AgentResult): number {
  if (result.stoppedBy === "unauthorized") return 1;
  if (result.stoppedBy === "once") return result.leases[0]?.status === "completed" ? 0 : 1;
  return 0;
}

/** Why a lease's own abort signal fired. */
class LeaseAbort extends Error {
  constructor(
    readonly kind: "lost" | "shutdown" | "unauthorized" | "time-limit",
    message: string,
  ) {
    super(message);
    this.name = "LeaseAbort";
  }
}

/** A heartbeat body from trainer progress: percent clamped to 0..100, step a whole number, loss finite. */
export function heartbeatOf(progress: Progress): HeartbeatBody {
  const percent = Number.isFinite(progress.percent) ? Math.min(100, Math.max(0, progress.percent)) : 0;
  const body: HeartbeatBody = { percent };
  if (progress.step !== undefined && Number.isFinite(progress.step) && progress.step >= 0) {
    body.step = Math.floor(progress.step);
  }
  if (progress.loss !== undefined && Number.isFinite(progress.loss)) body.loss = progress.loss;
  return body;
}

/** A lease id as a directory name. */
function dirName(leaseId: string): string {
  const safe = leaseId.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^\.+/, "_");
  return safe.slice(0, 120) || "lease";
}

export async function runAgent(options: AgentOptions, deps: AgentDeps): Promise<AgentResult> {
  const { client, chain, trainer, logger } = deps;
  const once = options.once ?? false;
  const concurrency = once ? 1 : Math.max(1, Math.floor(options.concurrency ?? 1));
  if (once && (options.concurrency ?? 1) > 1) {
    logger.warn({ event: "agent.config" }, "--once runs a single lease: concurrency is 1");
  }
  const waitSeconds = options.leaseWaitSeconds ?? 20;
  const minPollIntervalMs = options.minPollIntervalMs ?? 1_000;
  const backoff = options.backoff ?? { initialMs: 500, maxMs: 30_000 };
  const busyBackoffMs = options.busyBackoffMs ?? 5_000;
  const callAttempts = options.callAttempts ?? 5;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 6_000;

  const outcomes: LeaseOutcome[] = [];
  let stoppedBy: AgentResult["stoppedBy"] | undefined;
  let fatalError: string | undefined;
  /** Aborted to stop polling (shutdown, 401, or --once done). */
  const polling = new AbortController();
  /** The abort controllers of the running leases. */
  const running = new Set<AbortController>();

  const stop = (by: AgentResult["stoppedBy"], leaseReason?: LeaseAbort) => {
    stoppedBy ??= by;
    polling.abort();
    if (leaseReason) for (const lease of running) lease.abort(leaseReason);
  };
  const shutdown = () => {
    logger.info({ event: "agent.shutdown" }, "shutting down: no more leases, aborting running trainers");
    stop("signal", new LeaseAbort("shutdown", "agent shutting down"));
  };
  const unauthorized = (error: unknown) => {
    if (stoppedBy === "unauthorized") return;
    fatalError = errorMessage(error);
    logger.error(
      { event: "agent.unauthorized", err: fatalError },
      "the platform refused the pool token (401): it is wrong or was revoked; stopping",
    );
    stop("unauthorized", new LeaseAbort("unauthorized", "the pool token was refused"));
  };
  if (options.signal?.aborted) shutdown();
  options.signal?.addEventListener("abort", shutdown, { once: true });

  logger.info(
    { event: "agent.start", trainer: trainer.kind, trainerAddress: chain.trainer, concurrency, once },
    "pool agent started",
  );

  // Check the token once up front, for a clear message; any other problem is left to the poll loop.
  if (!polling.signal.aborted) {
    try {
      const pool = await client.me({ signal: polling.signal });
      const operator = (pool as { operator?: unknown } | null)?.operator;
      logger.info({ event: "agent.pool", pool }, "pool token accepted");
      if (typeof operator === "string" && operator.toLowerCase() !== chain.trainer.toLowerCase()) {
        logger.warn(
          { event: "agent.operator-mismatch", operator, trainerAddress: chain.trainer },
          "the trainer key is not the pool's registered operator",
        );
      }
    } catch (error) {
      if (isUnauthorized(error)) unauthorized(error);
      else if (!polling.signal.aborted) {
        logger.warn({ event: "agent.pool", err: errorMessage(error) }, "could not check the pool token yet");
      }
    }
  }

  // Commits an earlier run saved but did not reveal (it crashed in between): reveal them before new work.
  if (!polling.signal.aborted) {
    try {
      const recovered = await chain.recoverCommits(logger);
      if (recovered.length > 0) {
        logger.info(
          {
            event: "agent.recovered",
            revealed: recovered.filter((r) => r.result).length,
            failed: recovered.filter((r) => r.error).length,
          },
          "commits of an earlier run handled",
        );
      }
    } catch (error) {
      logger.warn(
        { event: "agent.recover-failed", err: errorMessage(error) },
        "could not check for unrevealed commits",
      );
    }
  }

  /** Retries an idempotent call on transient errors. */
  const withApiRetries = <T>(
    what: string,
    log: Logger,
    signal: AbortSignal,
    call: () => Promise<T>,
  ): Promise<T> =>
    withRetries(call, {
      retries: callAttempts - 1,
      minDelayMs: backoff.initialMs,
      maxDelayMs: backoff.maxMs,
      jitter: true,
      signal,
      isTransient: (error) => error instanceof PoolApiError && error.transient,
      onRetry: ({ error, attempt }) =>
        log.warn(
          { event: "api.retry", call: what, attempt, err: errorMessage(error) },
          `${what} failed, retrying`,
        ),
    });

  const heartbeats = (
    lease: LeaseView,
    progress: () => Progress,
    onGone: (error: unknown) => void,
    log: Logger,
  ) => {
    const stopped = new AbortController();
    const interval = Math.max(50, lease.heartbeatIntervalMs);
    const loop = (async () => {
      while (!stopped.signal.aborted) {
        try {
          await client.heartbeat(lease.leaseId, heartbeatOf(progress()), { signal: stopped.signal });
        } catch (error) {
          if (stopped.signal.aborted) break;
          if (isUnauthorized(error)) {
            unauthorized(error);
            break;
          }
          if (isLeaseGone(error)) {
            onGone(error);
            break;
          }
          log.warn({ event: "lease.heartbeat-failed", err: errorMessage(error) }, "heartbeat failed");
        }
        await sleep(interval, stopped.signal);
      }
    })();
    return async () => {
      stopped.abort();
      await loop;
    };
  };

  /** Runs a lease to its end; a completion that asked for more brings the pool's next lease along. */
  const runLease = async (lease: LeaseView): Promise<{ outcome: LeaseOutcome; next: LeaseView | null }> => {
    const { leaseId } = lease;
    const bountyId = lease.bounty.bountyId;
    const log = logger.child({ leaseId, bountyId, jobId: lease.jobId });
    log.info(
      { event: "lease.received", attempt: lease.attempt, expiresAt: lease.expiresAt },
      "lease received",
    );

    const control = new AbortController();
    running.add(control);
    if (stoppedBy === "signal") control.abort(new LeaseAbort("shutdown", "agent shutting down"));
    const signal = control.signal;
    let progress: Progress = { percent: 0 };
    let lastLoggedDecile = 0;
    const stopHeartbeats = heartbeats(
      lease,
      () => progress,
      (error) => {
        log.warn({ event: "lease.lost", err: errorMessage(error) }, "lease lost: aborting the trainer");
        control.abort(new LeaseAbort("lost", `lease lost: ${errorMessage(error)}`));
      },
      log,
    );
    const workDir = path.join(options.workDir, dirName(leaseId));
    let timeLimit: NodeJS.Timeout | undefined;
    let outcome: LeaseOutcome;
    let next: LeaseView | null = null;

    try {
      // 1. The spec.
      const parsed = bountySpecSchema.safeParse(lease.spec);
      if (!parsed.success) {
        throw new LeaseFailure(`invalid bounty spec: ${z.prettifyError(parsed.error)}`, false);
      }
      const spec: BountySpec = parsed.data;
      const ref = bountyRefOf(lease);

      // 2. The claim.
      const claim = await abortable(chain.ensureClaim(ref, log), signal);
      log.info(
        {
          event: "lease.claimed",
          alreadyClaimed: claim.alreadyClaimed,
          bond: claim.bond.toString(),
          txHash: claim.claimTx,
          approveTxs: claim.approveTxs,
        },
        claim.alreadyClaimed ? "bounty was already claimed" : "bounty claimed",
      );

      // 3. Training.
      signal.throwIfAborted();
      await rm(workDir, { recursive: true, force: true });
      await mkdir(workDir, { recursive: true });
      const limitMs =
        options.trainingTimeLimitMs === undefined
          ? spec.resources.maxTrainingMinutes * 60_000
          : options.trainingTimeLimitMs;
      if (limitMs !== false) {
        const minutes = spec.resources.maxTrainingMinutes;
        const message = `training ran over its time limit of ${limitMs} ms (the spec's maxTrainingMinutes is ${minutes})`;
        timeLimit = setTimeout(() => control.abort(new LeaseAbort("time-limit", message)), limitMs);
        timeLimit.unref();
      }
      log.info({ event: "lease.training", trainer: trainer.kind, workDir }, "training started");
      // Not raced against the signal: a trainer settles once its process is really gone (a command trainer
      // after SIGTERM/SIGKILL), so no training outlives its lease or the agent.
      const bytes = await trainer.train({
        lease,
        spec,
        workDir,
        signal,
        seed: options.seed,
        logger: log,
        onProgress: (p) => {
          progress = p;
          const decile = Math.floor(heartbeatOf(p).percent / 10);
          if (decile > lastLoggedDecile) {
            lastLoggedDecile = decile;
            log.info({ event: "lease.progress", ...heartbeatOf(p) }, "training progress");
          } else {
            log.debug({ event: "lease.progress", ...heartbeatOf(p) }, "training progress");
          }
        },
      });
      clearTimeout(timeLimit);
      signal.throwIfAborted();
      if (bytes.length === 0) throw new LeaseFailure("the trainer produced an empty checkpoint", true);
      progress = { ...progress, percent: 100 };

      // 4. Upload.
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      log.info({ event: "lease.trained", sha256, size: bytes.length }, "checkpoint trained");
      const artifact = await withApiRetries("upload", log, signal, () =>
        client.uploadArtifact(leaseId, bytes, sha256, { signal }),
      );
      log.info(
        { event: "lease.uploaded", sha256, size: artifact.size, uri: artifact.uri },
        "checkpoint uploaded",
      );

      // 5. On-chain submission: commit (the salt saved on disk first), its receipt, then the reveal in a later
      // block. The artifact stays private to this pool until the reveal is on-chain.
      signal.throwIfAborted();
      const submitted = await abortable(
        chain.submitCheckpoint(ref, `0x${sha256}`, artifact.uri, log),
        signal,
      );
      log.info(
        {
          event: "lease.submitted",
          submissionId: submitted.submissionId.toString(),
          commitTx: submitted.commitTx,
          revealTx: submitted.revealTx,
          alreadySubmitted: submitted.alreadySubmitted,
        },
        submitted.alreadySubmitted
          ? "checkpoint was already revealed"
          : "checkpoint committed and revealed on-chain",
      );

      // 6. Complete.
      signal.throwIfAborted();
      await stopHeartbeats();
      const body = {
        checkpointSha256: sha256,
        checkpointUri: artifact.uri,
        submissionTx: submitted.revealTx ?? submitted.commitTx,
      };
      // Still taking work: the completion also leases the next job, saving a poll.
      const more = !once && !polling.signal.aborted;
      next = await withApiRetries("complete", log, signal, () =>
        client.complete(leaseId, { ...body, next: more }, { signal }),
      );
      log.info({ event: "lease.completed", ...body, next: next?.leaseId }, "lease completed");
      outcome = { leaseId, bountyId, status: "completed", ...body };
      if (!options.keepWorkDirs) await rm(workDir, { recursive: true, force: true }).catch(() => {});
    } catch (error) {
      clearTimeout(timeLimit);
      await stopHeartbeats();
      outcome = await settleFailure(lease, error, signal, log);
    } finally {
      running.delete(control);
    }
    return { outcome, next };
  };

  /** Reports a failed lease (unless it is lost, or the token is refused) and says what happened. */
  const settleFailure = async (
    lease: LeaseView,
    error: unknown,
    signal: AbortSignal,
    log: Logger,
  ): Promise<LeaseOutcome> => {
    const base = { leaseId: lease.leaseId, bountyId: lease.bounty.bountyId };
    const abort = signal.aborted && signal.reason instanceof LeaseAbort ? signal.reason : undefined;
    if (abort?.kind === "lost" || (!abort && isLeaseGone(error))) {
      const reason = abort?.message ?? `lease lost: ${errorMessage(error)}`;
      log.warn({ event: "lease.dropped", reason }, "lease dropped without completing");
      return { ...base, status: "lost", reason };
    }
    if (abort?.kind === "unauthorized" || isUnauthorized(error)) {
      if (!abort) unauthorized(error);
      return { ...base, status: "aborted", reason: "the pool token was refused" };
    }
    let failure: { reason: string; retryable: boolean };
    if (abort?.kind === "shutdown") failure = { reason: "agent shutting down", retryable: true };
    else if (abort) failure = { reason: truncateReason(abort.message), retryable: true };
    else failure = failureOf(error);
    const status: LeaseStatus = abort?.kind === "shutdown" ? "aborted" : "failed";
    log[status === "failed" ? "error" : "info"](
      { event: "lease.failing", reason: failure.reason, retryable: failure.retryable },
      "reporting the lease as failed",
    );
    // Not the lease's signal (it may be aborted): the report gets its own, short, deadline.
    const deadline = AbortSignal.timeout(abort?.kind === "shutdown" ? 2_500 : 60_000);
    try {
      const { retried } = await withApiRetries("fail", log, deadline, () =>
        client.fail(lease.leaseId, failure, { signal: deadline }),
      );
      log.info({ event: "lease.failed", retried, ...failure }, "lease reported failed");
    } catch (reportError) {
      if (isUnauthorized(reportError)) unauthorized(reportError);
      log.warn(
        { event: "lease.fail-report-failed", err: errorMessage(reportError) },
        "could not report the failure; the platform will reclaim the lease when its heartbeat deadline passes",
      );
    }
    return { ...base, status, ...failure };
  };

  const slot = async (index: number) => {
    let failures = 0;
    /** The lease that came with the last completion: it runs before any poll, even at shutdown (to settle). */
    let carried: LeaseView | null = null;
    while (!polling.signal.aborted || (carried && stoppedBy !== "unauthorized")) {
      let lease: LeaseView | null = carried;
      carried = null;
      if (!lease) {
        const startedAt = Date.now();
        try {
          lease = await client.lease(waitSeconds, { signal: polling.signal });
          failures = 0;
        } catch (error) {
          if (polling.signal.aborted) break;
          if (isUnauthorized(error)) {
            unauthorized(error);
            break;
          }
          if (error instanceof PoolApiError && error.status === 429) {
            const delay = Math.round(busyBackoffMs * (0.75 + Math.random() / 2));
            logger.info(
              { event: "poll.busy", slot: index, delayMs: delay },
              "pool at capacity (429), backing off",
            );
            await sleep(delay, polling.signal);
            continue;
          }
          failures++;
          const delay = backoffDelay(failures, backoff);
          logger.warn(
            { event: "poll.error", slot: index, attempt: failures, delayMs: delay, err: errorMessage(error) },
            "lease poll failed, retrying",
          );
          await sleep(delay, polling.signal);
          continue;
        }
        if (!lease) {
          await sleep(minPollIntervalMs - (Date.now() - startedAt), polling.signal);
          continue;
        }
      }
      let outcome: LeaseOutcome;
      try {
        ({ outcome, next: carried } = await runLease(lease));
      } catch (error) {
        // runLease settles every error itself; this is a last guard so a slot never dies.
        logger.error(
          { event: "lease.crash", leaseId: lease.leaseId, err: errorMessage(error) },
          "lease handler crashed",
        );
        outcome = {
          leaseId: lease.leaseId,
          bountyId: lease.bounty.bountyId,
          status: "failed",
          reason: errorMessage(error),
        };
      }
      outcomes.push(outcome);
      if (once) stop("once");
    }
  };

  const slots = Promise.all(Array.from({ length: concurrency }, (_, i) => slot(i)));
  // After a shutdown, leases get `shutdownTimeoutMs` to report; then return regardless.
  const stopped = new Promise<void>((resolve) => {
    const wait = () => {
      const timer = setTimeout(resolve, shutdownTimeoutMs);
      timer.unref();
    };
    if (polling.signal.aborted) wait();
    else polling.signal.addEventListener("abort", wait, { once: true });
  });
  await Promise.race([slots, stopped]);
  options.signal?.removeEventListener("abort", shutdown);
  if (running.size > 0) {
    logger.warn({ event: "agent.stop", running: running.size }, "stopping with leases still settling");
  }
  const result: AgentResult = { stoppedBy: stoppedBy ?? "signal", leases: outcomes, error: fatalError };
  logger.info(
    {
      event: "agent.stopped",
      stoppedBy: result.stoppedBy,
      leases: outcomes.map((o) => `${o.leaseId}:${o.status}`),
    },
    "pool agent stopped",
  );
  return result;
}
