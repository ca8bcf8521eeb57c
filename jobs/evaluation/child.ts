/**
 * The evaluation child process (jobs/evaluation/sandbox.ts starts it, sealed):
 * reads the checkpoint and the eval set it is handed, validates the checkpoint
 * (validate.ts), runs it in onnxruntime-node over the eval set, runs the task's
 * integrity checks (integrity.ts), and sends back the metrics, the output
 * fingerprint and the model summary. Everything that decodes untrusted bytes
 * happens here, under the sandbox's limits, so a hostile file can only take
 * this process down, never the worker.
 *
 * Protocol (Node IPC, advanced serialization):
 * - the child sends `{ type: "ready" }` once onnxruntime is loaded;
 * - the parent sends one `RunRequest` and writes the checkpoint's bytes to the
 *   child's stdin (fd 0) and the eval set's to fd 4, then closes both: the
 *   child never opens a path. The parent hashes the eval set as it streams it
 *   and then sends `{ type: "evalSetChecked", sha256 }`: the trusted side
 *   vouches for the bytes, on its own core, while this one receives them;
 * - the child answers with one `RunReply` and exits.
 *
 * onnxruntime gets the very bytes that were validated. The eval set is read,
 * checked against its committed sha256 and decoded before the model's session
 * is created, and its pipe is closed by then.
 */
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import type { BountySpec } from "../../core/spec.js";
import type { DatasetSplit } from "../../ml/data.js";
import { decodeEvalSet } from "../../ml/evalset.js";
import { createScorer, type ScoreResult } from "../../ml/metrics.js";
import * as ort from "../../ml/ort.js";
import { finishFingerprint, probeRows, rowFingerprint } from "./fingerprint.js";
import {
  type IntegrityCode,
  IntegrityFailure,
  ModelRunner,
  type Rows,
  RunnerOutputError,
  TASK_CHECKS,
} from "./integrity.js";
import {
  type ModelLimits,
  ModelRejected,
  type ModelSummary,
  type RejectionCode,
  validateModel,
} from "./validate.js";

export interface RunRequest {
  type: "run";
  spec: BountySpec;
  batchSize: number;
  /**
   * onnxruntime's intra-op threads. The sealed child has no /proc or /sys to count the machine's
   * cores (onnxruntime would fall back to one), so the parent says how many there are.
   */
  threads?: number;
  limits: ModelLimits;
  /** Bytes of the checkpoint the parent writes to fd 0. */
  modelBytes: number;
  /** Bytes of the eval set the parent writes to fd 4. */
  evalSetBytes: number;
  /** The eval set's sha256 (hex) that its commitment covers: the bytes are checked against it. */
  evalSetSha256: string;
}

export type FailureCode =
  | RejectionCode
  | IntegrityCode
  | "model_load"
  | "run"
  | "output"
  | "memory"
  | "eval_set";

export interface RunDone {
  type: "done";
  /** sha256 (hex) of the checkpoint bytes received. */
  modelSha256: string;
  model: ModelSummary;
  result: ScoreResult;
  fingerprint: number[];
  /** The integrity checks passed, by name. */
  checks: string[];
  /** Milliseconds: receiving, validating, reading the eval set, creating the session, inference, scoring, checks. */
  timings: Record<string, number>;
  batches: number;
}

export type RunReply = RunDone | { type: "error"; code: FailureCode; message: string };

/** Bytes per read of the eval set's pipe: large reads, few callbacks (the parent writes as large). */
export const PIPE_CHUNK = 1024 * 1024;

const MEMORY_ERROR = /bad_alloc|failed to allocate|out of memory|allocation failed|cannot allocate/i;

export class RunFailure extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
  ) {
    super(message);
  }
}

export function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]?.slice(0, 500) ?? "";
}

/** The eval set, its bytes (of sha256 `actual`, hashed here if not given) checked against the committed sha256, decoded. */
function loadEvalSet(bytes: Uint8Array, sha256: string, actual = sha256Of(bytes)): DatasetSplit {
  if (actual !== sha256) {
    throw new RunFailure("eval_set", `the eval set's sha256 is ${actual}, not the committed ${sha256}`);
  }
  try {
    return decodeEvalSet(bytes);
  } catch (error) {
    throw new RunFailure("eval_set", `the eval set cannot be decoded: ${errorText(error)}`);
  }
}

async function createSession(bytes: Uint8Array, threads?: number): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: "all",
      executionMode: "sequential",
      ...(threads !== undefined && { intraOpNumThreads: threads }),
    });
  } catch (error) {
    const message = errorText(error);
    throw new RunFailure(
      MEMORY_ERROR.test(message) ? "memory" : "model_load",
      `onnxruntime cannot load the model: ${message}`,
    );
  }
}

export interface InProcessRequest extends Omit<RunRequest, "type" | "modelBytes" | "evalSetBytes"> {
  model: Uint8Array;
  evalSet: Uint8Array;
  /** The sha256s of `model` and `evalSet` when already computed (the child hashes them as they arrive). */
  received?: { modelSha256: string; evalSetSha256: string };
}

const sha256Of = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * One evaluation in this process: validate, check and decode the eval set, run, check, score. Throws
 * RunFailure when the model (or the eval set, code `eval_set`) is at fault. The sandbox child calls
 * it; tests and dev tools may too, without the isolation.
 */
export async function evaluateInProcess(request: InProcessRequest): Promise<RunDone> {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[name] = (timings[name] ?? 0) + performance.now() - started;
    }
  };

  const model = await timed("validateMs", () => {
    try {
      return validateModel(request.model, request.spec, request.limits);
    } catch (error) {
      if (error instanceof ModelRejected) throw new RunFailure(error.code, error.message);
      throw error;
    }
  });
  const modelSha256 = request.received?.modelSha256 ?? sha256Of(request.model);
  // onnxruntime builds the session on its own thread while this one checks and decodes the eval set.
  // An eval-set problem is reported first: it is not the checkpoint's fault.
  const loadStarted = performance.now();
  const loading = createSession(request.model, request.threads).then((session) => {
    timings.loadMs = performance.now() - loadStarted;
    return session;
  });
  loading.catch(() => {}); // handled below; until then a rejection must not count as unhandled
  let split: DatasetSplit;
  try {
    split = await timed("evalSetMs", () =>
      loadEvalSet(request.evalSet, request.evalSetSha256, request.received?.evalSetSha256),
    );
    checkEvalSetFits(request, split, model);
  } catch (error) {
    await loading.then((session) => session.release()).catch(() => {});
    throw error;
  }
  const session = await loading;
  try {
    return await scoreAndCheck(request, session, split, model, modelSha256, timings, timed);
  } finally {
    await session.release();
  }
}

/** The eval set is for the spec's task, and a model's fixed sequence length covers its sequences. */
function checkEvalSetFits(request: InProcessRequest, split: DatasetSplit, model: ModelSummary): void {
  if (split.task !== request.spec.task.type) {
    throw new RunFailure(
      "eval_set",
      `the eval set is for ${split.task}, the spec's task is ${request.spec.task.type}`,
    );
  }
  if (
    split.task === "causal-lm" &&
    model.fixed.sequence !== undefined &&
    model.fixed.sequence < split.sequenceLength
  ) {
    throw new RunFailure(
      "interface",
      `the model fixes the sequence length at ${model.fixed.sequence} tokens; the eval set's sequences are ` +
        `${split.sequenceLength} tokens, so export it with a sequence dim of at least ${split.sequenceLength} (or a symbolic one)`,
    );
  }
}

async function scoreAndCheck(
  request: InProcessRequest,
  session: ort.InferenceSession,
  split: DatasetSplit,
  model: ModelSummary,
  modelSha256: string,
  timings: Record<string, number>,
  timed: <T>(name: string, work: () => T | Promise<T>) => Promise<T>,
): Promise<RunDone> {
  const inputName = request.spec.interface.inputs[0]?.name ?? "";
  const outputName = request.spec.interface.outputs[0]?.name ?? "";
  let calls = 0;
  const infer = async (data: Rows, dims: number[]) => {
    const input =
      data instanceof BigInt64Array
        ? new ort.Tensor("int64", data, dims)
        : new ort.Tensor("float32", data, dims);
    let output: ort.Tensor;
    try {
      calls++;
      output = (await session.run({ [inputName]: input }, [outputName]))[outputName] as ort.Tensor;
    } catch (error) {
      const message = errorText(error);
      throw new RunFailure(
        MEMORY_ERROR.test(message) ? "memory" : "run",
        `the model failed to run: ${message}`,
      );
    }
    if (output.type !== "float32") {
      throw new RunFailure("output", `output "${outputName}" is ${output.type}, not float32`);
    }
    return { data: output.data as Float32Array, dims: output.dims };
  };
  const runner = new ModelRunner(split, infer, {
    batchSize: request.batchSize,
    ...(model.fixed.batch !== undefined && { fixedBatch: model.fixed.batch }),
    ...(model.fixed.sequence !== undefined && { fixedSequence: model.fixed.sequence }),
  });

  const scorer = createScorer(split);
  const probes = probeRows(split.count);
  const fingerprint: number[] = [];
  // The checks compare against what scoring produced for these rows.
  const checks = TASK_CHECKS[split.task];
  const toWatch = new Set(checks.flatMap((check) => check.watch(runner)));
  const watched = new Map<number, Float32Array>();
  const started = performance.now();
  let scoringMs = 0;
  try {
    await runner.run(runner.rows(0, split.count), (start, count, output) => {
      const t = performance.now();
      for (let row = start; row < start + count; row++) {
        if (toWatch.has(row)) {
          watched.set(
            row,
            output.slice((row - start) * runner.outWidth, (row - start + 1) * runner.outWidth),
          );
        }
      }
      try {
        scorer.add(start, count, output);
      } catch (error) {
        throw new RunFailure("output", `rows ${start}..${start + count - 1}: ${errorText(error)}`);
      }
      for (const row of probes) {
        if (row >= start && row < start + count) {
          const at = (row - start) * runner.outWidth;
          rowFingerprint(split, row, output.subarray(at, at + runner.outWidth), fingerprint);
        }
      }
      scoringMs += performance.now() - t;
    });
  } catch (error) {
    if (error instanceof RunnerOutputError)
      throw new RunFailure("output", `output "${outputName}": ${error.message}`);
    throw error;
  }
  timings.inferenceMs = performance.now() - started - scoringMs;
  timings.scoringMs = scoringMs;
  const batches = calls;

  const passed: string[] = [];
  await timed("checksMs", async () => {
    for (const check of checks) {
      try {
        await check.check({ runner, watched });
      } catch (error) {
        if (error instanceof IntegrityFailure) throw new RunFailure(error.code, error.message);
        if (error instanceof RunnerOutputError) throw new RunFailure("output", error.message);
        throw error;
      }
      passed.push(check.name);
    }
  });

  let result: ScoreResult;
  try {
    result = scorer.result();
  } catch (error) {
    throw new RunFailure("output", errorText(error));
  }
  return {
    type: "done",
    modelSha256,
    model,
    result,
    fingerprint: finishFingerprint(fingerprint),
    checks: passed,
    timings,
    batches,
  };
}

/**
 * Reads exactly `size` bytes from a stream (a pipe the parent writes and closes), hashing them as
 * they arrive, so the hash costs no extra pass.
 */
export async function readExactly(
  stream: Readable,
  size: number,
  what: string,
  hash?: ReturnType<typeof createHash>,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  let at = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (at + chunk.length > size) throw new Error(`the ${what} is longer than the ${size} bytes announced`);
    bytes.set(chunk, at);
    hash?.update(chunk);
    at += chunk.length;
  }
  if (at !== size) throw new Error(`the ${what} ended after ${at} of ${size} bytes`);
  return bytes;
}
