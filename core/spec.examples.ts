/**
 * Example bounty specs, one per task type, used by demos and tests. Their
 * training data are the built-in data sets of `ml/data.ts`, and their targets
 * are met by the reference trainers of `ml/train.ts` at their default settings,
 * so a demo bounty can be fulfilled end to end on a CPU.
 */
import type { BountySpec } from "./spec.js";

/** Space, ASCII digits and punctuation, then the whole Devanagari block (U+0900..U+097F, 128 code points). */
const ASCII_PART = " 0123456789.,?!-:;'\"()";
const DEVANAGARI_BLOCK = String.fromCodePoint(...Array.from({ length: 128 }, (_, i) => 0x0900 + i));
export const HINDI_ALPHABET: string = ASCII_PART + DEVANAGARI_BLOCK;

const HINDI_SIZE = Array.from(HINDI_ALPHABET).length; // 150

/** "Hindi GPT": a small character-level causal LM for Hindi, scored by perplexity. */
export const hindiGptSpec = {
  version: 1,
  name: "Hindi GPT (char-level)",
  description:
    "A small character-level causal language model for Hindi in Devanagari script. " +
    "Checkpoints are scored by next-token perplexity on a private held-out set of Hindi sentences.",
  license: "Apache-2.0",
  task: {
    type: "causal-lm",
    vocabSize: HINDI_SIZE + 2,
    contextLength: 64,
    padTokenId: HINDI_SIZE,
    tokenizer: { kind: "char", alphabet: HINDI_ALPHABET },
  },
  interface: {
    inputs: [{ name: "input_ids", dtype: "int64", shape: ["batch", "sequence"] }],
    outputs: [{ name: "logits", dtype: "float32", shape: ["batch", "sequence", HINDI_SIZE + 2] }],
  },
  metric: { name: "perplexity", target: 13, direction: "lower" },
  resources: { minVramGb: 0, gpus: 0, maxTrainingMinutes: 10 },
  trainingData: [
    {
      uri: "builtin:hindi",
      description: "Simple Hindi sentences written for Crowdtrain (ml/corpus/hindi.txt)",
    },
  ],
} satisfies BountySpec;

/** Classification of Gaussian blobs: 4 classes in 8 features, scored by accuracy. */
export const blobsClassifierSpec = {
  version: 1,
  name: "Blob classifier",
  description:
    "Classify points drawn from four Gaussian blobs in eight dimensions. The model outputs logits.",
  license: "MIT",
  task: { type: "classification", numClasses: 4, numFeatures: 8 },
  interface: {
    inputs: [{ name: "features", dtype: "float32", shape: ["batch", 8] }],
    outputs: [{ name: "logits", dtype: "float32", shape: ["batch", 4] }],
  },
  metric: { name: "accuracy", target: 0.9, direction: "higher" },
  resources: { minVramGb: 0, gpus: 0, maxTrainingMinutes: 5 },
  trainingData: [{ uri: "builtin:blobs", description: "Four Gaussian blobs, generated from a fixed seed" }],
} satisfies BountySpec;

/** Noisy linear regression: 6 features to 2 outputs, scored by mean squared error. */
export const linearRegressionSpec = {
  version: 1,
  name: "Linear regressor",
  description: "Predict two targets that depend linearly on six features, with Gaussian noise.",
  license: "CC0-1.0",
  task: { type: "regression", numFeatures: 6, outputDim: 2 },
  interface: {
    inputs: [{ name: "features", dtype: "float32", shape: ["batch", 6] }],
    outputs: [{ name: "prediction", dtype: "float32", shape: ["batch", 2] }],
  },
  metric: { name: "mse", target: 0.05, direction: "lower" },
  resources: { minVramGb: 0, gpus: 0, maxTrainingMinutes: 5 },
  trainingData: [{ uri: "builtin:linear", description: "y = xW + b + noise, generated from a fixed seed" }],
} satisfies BountySpec;

/** Every example, by task type. */
export const exampleSpecs = {
  classification: blobsClassifierSpec,
  regression: linearRegressionSpec,
  "causal-lm": hindiGptSpec,
} as const satisfies Record<BountySpec["task"]["type"], BountySpec>;
