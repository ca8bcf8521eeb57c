/**
 * The evaluation child process (jobs/evaluate/sandbox.ts starts it): loads a
 * checkpoint into onnxruntime-node, runs it over the eval set in batches, and
 * sends back the metrics and the output fingerprint. It runs under the
 * sandbox's memory and time limits, so a hostile or broken model can only
 * take this process down, never the worker.
 *
 * Protocol (Node IPC): the child sends `{ type: "ready" }` once onnxruntime is
 * loaded; the parent sends one `RunRequest`; the child answers with one
 * `RunReply` and exits.
 */
import { createHash } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import * as ort from "onnxruntime-node";
import type { BountySpec } from "../../lib/spec.js";
import type { DatasetSplit } from "../../ml/data.js";
import { decodeEvalSet } from "../../ml/evalset.js";
import { createScorer, type ScoreResult } from "../../ml/metrics.js";
import { finishFingerprint, probeRows, rowFingerprint } from "./fingerprint.js";

export interface RunRequest {
  type: "run";
  modelPath: string;
  evalSetPath: string;
  /**
   * The eval set's expected sha256 (hex): the bytes read are checked against it before use, so the
   * bytes evaluated are exactly the ones the on-chain commitment covers.
   */
  evalSetSha256: string;
  spec: BountySpec;
  batchSize: number;
}

export type FailureCode = "model_load" | "run" | "output" | "memory" | "eval_set";

export type RunReply =
  | {
      type: "done";
      result: ScoreResult;
      fingerprint: number[];
      /** Milliseconds: reading, checking and decoding the eval set, creating the session, running batches, scoring. */
      timings: { evalSetMs: number; loadMs: number; inferenceMs: number; scoringMs: number };
      batches: number;
    }
  | { type: "error"; code: FailureCode; message: string };

const MEMORY_ERROR = /bad_alloc|failed to allocate|out of memory|allocation failed|cannot allocate/i;

class RunFailure extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
  ) {
    super(message);
  }
}

/** The model's input for rows [start, start + count), and the size of one row of its output. */
function batchInput(split: DatasetSplit, start: number, count: number): ort.Tensor {
  if (split.task === "causal-lm") {
    const width = split.sequenceLength;
    return new ort.Tensor("int64", split.tokens.subarray(start * width, (start + count) * width), [
      count,
      width,
    ]);
  }
  const width = split.numFeatures;
  return new ort.Tensor("float32", split.features.subarray(start * width, (start + count) * width), [
    count,
    width,
  ]);
}

function outputDims(split: DatasetSplit, count: number): number[] {
  if (split.task === "classification") return [count, split.numClasses];
  if (split.task === "regression") return [count, split.outputDim];
  return [count, split.sequenceLength, split.vocabSize];
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]?.slice(0, 500) ?? "";
}

/**
 * Reads a file whole while hashing it: each chunk is hashed while the next one is being read, so the
 * check costs little more than the read.
 */
async function readHashed(file: string): Promise<{ bytes: Buffer; sha256: string }> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const bytes = Buffer.allocUnsafe(size);
    const hash = createHash("sha256");
    const CHUNK = 8 * 1024 * 1024;
    const readAt = (offset: number) =>
      handle.read(bytes, offset, Math.min(CHUNK, size - offset), offset).then(({ bytesRead }) => bytesRead);
    let offset = 0;
    let pending = size > 0 ? readAt(0) : undefined;
    while (pending) {
      const read = await pending;
      if (read === 0) throw new Error(`${file} ended after ${offset} of ${size} bytes`);
      const chunk = bytes.subarray(offset, offset + read);
      offset += read;
      pending = offset < size ? readAt(offset) : undefined;
      hash.update(chunk);
    }
    return { bytes, sha256: hash.digest("hex") };
  } finally {
    await handle.close();
  }
}

/** The eval set, its bytes checked against the committed sha256, decoded. */
async function loadEvalSet(request: Omit<RunRequest, "type">): Promise<DatasetSplit> {
  let read: { bytes: Buffer; sha256: string };
  try {
    read = await readHashed(request.evalSetPath);
  } catch (error) {
    throw new RunFailure("eval_set", `the eval set cannot be read: ${errorText(error)}`);
  }
  if (read.sha256 !== request.evalSetSha256) {
    throw new RunFailure(
      "eval_set",
      `the eval set's sha256 is ${read.sha256}, not the committed ${request.evalSetSha256}`,
    );
  }
  try {
    return decodeEvalSet(new Uint8Array(read.bytes.buffer, read.bytes.byteOffset, read.bytes.byteLength));
  } catch (error) {
    throw new RunFailure("eval_set", `the eval set cannot be decoded: ${errorText(error)}`);
  }
}

async function createSession(modelPath: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(await readFile(modelPath), {
      graphOptimizationLevel: "all",
      executionMode: "sequential",
    });
  } catch (error) {
    const message = errorText(error);
    throw new RunFailure(
      MEMORY_ERROR.test(message) ? "memory" : "model_load",
      `onnxruntime cannot load the model: ${message}`,
    );
  }
}

export async function evaluateInProcess(
  request: Omit<RunRequest, "type">,
): Promise<Extract<RunReply, { type: "done" }>> {
  // The eval set is read and checked while onnxruntime builds the session; an eval-set problem is
  // reported first (it is not the checkpoint's fault).
  const timed = async <T>(work: Promise<T>) => {
    const started = performance.now();
    const value = await work;
    return { value, ms: performance.now() - started };
  };
  const [evalSet, loaded] = await Promise.allSettled([
    timed(loadEvalSet(request)),
    timed(createSession(request.modelPath)),
  ]);
  if (evalSet.status === "rejected") {
    if (loaded.status === "fulfilled") await loaded.value.value.release();
    throw evalSet.reason;
  }
  if (loaded.status === "rejected") throw loaded.reason;
  const split = evalSet.value.value;
  const session = loaded.value.value;
  const evalSetMs = evalSet.value.ms;
  const loadMs = loaded.value.ms;
  let started: number;

  const inputName = request.spec.interface.inputs[0]?.name ?? "";
  const outputName = request.spec.interface.outputs[0]?.name ?? "";
  const scorer = createScorer(split);
  const probes = probeRows(split.count);
  const fingerprint: number[] = [];
  let inferenceMs = 0;
  let scoringMs = 0;
  let batches = 0;
  for (let start = 0; start < split.count; start += request.batchSize) {
    const count = Math.min(request.batchSize, split.count - start);
    started = performance.now();
    let output: ort.Tensor;
    try {
      const outputs = await session.run({ [inputName]: batchInput(split, start, count) }, [outputName]);
      output = outputs[outputName] as ort.Tensor;
    } catch (error) {
      const message = errorText(error);
      throw new RunFailure(
        MEMORY_ERROR.test(message) ? "memory" : "run",
        `the model failed on rows ${start}..${start + count - 1}: ${message}`,
      );
    }
    inferenceMs += performance.now() - started;
    started = performance.now();
    const want = outputDims(split, count);
    if (output.type !== "float32" || output.dims.join(",") !== want.join(",")) {
      throw new RunFailure(
        "output",
        `output "${outputName}" is ${output.type} [${output.dims.join(", ")}], not float32 [${want.join(", ")}]`,
      );
    }
    const data = output.data as Float32Array;
    try {
      scorer.add(start, count, data);
    } catch (error) {
      throw new RunFailure("output", errorText(error));
    }
    const rowSize = data.length / count;
    for (const row of probes) {
      if (row >= start && row < start + count) {
        rowFingerprint(
          split,
          row,
          data.subarray((row - start) * rowSize, (row - start + 1) * rowSize),
          fingerprint,
        );
      }
    }
    scoringMs += performance.now() - started;
    batches++;
  }
  await session.release();
  let result: ScoreResult;
  try {
    result = scorer.result();
  } catch (error) {
    throw new RunFailure("output", errorText(error));
  }
  return {
    type: "done",
    result,
    fingerprint: finishFingerprint(fingerprint),
    timings: { evalSetMs, loadMs, inferenceMs, scoringMs },
    batches,
  };
}

// As a child process: wait for one request, answer it, exit.
if (process.send && process.env.CROWDTRAIN_EVAL_CHILD === "1") {
  const send = (reply: RunReply | { type: "ready" }) =>
    new Promise<void>((resolve) => process.send?.(reply, undefined, {}, () => resolve()));
  process.once("message", (request: RunRequest) => {
    evaluateInProcess(request)
      .then(send, (error: unknown) =>
        send(
          error instanceof RunFailure
            ? { type: "error", code: error.code, message: error.message }
            : { type: "error", code: "run", message: errorText(error) },
        ),
      )
      .finally(() => process.exit(0));
  });
  process.on("disconnect", () => process.exit(0));
  void send({ type: "ready" });
}
