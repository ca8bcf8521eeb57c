/**
 * Softmax regression (multinomial logistic regression) by mini-batch Adam on
 * the mean cross-entropy, over standardized features. Exported as one Gemm
 * giving logits [batch, numClasses].
 */
import type { BountySpec } from "../../core/spec.js";
import type { ClassificationSplit } from "../data.js";
import { createRng } from "../random.js";
import {
  type AffineModel,
  affineForward,
  affineToOnnx,
  columnStats,
  foldStandardization,
  standardize,
} from "./affine.js";
import { Adam, runEpochs, type TrainedModel, type TrainerOptions } from "./common.js";

export const CLASSIFICATION_DEFAULTS = { epochs: 20, batchSize: 64, learningRate: 0.05 };

export interface SoftmaxRegression extends TrainedModel {
  model: AffineModel;
}

/** Trains a softmax regression on `train` for `spec` (a classification spec). */
export async function trainClassifier(
  spec: BountySpec,
  train: ClassificationSplit,
  options: TrainerOptions,
): Promise<SoftmaxRegression> {
  const { count, numFeatures: F, numClasses: C, labels } = train;
  if (count === 0) throw new Error("the train split is empty");
  const rng = createRng(options.seed);
  const stats = columnStats(train.features, F);
  const x = standardize(train.features, stats);
  const weights = Float64Array.from({ length: F * C }, () => rng.normal() * 0.01);
  const bias = new Float64Array(C);
  const gradW = new Float64Array(F * C);
  const gradB = new Float64Array(C);
  const optimizer = new Adam([weights, bias], CLASSIFICATION_DEFAULTS.learningRate);
  const { batchSize } = CLASSIFICATION_DEFAULTS;
  const order = Array.from({ length: count }, (_, i) => i);
  const batches = Math.ceil(count / batchSize);
  const logits = new Float64Array(C);

  const step = (_epoch: number, batch: number) => {
    if (batch === 0) rng.shuffle(order);
    gradW.fill(0);
    gradB.fill(0);
    const rows = order.slice(batch * batchSize, (batch + 1) * batchSize);
    let loss = 0;
    for (const row of rows) {
      // logits = x W + b, then softmax (max-shifted) and d(loss)/d(logits) = p - onehot(label).
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < C; c++) {
        let z = bias[c] as number;
        for (let f = 0; f < F; f++) z += (x[row * F + f] as number) * (weights[f * C + c] as number);
        logits[c] = z;
        if (z > max) max = z;
      }
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const e = Math.exp((logits[c] as number) - max);
        logits[c] = e;
        sum += e;
      }
      const label = labels[row] as number;
      loss += -Math.log((logits[label] as number) / sum);
      for (let c = 0; c < C; c++) {
        const g = ((logits[c] as number) / sum - (c === label ? 1 : 0)) / rows.length;
        gradB[c] = (gradB[c] as number) + g;
        for (let f = 0; f < F; f++)
          gradW[f * C + c] = (gradW[f * C + c] as number) + (x[row * F + f] as number) * g;
      }
    }
    optimizer.step([gradW, gradB]);
    return { loss, count: rows.length };
  };

  const losses = await runEpochs({
    epochs: options.epochs ?? CLASSIFICATION_DEFAULTS.epochs,
    batches,
    step,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  const model = foldStandardization(weights, bias, stats);
  return {
    model,
    losses,
    forward: (input, dims) => {
      if (!(input instanceof Float32Array)) throw new Error("the classifier takes float32 features");
      return affineForward(model, input, dims);
    },
    toOnnx: () =>
      affineToOnnx(model, spec, {
        "crowdtrain.trainer": "classification/softmax-regression",
        "crowdtrain.seed": String(options.seed),
      }),
  };
}
