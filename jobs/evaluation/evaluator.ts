/**
 * The evaluator worker's job: a revealed checkpoint → an on-chain verdict.
 *
 * 1. Re-read the submission and its bounty on-chain (the event's block may be gone). Nothing is done for a
 *    submission the board takes no verdict on: not revealed, already disqualified (the board itself
 *    disqualifies a later commit revealing an earlier one's checkpoint, DUPLICATE_REPORT), its bounty no
 *    longer Funded, or its evaluation period (from the reveal) over: skipped and logged.
 * 2. Resume: a run with a report goes straight to publishing (never evaluated twice).
 * 3. Check the stored eval set against the bounty's on-chain commitment.
 * 4. Fetch the checkpoint (the platform store, or http(s) with a size limit and a timeout)
 *    and check its sha256 against the on-chain checkpoint hash.
 * 5. Validate, run in the sandbox, score (evaluate-checkpoint.ts).
 * 6. Copy check: outputs matching an earlier submission's (earlier by commit: a lower submission id) to the
 *    same bounty make it a copy, published as `disqualifySubmission(id, report, copyOf)`.
 * 7. Store the report (content-addressed, public) and publish: publishEvaluation for a score,
 *    disqualifySubmission for a copy or an invalid checkpoint (publisher.ts: once, idempotent).
 *
 * Transient trouble (RPC, network, an earlier submission not yet evaluated) throws, and BullMQ
 * retries the job; a checkpoint at fault never throws: it gets an `invalid` verdict.
 */
import { and, asc, eq, lt, sql } from "drizzle-orm";
import type { Address, Hex, LocalAccount, PublicClient, WalletClient } from "viem";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { BOUNTY_STATUS, VERDICT } from "../../core/board.js";
import type { Logger } from "../../core/logger.js";
import type { BountySpec } from "../../core/spec.js";
import type { Database } from "../../db/client.js";
import { type EvaluationRunRow, evaluationRuns, submissions } from "../../db/schema/index.js";
import { ArtifactStore } from "../../server/artifacts.js";
import type { Env } from "../../server/env.js";
import { sha256HexYielding } from "../../server/hash.js";
import { serverWallet } from "../../server/signer.js";
import { findSpec } from "../bounties/index.js";
import { requireBoardAddress } from "../deployments/index.js";
import { EvalSetMismatch, verifiedEvalSet } from "../evalsets/index.js";
import {
  type EvaluationReport,
  evaluateCheckpoint,
  failedReport,
  hashMismatchReport,
  type Outcome,
  reportBytes,
} from "./evaluate-checkpoint.js";
import { type FetchCheckpointOptions, FetchFailure, fetchCheckpointBytes } from "./fetch.js";
import { type CopyFinding, copyReason, type EarlierScore, findCopyOf } from "./precedence.js";
import { Publisher, type PublishResult } from "./publisher.js";
import { Sandbox } from "./sandbox.js";
import { DEFAULT_MODEL_LIMITS, type ModelLimits } from "./validate.js";

export interface EvaluatorOptions {
  db: Database;
  chain: PublicClient;
  wallet: WalletClient;
  account: LocalAccount;
  store: ArtifactStore;
  sandbox: Sandbox;
  log: Logger;
  limits?: ModelLimits;
  batchSize?: number;
  /** Fetching a checkpoint over http(s): timeout and size limit. */
  fetchTimeoutMs?: number;
  /** TESTS ONLY: name resolution and non-public addresses the fetcher may use (fetch.ts). */
  fetch?: Pick<FetchCheckpointOptions, "lookup" | "allowAddress">;
  /** Publisher RPC retry settings (tests shorten them). */
  retries?: number;
  retryDelayMs?: number;
}

export interface EvaluateSubmissionInput {
  chainId: number;
  submissionId: string;
  /** For logs; the chain's own values are used. */
  uri?: string;
}

export type EvaluationResult = {
  outcome: Outcome;
  reason?: string;
  score?: number;
  reportSha256?: string;
  copyOf?: string;
} & Partial<PublishResult>;

export class Evaluator {
  constructor(readonly options: EvaluatorOptions) {}

  private board(chainId: number): Promise<Address> {
    return requireBoardAddress(this.options.db, chainId);
  }

  private publisher(board: Address): Publisher {
    const { db, chain, wallet, account, log, retries, retryDelayMs } = this.options;
    return new Publisher({
      db,
      chain,
      wallet,
      account,
      board,
      log,
      ...(retries !== undefined && { retries }),
      ...(retryDelayMs !== undefined && { retryDelayMs }),
    });
  }

  /**
   * Fetches a checkpoint: from the platform's store when it holds it, else over http(s) from public
   * addresses only (fetch.ts: no internal addresses, redirects checked, size and time capped).
   */
  /**
   * The checkpoint's bytes: the platform's content-addressed store when it holds the on-chain hash
   * (whatever host the URI names: the bytes are what the trainer committed to), else the URI over
   * http(s) from public addresses only (fetch.ts). `npm run verify` looks in the same two places.
   */
  private async fetchCheckpoint(uri: string, checkpointSha: string, maxBytes: number): Promise<Uint8Array> {
    const { store } = this.options;
    // The store first: a pool's upload is not served until its reveal is indexed; the evaluator reads it here.
    if (await store.has("public", checkpointSha)) {
      const chunks: Buffer[] = [];
      for await (const chunk of store.read("public", checkpointSha)) chunks.push(chunk as Buffer);
      return new Uint8Array(Buffer.concat(chunks));
    }
    return fetchCheckpointBytes(uri, {
      maxBytes,
      timeoutMs: this.options.fetchTimeoutMs ?? 60_000,
      ...this.options.fetch,
    });
  }

  private async run(chainId: number, submissionId: string): Promise<EvaluationRunRow | undefined> {
    const [row] = await this.options.db
      .select()
      .from(evaluationRuns)
      .where(and(eq(evaluationRuns.chainId, chainId), eq(evaluationRuns.submissionId, submissionId)));
    return row;
  }

  /**
   * The earliest earlier scored submission of the bounty that `candidate` copies (precedence.ts). Precedence
   * is commit order, i.e. the submission id. Earlier submissions are taken from the index and checked on-chain:
   * a commit not revealed (yet) has nothing to copy from, one disqualified on-chain (e.g. a duplicate of an
   * earlier commit's checkpoint) is no original, and one still awaiting its verdict within its evaluation
   * period keeps precedence: this throws, and BullMQ retries once it is done.
   */
  private async findOriginal(
    board: Address,
    chainId: number,
    bountyId: string,
    submissionId: string,
    candidate: { fingerprint: number[]; score: number },
    metric: BountySpec["metric"],
    now: bigint,
    evaluationPeriod: bigint,
  ): Promise<CopyFinding | undefined> {
    const { db, chain } = this.options;
    const earlier = await db
      .selectDistinct({ submissionId: submissions.submissionId })
      .from(submissions)
      .where(
        and(
          eq(submissions.chainId, chainId),
          eq(submissions.bountyId, bountyId),
          lt(submissions.submissionId, submissionId),
        ),
      )
      .orderBy(asc(submissions.submissionId));
    const runs = await db
      .select()
      .from(evaluationRuns)
      .where(
        and(
          eq(evaluationRuns.chainId, chainId),
          eq(evaluationRuns.bountyId, bountyId),
          lt(evaluationRuns.submissionId, submissionId),
        ),
      );
    const byId = new Map(runs.map((run) => [run.submissionId, run]));
    const ids = earlier.map((row) => row.submissionId).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const scored: EarlierScore[] = [];
    for (const id of ids) {
      const run = byId.get(id);
      if (!run?.outcome) {
        const sub = await chain.readContract({
          address: board,
          abi: bountyBoardAbi,
          functionName: "getSubmission",
          args: [BigInt(id)],
        });
        const awaiting =
          sub.revealedAt !== 0 &&
          VERDICT[sub.verdict] === "Pending" &&
          now < BigInt(sub.revealedAt) + evaluationPeriod;
        if (awaiting) throw new Error(`waiting for the evaluation of earlier submission ${id}`);
        continue;
      }
      if (run.outcome === "scored" && run.fingerprint && run.score !== null) {
        scored.push({ submissionId: id, fingerprint: run.fingerprint, score: run.score });
      }
    }
    return findCopyOf(candidate, scored, metric);
  }

  /**
   * Whether the board still takes a verdict on the submission: revealed, Pending, its bounty Funded and its
   * evaluation period (from the reveal) not over at the latest block. Returns why not, or undefined.
   */
  private closedReason(
    sub: { revealedAt: number; verdict: number },
    bounty: { status: number; evaluationPeriod: number },
    now: bigint,
  ): { reason: string; deadline?: bigint } | undefined {
    if (sub.revealedAt === 0) return { reason: "not revealed on-chain" };
    if (VERDICT[sub.verdict] !== "Pending") return { reason: `already ${VERDICT[sub.verdict]} on-chain` };
    if (BOUNTY_STATUS[bounty.status] !== "Funded") {
      return { reason: `its bounty is ${BOUNTY_STATUS[bounty.status] ?? bounty.status}, no longer Funded` };
    }
    const deadline = BigInt(sub.revealedAt) + BigInt(bounty.evaluationPeriod);
    if (now >= deadline) return { reason: `its evaluation period ended at ${deadline}`, deadline };
    return undefined;
  }

  async evaluate(input: EvaluateSubmissionInput): Promise<EvaluationResult> {
    const { db, chain, store, log } = this.options;
    const { chainId } = input;
    const submissionId = BigInt(input.submissionId);
    const board = await this.board(chainId);
    const sub = await chain.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "getSubmission",
      args: [submissionId],
    });
    if (sub.trainer === "0x0000000000000000000000000000000000000000") {
      return {
        outcome: "invalid",
        reason: `submission ${submissionId} does not exist on-chain (reorged away?)`,
      };
    }
    const bountyId = String(sub.bountyId);
    const id = String(submissionId);
    const [bounty, block] = await Promise.all([
      chain.readContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "getBounty",
        args: [BigInt(sub.bountyId)],
      }),
      chain.getBlock({ blockTag: "latest" }),
    ]);

    let run = await this.run(chainId, id);
    const closed = this.closedReason(sub, bounty, block.timestamp);
    if (closed && !run?.txHash) {
      // Nothing of ours is in flight: the board takes no verdict (a duplicate the board disqualified itself,
      // another evaluator's verdict, an unrevealed commit, or the evaluation period is over).
      const level = closed.deadline !== undefined ? "warn" : "info";
      log[level](
        { submissionId: id, bountyId, reason: closed.reason, event: "evaluation.skipped" },
        `submission not evaluated: ${closed.reason}`,
      );
      return { outcome: "invalid", reason: closed.reason, publish: "skipped" };
    }
    if (!run) {
      await db.insert(evaluationRuns).values({ chainId, submissionId: id, bountyId }).onConflictDoNothing();
      run = (await this.run(chainId, id)) as EvaluationRunRow;
    }
    await db
      .update(evaluationRuns)
      .set({ attempts: sql`${evaluationRuns.attempts} + 1`, updatedAt: sql`now()` })
      .where(and(eq(evaluationRuns.chainId, chainId), eq(evaluationRuns.submissionId, id)));

    if (!run.outcome || !run.reportSha256) {
      const spec = await findSpec(db, bounty.specHash);
      if (!spec) throw new Error(`the spec ${bounty.specHash} of bounty ${bountyId} is not registered`);
      let evalSet: Awaited<ReturnType<typeof verifiedEvalSet>>;
      try {
        evalSet = await verifiedEvalSet(db, store, bounty.evalSetCommitment);
      } catch (error) {
        if (error instanceof EvalSetMismatch) log.error({ bountyId, err: error }, "eval set check failed");
        throw error;
      }
      const { uri, checkpointHash } = await this.revealed(chainId, id, input.uri);
      // The index took the hash from the CheckpointRevealed event; the board confirms it is this submission's.
      const holder = await chain.readContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "submissionOf",
        args: [BigInt(sub.bountyId), checkpointHash],
      });
      if (holder !== submissionId) {
        throw new Error(
          `the board does not hold checkpoint ${checkpointHash} for submission ${id} (it holds ${holder})`,
        );
      }
      const checkpointSha = checkpointHash.slice(2).toLowerCase();
      const limits = this.options.limits ?? DEFAULT_MODEL_LIMITS;
      const started = performance.now();
      let report: EvaluationReport | undefined;
      let bytes: Uint8Array | undefined;
      try {
        bytes = await this.fetchCheckpoint(uri, checkpointSha, limits.maxModelBytes);
      } catch (error) {
        if (!(error instanceof FetchFailure) || !error.permanent) throw error;
        report = failedReport(spec, "fetch", error.message, {
          sha256: checkpointSha,
          bytes: 0,
        });
      }
      const fetchMs = performance.now() - started;
      if (bytes && !report) {
        const actual = await sha256HexYielding(bytes);
        if (actual !== checkpointSha) {
          // The public report says nothing of what was fetched (its hash or size would tell the trainer
          // about whatever the URI reached); the operator's log keeps both.
          log.info(
            { submissionId: id, bountyId, expected: checkpointSha, actual, bytes: bytes.length },
            "checkpoint hash mismatch",
          );
          report = hashMismatchReport(spec, checkpointSha);
        } else {
          // Archive it under its hash (a copy from elsewhere is kept with the platform's own).
          await store.put("public", bytes, actual, limits.maxModelBytes);
          report = await evaluateCheckpoint({
            modelBytes: bytes,
            modelSha256: actual,
            evalSetPath: evalSet.path,
            evalSetSha256: evalSet.row.sha256,
            spec,
            sandbox: this.options.sandbox,
            limits,
            ...(this.options.batchSize !== undefined && { batchSize: this.options.batchSize }),
            evalSetCommitment: bounty.evalSetCommitment,
            timings: { fetchMs },
          });
        }
      }
      if (!report) throw new Error("unreachable: no report");
      report.submission = { chainId, board, bountyId, submissionId: id, uri };
      if (report.outcome === "scored" && report.fingerprint && report.score !== undefined) {
        const score = report.score;
        const original = await this.findOriginal(
          board,
          chainId,
          bountyId,
          id,
          { fingerprint: report.fingerprint.values, score },
          spec.metric,
          block.timestamp,
          BigInt(bounty.evaluationPeriod),
        );
        if (original) {
          report.outcome = "copy";
          report.copyOf = original.submissionId;
          report.qualifies = false;
          report.reason = copyReason(original, score, spec.metric);
        }
      }
      const { bytes: json, sha256 } = reportBytes(report);
      await store.put("public", json, sha256, 64 * 1024 ** 2);
      await db
        .update(evaluationRuns)
        .set({
          outcome: report.outcome,
          reason: report.reason ?? null,
          metric: report.metric ?? null,
          score: report.score ?? null,
          onchainScore: report.onchainScore ?? null,
          reportSha256: sha256,
          copyOf: report.copyOf ?? null,
          report: report as unknown as Record<string, unknown>,
          fingerprint: report.fingerprint?.values ?? null,
          updatedAt: sql`now()`,
        })
        .where(and(eq(evaluationRuns.chainId, chainId), eq(evaluationRuns.submissionId, id)));
      run = (await this.run(chainId, id)) as EvaluationRunRow;
      log.info(
        {
          submissionId: id,
          bountyId,
          outcome: report.outcome,
          score: report.score,
          reason: report.reason,
          report: sha256,
        },
        "submission evaluated",
      );
    }

    const reportHash = `0x${run.reportSha256}` as Hex;
    if (!run.txHash) {
      // Evaluating took time: the period may have closed meanwhile (a publish would only revert).
      const latest = await chain.getBlock({ blockTag: "latest" });
      const late = this.closedReason(sub, bounty, latest.timestamp);
      if (late?.deadline !== undefined) {
        log.warn(
          { submissionId: id, bountyId, reason: late.reason, event: "evaluation.late" },
          `verdict not published: ${late.reason}`,
        );
        return {
          outcome: run.outcome as Outcome,
          reason: late.reason,
          reportSha256: run.reportSha256 as string,
          publish: "skipped",
        };
      }
    }
    const published = await this.publisher(board).publish(
      run,
      run.outcome === "scored"
        ? { kind: "score", submissionId, score: BigInt(run.onchainScore ?? "0"), reportHash }
        : {
            kind: "disqualify",
            submissionId,
            reportHash,
            // A copy names the earlier submission it copies; any other disqualification passes 0.
            copyOf: run.outcome === "copy" && run.copyOf ? BigInt(run.copyOf) : 0n,
          },
    );
    return {
      outcome: run.outcome as Outcome,
      ...(run.reason && { reason: run.reason }),
      ...(run.score !== null && { score: run.score }),
      ...(run.copyOf && { copyOf: run.copyOf }),
      reportSha256: run.reportSha256 as string,
      ...published,
    };
  }

  /** The checkpoint URI: from the index (the event), else the job's payload. */
  /** A revealed submission's URI and checkpoint hash, as the indexer took them from its CheckpointRevealed event. */
  private async revealed(
    chainId: number,
    submissionId: string,
    fallbackUri?: string,
  ): Promise<{ uri: string; checkpointHash: Hex }> {
    const [row] = await this.options.db
      .select({ uri: submissions.uri, checkpointHash: submissions.checkpointHash })
      .from(submissions)
      .where(and(eq(submissions.chainId, chainId), eq(submissions.submissionId, submissionId)));
    const uri = row?.uri ?? fallbackUri;
    if (uri === undefined || !row?.checkpointHash) {
      throw new Error(`submission ${submissionId} is not indexed as revealed yet`);
    }
    return { uri, checkpointHash: row.checkpointHash as Hex };
  }
}

/**
 * The evaluator of this deployment: its key from EVALUATOR_PRIVATE_KEY (anvil account 2 by default on
 * chain 31337), a nonce manager for concurrent publishes, and the sandbox limits from the environment.
 */
export function evaluatorFromEnv(
  config: Pick<
    Env,
    | "RPC_URL"
    | "CHAIN_ID"
    | "ARTIFACTS_DIR"
    | "EVALUATOR_PRIVATE_KEY"
    | "EVAL_MEMORY_MB"
    | "EVAL_ISOLATION"
    | "EVAL_TIMEOUT_MS"
    | "EVAL_FETCH_TIMEOUT_MS"
    | "EVAL_MAX_MODEL_BYTES"
    | "EVAL_BATCH_SIZE"
  >,
  deps: { db: Database; chain: PublicClient; log: Logger },
): Evaluator | undefined {
  const wallet = serverWallet(config, config.EVALUATOR_PRIVATE_KEY);
  if (!wallet) {
    deps.log.warn("EVALUATOR_PRIVATE_KEY is not set: submissions are not evaluated");
    return undefined;
  }
  const sandbox = new Sandbox({
    memoryBytes: config.EVAL_MEMORY_MB * 1024 ** 2,
    timeoutMs: config.EVAL_TIMEOUT_MS,
    isolation: config.EVAL_ISOLATION,
  });
  return new Evaluator({
    ...deps,
    wallet,
    account: wallet.account,
    store: new ArtifactStore(config.ARTIFACTS_DIR),
    sandbox,
    limits: { maxModelBytes: config.EVAL_MAX_MODEL_BYTES, maxInitializerBytes: config.EVAL_MAX_MODEL_BYTES },
    batchSize: config.EVAL_BATCH_SIZE,
    fetchTimeoutMs: config.EVAL_FETCH_TIMEOUT_MS,
  });
}
