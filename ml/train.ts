/**
 * The reference trainers' single entry: train a tiny model for a bounty spec
 * on CPU and return its ONNX bytes. Used by the pool agent's built-in trainer
 * and by the demos and tests.
 */
import { type BountySpec, bountySpecSchema } from "../core/spec.js";
import { loadDataset } from "./data.js";
import { trainCausalLm } from "./trainers/causal-lm.js";
import { trainClassifier } from "./trainers/classification.js";
import type { TrainedModel, TrainProgress } from "./trainers/common.js";
import { trainRegressor } from "./trainers/regression.js";

export type { TrainedModel, TrainProgress } from "./trainers/common.js";

export interface TrainReferenceOptions {
  /** Seeds the weights and batch order (default 0); the data set does not depend on it. */
  seed?: number;
  /** Aborting rejects with the signal's reason within ~10 ms. */
  signal?: AbortSignal;
  /** Called after each epoch with the share done, the optimizer steps so far and the epoch's mean loss. */
  onProgress?: (progress: TrainProgress) => void;
  /** Passes over the data (default: the trainer's own, a few seconds at most on a CPU). */
  epochs?: number;
}

/**
 * Trains the reference model for `spec` (validated again here) on the train
 * split of its first training data set, which must be a `builtin:` URI.
 * Returns the trained model: its JS forward pass, its ONNX export and its losses.
 */
export async function trainReferenceModel(
  spec: BountySpec,
  options: TrainReferenceOptions = {},
): Promise<TrainedModel> {
  const parsed = bountySpecSchema.parse(spec);
  options.signal?.throwIfAborted();
  const { train } = loadDataset(parsed);
  const trainerOptions = {
    seed: options.seed ?? 0,
    epochs: options.epochs,
    signal: options.signal,
    onProgress: options.onProgress,
  };
  if (options.epochs !== undefined && !(Number.isInteger(options.epochs) && options.epochs >= 1)) {
    throw new Error(`epochs must be a positive integer, got ${options.epochs}`);
  }
  switch (train.task) {
    case "classification":
      return trainClassifier(parsed, train, trainerOptions);
    case "regression":
      return trainRegressor(parsed, train, trainerOptions);
    case "causal-lm":
      return trainCausalLm(parsed, train, trainerOptions);
  }
}

/**
 * Trains the reference model for `spec` and returns its ONNX bytes, whose
 * input and output names, dtypes and shapes are the spec's interface. Yields to
 * the event loop at least every ~10 ms, so the caller can keep heartbeating;
 * rejects with the abort reason once `options.signal` aborts; throws a clear
 * error for training data that is not `builtin:`.
 */
export async function trainReference(
  spec: BountySpec,
  options: TrainReferenceOptions = {},
): Promise<Uint8Array> {
  const model = await trainReferenceModel(spec, options);
  return model.toOnnx();
}
