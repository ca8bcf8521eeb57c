/**
 * Linear regression by mini-batch Adam on the mean squared error, over
 * standardized features and targets. Exported as one Gemm giving predictions
 * [batch, outputDim] in the targets' own units.
 */
import type { BountySpec } from "../../core/spec.js";
import type { RegressionSplit } from "../data.js";
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

export const REGRESSION_DEFAULTS = { epochs: 20, batchSize: 64, learningRate: 0.05 };

export interface LinearRegression extends TrainedModel {
  model: AffineModel;
}

/**
 * Trains a linear regression on `train` for `spec` (a regression spec). The
 * reported loss is the train MSE in the targets' units (mean over examples and
 * output dims), comparable with the `mse` metric.
 */
export async function trainRegressor(
  spec: BountySpec,
  train: RegressionSplit,
  options: TrainerOptions,
): Promise<LinearRegression> {
  const { count, numFeatures: F, outputDim: D } = train;
  if (count === 0) throw new Error("the train split is empty");
  const rng = createRng(options.seed);
  const inStats = columnStats(train.features, F);
  const outStats = columnStats(train.targets, D);
  const x = standardize(train.features, inStats);
  const y = standardize(train.targets, outStats);
  const weights = Float64Array.from({ length: F * D }, () => rng.normal() * 0.01);
  const bias = new Float64Array(D);
  const gradW = new Float64Array(F * D);
  const gradB = new Float64Array(D);
  const optimizer = new Adam([weights, bias], REGRESSION_DEFAULTS.learningRate);
  const { batchSize } = REGRESSION_DEFAULTS;
  const order = Array.from({ length: count }, (_, i) => i);
  const batches = Math.ceil(count / batchSize);

  const step = (_epoch: number, batch: number) => {
    if (batch === 0) rng.shuffle(order);
    gradW.fill(0);
    gradB.fill(0);
    const rows = order.slice(batch * batchSize, (batch + 1) * batchSize);
    let loss = 0;
    for (const row of rows) {
      for (let d = 0; d < D; d++) {
        let z = bias[d] as number;
        for (let f = 0; f < F; f++) z += (x[row * F + f] as number) * (weights[f * D + d] as number);
        const residual = z - (y[row * D + d] as number);
        const unitResidual = residual * (outStats.std[d] as number);
        loss += (unitResidual * unitResidual) / D;
        // d/dz of the mean over the batch and dims of residual².
        const g = (2 * residual) / (rows.length * D);
        gradB[d] = (gradB[d] as number) + g;
        for (let f = 0; f < F; f++)
          gradW[f * D + d] = (gradW[f * D + d] as number) + (x[row * F + f] as number) * g;
      }
    }
    optimizer.step([gradW, gradB]);
    return { loss, count: rows.length };
  };

  const losses = await runEpochs({
    epochs: options.epochs ?? REGRESSION_DEFAULTS.epochs,
    batches,
    step,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  const model = foldStandardization(weights, bias, inStats, outStats);
  return {
    model,
    losses,
    forward: (input, dims) => {
      if (!(input instanceof Float32Array)) throw new Error("the regressor takes float32 features");
      return affineForward(model, input, dims);
    },
    toOnnx: () =>
      affineToOnnx(model, spec, {
        "crowdtrain.trainer": "regression/linear",
        "crowdtrain.seed": String(options.seed),
      }),
  };
}
