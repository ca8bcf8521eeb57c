/**
 * One evaluation, without the chain: checkpoint bytes and an eval set in, a
 * report out. The worker (evaluator.server.ts), the `npm run evaluate` and
 * `npm run verify` CLIs and `npm run bench:eval` all go through here, so a
 * published score is reproduced by exactly the code that produced it.
 *
 * Everything that reads the checkpoint happens in the sealed child
 * (sandbox.ts, child.ts): validation, the run over the eval set in batches,
 * the task's integrity checks, the metric and the fingerprint. This process
 * only hands the bytes over and builds the report, so no checkpoint can block
 * or exhaust it. A checkpoint at fault yields an `invalid` outcome with its
 * failure code and a clear reason; an eval-set problem throws (it is not the
 * trainer's fault).
 *
 * The report's hash (the on-chain `reportHash`) covers everything but
 * `timings`, `evaluatedAt` and `runtime` (UNHASHED_FIELDS): the same checkpoint
 * and eval set give the same hashed report on any machine, so anyone can
 * recompute it (`npm run verify`).
 */

import { type BountySpec, canonicalJson, specHash, toOnchainScore } from "../../core/spec.js";
import { primaryMetric } from "../../ml/metrics.js";
import * as ort from "../../ml/ort.js";
import { sha256Hex, sha256HexYielding } from "../../server/hash.js";
import type { RunDone } from "./child.js";
import { COPY_DISTANCE, FINGERPRINT_FORMAT, FINGERPRINT_SIZE, PROBE_ROWS } from "./fingerprint.js";
import { EvaluationFailure, type Sandbox } from "./sandbox.js";
import { DEFAULT_MODEL_LIMITS, type ModelLimits, type ModelSummary } from "./validate.js";

export const DEFAULT_BATCH_SIZE = 256;

export type Outcome = "scored" | "copy" | "invalid";

/** The evaluation report (JSON), content-addressed by the sha256 of its canonical JSON. */
export interface EvaluationReport {
  format: "crowdtrain-evaluation-report";
  version: 2;
  outcome: Outcome;
  /** Why the checkpoint was not scored (invalid) or which submission it copies (copy). */
  reason?: string;
  failure?: string;
  copyOf?: string;
  submission?: { chainId: number; board: string; bountyId: string; submissionId: string; uri: string };
  checkpoint: { sha256: string; bytes: number };
  model?: ModelSummary;
  spec: { hash: string; task: string; metric: string; target: number; direction: string };
  evalSet: { commitment?: string; samples?: number; tokens?: number };
  metric?: string;
  score?: number;
  /** The score as published: int128 with 9 decimals, decimal string. */
  onchainScore?: string;
  qualifies?: boolean;
  values?: Record<string, number>;
  /** The task's integrity checks the model passed (integrity.ts), by code. */
  checks?: string[];
  fingerprint?: {
    /** Its layout version (fingerprint.ts). */
    format: number;
    probeRows: number;
    size: number;
    /** The task's copy threshold: the largest distance at which another model counts as a copy of this one. */
    copyDistance: number;
    sha256: string;
    values: number[];
  };
  /** Not hashed: where and how this run happened. */
  runtime: { onnxruntime: string; node: string; batchSize: number };
  /** Not hashed: milliseconds per stage. */
  timings: Record<string, number>;
  /** Not hashed: when. */
  evaluatedAt: string;
}

/** The report's fields its hash leaves out: they differ from run to run. */
export const UNHASHED_FIELDS = ["runtime", "timings", "evaluatedAt"] as const;

export interface EvaluateCheckpointInput {
  modelBytes: Uint8Array;
  /** The checkpoint's sha256 (hex) when the caller has computed it already; else the child's is used. */
  modelSha256?: string;
  evalSetPath: string;
  /** The eval set's sha256 (hex) that its commitment covers; the child checks the bytes it receives. */
  evalSetSha256: string;
  spec: BountySpec;
  sandbox: Sandbox;
  limits?: ModelLimits;
  batchSize?: number;
  evalSetCommitment?: string;
  /** Milliseconds already spent (fetching, hashing), added to the report's timings. */
  timings?: Record<string, number>;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** What a report says of its spec: the on-chain hash, the task and how it is scored. */
export function specSummary(spec: BountySpec): EvaluationReport["spec"] {
  const { name: metric, target, direction } = spec.metric;
  return { hash: specHash(spec), task: spec.task.type, metric, target, direction };
}

function qualifies(spec: BountySpec, score: number): boolean {
  return spec.metric.direction === "higher" ? score >= spec.metric.target : score <= spec.metric.target;
}

/** Validates, runs and scores a checkpoint in the sandbox; the report's outcome is `scored` or `invalid`. */
export async function evaluateCheckpoint(input: EvaluateCheckpointInput): Promise<EvaluationReport> {
  const started = performance.now();
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const base: EvaluationReport = {
    format: "crowdtrain-evaluation-report",
    version: 2,
    outcome: "invalid",
    checkpoint: { sha256: input.modelSha256 ?? "", bytes: input.modelBytes.length },
    spec: specSummary(input.spec),
    evalSet: { ...(input.evalSetCommitment && { commitment: input.evalSetCommitment }) },
    runtime: { onnxruntime: ort.env.versions.node ?? "unknown", node: process.version, batchSize },
    timings: { ...input.timings },
    evaluatedAt: new Date().toISOString(),
  };
  const finish = (report: EvaluationReport) => {
    report.timings.totalMs = round(performance.now() - started + (input.timings?.totalMs ?? 0));
    for (const [key, value] of Object.entries(report.timings)) report.timings[key] = round(value);
    return report;
  };

  const t = performance.now();
  let run: RunDone;
  try {
    run = await input.sandbox.run({
      spec: input.spec,
      batchSize,
      limits: input.limits ?? DEFAULT_MODEL_LIMITS,
      model: input.modelBytes,
      evalSetPath: input.evalSetPath,
      evalSetSha256: input.evalSetSha256,
    });
  } catch (error) {
    if (error instanceof EvaluationFailure && error.code !== "eval_set") {
      base.timings.sandboxMs = performance.now() - t;
      if (!base.checkpoint.sha256) base.checkpoint.sha256 = await sha256HexYielding(input.modelBytes);
      return finish({ ...base, failure: error.code, reason: error.message });
    }
    throw error;
  }
  base.timings.sandboxMs = performance.now() - t;
  base.checkpoint.sha256 = run.modelSha256;
  base.model = run.model;
  Object.assign(base.timings, run.timings);
  return finish(scoredReport(base, input.spec, run));
}

function scoredReport(base: EvaluationReport, spec: BountySpec, run: RunDone): EvaluationReport {
  const { result, fingerprint, checks } = run;
  const score = primaryMetric(spec.metric.name, result);
  let onchainScore: bigint;
  try {
    onchainScore = toOnchainScore(score);
  } catch (error) {
    return {
      ...base,
      failure: "output",
      reason: `the score ${score} cannot be published: ${(error as Error).message}`,
    };
  }
  return {
    ...base,
    outcome: "scored",
    evalSet: {
      ...base.evalSet,
      samples: result.samples,
      ...(result.tokens !== undefined && { tokens: result.tokens }),
    },
    metric: spec.metric.name,
    score,
    onchainScore: onchainScore.toString(),
    qualifies: qualifies(spec, score),
    values: result.values,
    checks,
    fingerprint: {
      format: FINGERPRINT_FORMAT,
      probeRows: PROBE_ROWS,
      size: FINGERPRINT_SIZE,
      copyDistance: COPY_DISTANCE[spec.task.type],
      sha256: sha256Hex(JSON.stringify(fingerprint)),
      values: fingerprint,
    },
  };
}

/** The report of a checkpoint that never reached the sandbox (it could not be fetched, or its hash is wrong). */
export function failedReport(
  spec: BountySpec,
  failure: string,
  reason: string,
  checkpoint: { sha256: string; bytes: number },
): EvaluationReport {
  return {
    format: "crowdtrain-evaluation-report",
    version: 2,
    outcome: "invalid",
    failure,
    reason,
    checkpoint,
    spec: specSummary(spec),
    evalSet: {},
    runtime: { onnxruntime: "not run", node: process.version, batchSize: 0 },
    timings: {},
    evaluatedAt: new Date().toISOString(),
  };
}

/**
 * The report of bytes that do not hash to the on-chain checkpoint hash. It names only the on-chain
 * hash: nothing of what was fetched (its hash or size would tell about whatever the URI reached). The
 * evaluator and `npm run verify` both write it, so their report hashes agree.
 */
export function hashMismatchReport(spec: BountySpec, checkpointSha256: string): EvaluationReport {
  return failedReport(
    spec,
    "hash_mismatch",
    `the sha256 of the bytes at the checkpoint URI is not the on-chain checkpoint hash ${checkpointSha256}`,
    { sha256: checkpointSha256, bytes: 0 },
  );
}

/** The hashed part of a report: everything but UNHASHED_FIELDS. */
export function hashedReport(
  report: EvaluationReport,
): Omit<EvaluationReport, (typeof UNHASHED_FIELDS)[number]> {
  const { runtime: _runtime, timings: _timings, evaluatedAt: _evaluatedAt, ...hashed } = report;
  return hashed;
}

/**
 * The report's public bytes (canonical JSON of its hashed part) and their sha256: its artifact name
 * and the on-chain `reportHash`.
 */
export function reportBytes(report: EvaluationReport): { bytes: Uint8Array; sha256: string } {
  const bytes = new TextEncoder().encode(canonicalJson(hashedReport(report)));
  return { bytes, sha256: sha256Hex(bytes) };
}
