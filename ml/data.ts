/**
 * The built-in demo data sets, named by `builtin:` URIs in a spec's
 * `trainingData`. Each is generated (or read from `ml/corpus/`) from a fixed
 * seed, so the same URI and spec give the same bytes everywhere, and split
 * deterministically into a train split and a disjoint held-out split (20%):
 * the held-out split is what a demo bounty's private eval set is built from.
 *
 * | URI                 | task           | params (query string, all optional)              |
 * | ------------------- | -------------- | ------------------------------------------------ |
 * | `builtin:blobs`     | classification | `samples` (2000), `seed` (1), `separation` (5)   |
 * | `builtin:linear`    | regression     | `samples` (2000), `seed` (1), `noise` (0.1)      |
 * | `builtin:hindi`     | causal-lm      | `seed` (1)                                       |
 *
 * e.g. `builtin:blobs?samples=5000&seed=7`. Sizes (features, classes, outputs,
 * vocabulary, context length) come from the spec's task.
 */
import { readFileSync } from "node:fs";
import { type BountySpec, type CausalLmTask, tokenize } from "../core/spec.js";
import { createRng, seedOf } from "./random.js";

/** The share of each data set held out for evaluation. */
export const HELD_OUT_FRACTION = 0.2;

export const BUILTIN_DATASETS = {
  blobs: { task: "classification", params: { samples: 2000, seed: 1, separation: 5 } },
  linear: { task: "regression", params: { samples: 2000, seed: 1, noise: 0.1 } },
  hindi: { task: "causal-lm", params: { seed: 1 } },
} as const;
export type BuiltinDatasetName = keyof typeof BUILTIN_DATASETS;

/** Rows of features (row-major, `count` × `numFeatures`) and their class ids. */
export interface ClassificationSplit {
  task: "classification";
  count: number;
  numFeatures: number;
  numClasses: number;
  features: Float32Array;
  labels: Int32Array;
}

/** Rows of features and their targets (row-major, `count` × `outputDim`). */
export interface RegressionSplit {
  task: "regression";
  count: number;
  numFeatures: number;
  outputDim: number;
  features: Float32Array;
  targets: Float32Array;
}

/**
 * Token sequences (row-major, `count` × `sequenceLength`), right-padded with
 * `padTokenId`; `lengths[i]` is the number of real tokens of sequence i.
 */
export interface CausalLmSplit {
  task: "causal-lm";
  count: number;
  sequenceLength: number;
  vocabSize: number;
  padTokenId: number;
  tokens: BigInt64Array;
  lengths: Int32Array;
}

export type DatasetSplit = ClassificationSplit | RegressionSplit | CausalLmSplit;

export interface Dataset<S extends DatasetSplit = DatasetSplit> {
  uri: string;
  name: BuiltinDatasetName;
  train: S;
  heldOut: S;
}

/** A parsed `builtin:` URI: the data set's name and its numeric params (defaults filled in). */
export function parseBuiltinUri(uri: string): { name: BuiltinDatasetName; params: Record<string, number> } {
  const match = /^builtin:([a-z0-9-]+)(?:\?(.*))?$/.exec(uri);
  if (!match) {
    throw new Error(
      `unsupported training data URI "${uri}": the reference trainers read builtin:<name> only (${Object.keys(BUILTIN_DATASETS).join(", ")})`,
    );
  }
  const name = match[1] as string;
  if (!Object.hasOwn(BUILTIN_DATASETS, name)) {
    throw new Error(
      `unknown built-in data set "${name}" (known: ${Object.keys(BUILTIN_DATASETS).join(", ")})`,
    );
  }
  const known = BUILTIN_DATASETS[name as BuiltinDatasetName];
  const params: Record<string, number> = { ...known.params };
  for (const [key, raw] of new URLSearchParams(match[2] ?? "")) {
    if (!Object.hasOwn(known.params, key)) {
      throw new Error(
        `builtin:${name} has no param "${key}" (params: ${Object.keys(known.params).join(", ")})`,
      );
    }
    const value = Number(raw);
    const integer = key === "samples" || key === "seed";
    if (raw === "" || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
      throw new Error(
        `builtin:${name}: ${key}=${raw} is not a ${integer ? "non-negative integer" : "number ≥ 0"}`,
      );
    }
    params[key] = value;
  }
  if (params.samples !== undefined && params.samples < 10) {
    throw new Error(`builtin:${name}: samples must be at least 10`);
  }
  return { name: name as BuiltinDatasetName, params };
}

/** Row indices 0..count-1 shuffled by `seed`, cut into train and held-out. */
function splitIndices(count: number, seed: number): { train: number[]; heldOut: number[] } {
  const order = createRng(seed).shuffle(Array.from({ length: count }, (_, i) => i));
  const heldOut = Math.max(1, Math.round(count * HELD_OUT_FRACTION));
  return { train: order.slice(0, count - heldOut), heldOut: order.slice(count - heldOut) };
}

function pickRows(source: Float32Array, width: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, i) => {
    out.set(source.subarray(row * width, (row + 1) * width), i * width);
  });
  return out;
}

function blobs(
  numClasses: number,
  numFeatures: number,
  params: Record<string, number>,
): Dataset<ClassificationSplit> {
  const samples = params.samples ?? 2000;
  const seed = params.seed ?? 1;
  const rng = createRng(seedOf("blobs") ^ seed);
  // Centres ~ N(0, s²) per feature with s = separation / sqrt(2F): two centres are
  // `separation` noise standard deviations apart on average, whatever F is.
  const scale = (params.separation ?? 5) / Math.sqrt(2 * numFeatures);
  const centres = Float64Array.from({ length: numClasses * numFeatures }, () => rng.normal() * scale);
  const features = new Float32Array(samples * numFeatures);
  const labels = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const label = i % numClasses;
    labels[i] = label;
    for (let f = 0; f < numFeatures; f++) {
      features[i * numFeatures + f] = (centres[label * numFeatures + f] as number) + rng.normal();
    }
  }
  const { train, heldOut } = splitIndices(samples, seed);
  const split = (rows: number[]): ClassificationSplit => ({
    task: "classification",
    count: rows.length,
    numFeatures,
    numClasses,
    features: pickRows(features, numFeatures, rows),
    labels: Int32Array.from(rows, (row) => labels[row] as number),
  });
  return { uri: "", name: "blobs", train: split(train), heldOut: split(heldOut) };
}

function linear(
  numFeatures: number,
  outputDim: number,
  params: Record<string, number>,
): Dataset<RegressionSplit> {
  const samples = params.samples ?? 2000;
  const seed = params.seed ?? 1;
  const noise = params.noise ?? 0.1;
  const rng = createRng(seedOf("linear") ^ seed);
  const weights = Float64Array.from({ length: numFeatures * outputDim }, () => rng.normal());
  const bias = Float64Array.from({ length: outputDim }, () => rng.normal());
  const features = new Float32Array(samples * numFeatures);
  const targets = new Float32Array(samples * outputDim);
  for (let i = 0; i < samples; i++) {
    for (let f = 0; f < numFeatures; f++) features[i * numFeatures + f] = rng.normal();
    for (let d = 0; d < outputDim; d++) {
      let y = bias[d] as number;
      for (let f = 0; f < numFeatures; f++) {
        y += (features[i * numFeatures + f] as number) * (weights[f * outputDim + d] as number);
      }
      targets[i * outputDim + d] = y + noise * rng.normal();
    }
  }
  const { train, heldOut } = splitIndices(samples, seed);
  const split = (rows: number[]): RegressionSplit => ({
    task: "regression",
    count: rows.length,
    numFeatures,
    outputDim,
    features: pickRows(features, numFeatures, rows),
    targets: pickRows(targets, outputDim, rows),
  });
  return { uri: "", name: "linear", train: split(train), heldOut: split(heldOut) };
}

let hindiCorpus: string | undefined;

/** The sentences of `ml/corpus/hindi.txt`, one per line, without duplicates. */
export function hindiSentences(): string[] {
  hindiCorpus ??= readFileSync(new URL("./corpus/hindi.txt", import.meta.url), "utf8");
  const lines = hindiCorpus
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return [...new Set(lines)];
}

/** Sentences as right-padded sequences; a sentence longer than the context is cut into windows. */
export function sequencesOf(task: CausalLmTask, sentences: readonly string[]): CausalLmSplit {
  const length = task.contextLength;
  const windows: number[][] = [];
  for (const sentence of sentences) {
    const ids = tokenize(task, sentence);
    for (let start = 0; start < ids.length; start += length) windows.push(ids.slice(start, start + length));
  }
  const tokens = new BigInt64Array(windows.length * length).fill(BigInt(task.padTokenId));
  const lengths = new Int32Array(windows.length);
  windows.forEach((ids, i) => {
    lengths[i] = ids.length;
    ids.forEach((id, t) => {
      tokens[i * length + t] = BigInt(id);
    });
  });
  return {
    task: "causal-lm",
    count: windows.length,
    sequenceLength: length,
    vocabSize: task.vocabSize,
    padTokenId: task.padTokenId,
    tokens,
    lengths,
  };
}

/** The Hindi sentences split by sentence (never a sentence in both splits), then tokenized. */
export function hindiSplitSentences(seed = 1): { train: string[]; heldOut: string[] } {
  const sentences = hindiSentences();
  const { train, heldOut } = splitIndices(sentences.length, seedOf("hindi") ^ seed);
  const pick = (rows: number[]) => rows.map((row) => sentences[row] as string);
  return { train: pick(train), heldOut: pick(heldOut) };
}

function hindi(task: CausalLmTask, params: Record<string, number>): Dataset<CausalLmSplit> {
  const { train, heldOut } = hindiSplitSentences(params.seed ?? 1);
  return { uri: "", name: "hindi", train: sequencesOf(task, train), heldOut: sequencesOf(task, heldOut) };
}

/**
 * The built-in data set a URI names, shaped by the spec's task (default: the
 * spec's first training data URI). Throws a clear error for a URI that is not
 * `builtin:`, an unknown name, or a data set of another task type.
 */
export function loadDataset(spec: BountySpec, uri?: string): Dataset {
  const source = uri ?? spec.trainingData[0]?.uri;
  if (source === undefined) throw new Error("the spec lists no training data");
  const { name, params } = parseBuiltinUri(source);
  const wanted = BUILTIN_DATASETS[name].task;
  const task = spec.task;
  if (task.type !== wanted) {
    throw new Error(`builtin:${name} is a ${wanted} data set; this spec's task is ${task.type}`);
  }
  let dataset: Dataset;
  if (task.type === "classification") dataset = blobs(task.numClasses, task.numFeatures, params);
  else if (task.type === "regression") dataset = linear(task.numFeatures, task.outputDim, params);
  else dataset = hindi(task, params);
  return { ...dataset, uri: source };
}

/** The held-out split of the spec's first training data set: the demo's private eval data. */
export function heldOutSplit(spec: BountySpec): DatasetSplit {
  return loadDataset(spec).heldOut;
}

/** A split's model input as a flat typed array with its dims ([count, features] or [count, sequence]). */
export function splitInput(split: DatasetSplit): { data: Float32Array | BigInt64Array; dims: number[] } {
  if (split.task === "causal-lm") return { data: split.tokens, dims: [split.count, split.sequenceLength] };
  return { data: split.features, dims: [split.count, split.numFeatures] };
}
