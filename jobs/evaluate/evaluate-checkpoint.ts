/**
 * One evaluation, without the chain: checkpoint bytes and an eval set in, a
 * report out. The worker (evaluator.server.ts), the `npm run evaluate` CLI and
 * `npm run bench:eval` all go through here, so a published score is
 * reproduced by exactly the code that produced it.
 *
 * Steps: validate the model (validate.ts) → run it in the sandbox over the eval
 * set in batches (sandbox.ts, child.ts) → the spec's metric → the report.
 * A checkpoint at fault yields an `invalid` outcome with a clear reason; an
 * eval-set problem throws (it is not the trainer's fault).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { sha256Hex } from "../../lib/hash.server.js";
import { type BountySpec, canonicalJson, specHash, toOnchainScore } from "../../lib/spec.js";
import { primaryMetric, type ScoreResult } from "../../ml/metrics.js";
import { FINGERPRINT_ATOL, FINGERPRINT_RTOL, FINGERPRINT_SIZE, PROBE_ROWS } from "./fingerprint.js";
import { EvaluationFailure, type Sandbox } from "./sandbox.js";
import {
  DEFAULT_MODEL_LIMITS,
  type ModelLimits,
  ModelRejected,
  type ModelSummary,
  validateModel,
} from "./validate.js";

export const DEFAULT_BATCH_SIZE = 256;

export type Outcome = "scored" | "copy" | "invalid";

/** The evaluation report (JSON), content-addressed by the sha256 of its canonical JSON. */
export interface EvaluationReport {
  format: "crowdtrain-evaluation-report";
  version: 1;
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
  fingerprint?: {
    probeRows: number;
    size: number;
    atol: number;
    rtol: number;
    sha256: string;
    values: number[];
  };
  runtime: { onnxruntime: string; node: string; batchSize: number };
  timings: Record<string, number>;
  evaluatedAt: string;
}

export interface EvaluateCheckpointInput {
  modelBytes: Uint8Array;
  /** Where the checkpoint already is on disk (the artifact store), or undefined to use a temporary file. */
  modelPath?: string;
  evalSetPath: string;
  /** The eval set's sha256 (hex) that its commitment covers; the sandbox checks the bytes it reads. */
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

/** Validates and runs a checkpoint; the report's outcome is `scored` or `invalid`. */
export async function evaluateCheckpoint(input: EvaluateCheckpointInput): Promise<EvaluationReport> {
  const started = performance.now();
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const base: EvaluationReport = {
    format: "crowdtrain-evaluation-report",
    version: 1,
    outcome: "invalid",
    checkpoint: { sha256: sha256Hex(input.modelBytes), bytes: input.modelBytes.length },
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

  let t = performance.now();
  let model: ModelSummary;
  try {
    model = validateModel(input.modelBytes, input.spec, input.limits ?? DEFAULT_MODEL_LIMITS);
  } catch (error) {
    if (!(error instanceof ModelRejected)) throw error;
    return finish({ ...base, failure: error.code, reason: error.message });
  }
  base.model = model;
  base.timings.validateMs = performance.now() - t;

  let tmpDir: string | undefined;
  let modelPath = input.modelPath;
  if (!modelPath) {
    tmpDir = await mkdtemp(path.join(os.tmpdir(), "crowdtrain-eval-"));
    modelPath = path.join(tmpDir, "model.onnx");
    await writeFile(modelPath, input.modelBytes);
  }
  t = performance.now();
  let run: Awaited<ReturnType<Sandbox["run"]>>;
  try {
    run = await input.sandbox.run({
      modelPath,
      evalSetPath: input.evalSetPath,
      evalSetSha256: input.evalSetSha256,
      spec: input.spec,
      batchSize,
    });
  } catch (error) {
    if (error instanceof EvaluationFailure && error.code !== "eval_set") {
      return finish({ ...base, failure: error.code, reason: error.message });
    }
    throw error;
  } finally {
    if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
  }
  base.timings.sandboxMs = performance.now() - t;
  Object.assign(base.timings, run.timings);
  return finish(scoredReport(base, input.spec, run.result, run.fingerprint));
}

function scoredReport(
  base: EvaluationReport,
  spec: BountySpec,
  result: ScoreResult,
  fingerprint: number[],
): EvaluationReport {
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
    fingerprint: {
      probeRows: PROBE_ROWS,
      size: FINGERPRINT_SIZE,
      atol: FINGERPRINT_ATOL,
      rtol: FINGERPRINT_RTOL,
      sha256: sha256Hex(JSON.stringify(fingerprint)),
      values: fingerprint,
    },
  };
}

/** The report's bytes (canonical JSON) and their sha256: its artifact name and on-chain `reportHash`. */
export function reportBytes(report: EvaluationReport): { bytes: Uint8Array; sha256: string } {
  const bytes = new TextEncoder().encode(canonicalJson(report));
  return { bytes, sha256: sha256Hex(bytes) };
}
