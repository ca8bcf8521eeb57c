/**
 * An affine map y = x W + b, the exported form of both the softmax-regression
 * classifier (y = logits) and the linear regressor: the feature (and target)
 * standardization used while training is folded into W and b, so the ONNX
 * model is a single Gemm on raw features.
 */
import { type BountySpec, specHash } from "../../core/spec.js";
import { buildModel, encodeModel, node, tensor, valueInfo } from "../onnx.js";
import { batchOf } from "./common.js";

export interface AffineModel {
  numFeatures: number;
  numOutputs: number;
  /** [numFeatures, numOutputs], row-major. */
  weights: Float32Array;
  /** [numOutputs]. */
  bias: Float32Array;
}

/** Per-column mean and standard deviation (1 for a constant column) of rows `width` wide. */
export function columnStats(data: Float32Array, width: number): { mean: Float64Array; std: Float64Array } {
  const count = data.length / width;
  const mean = new Float64Array(width);
  const std = new Float64Array(width);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < width; c++) mean[c] = (mean[c] as number) + (data[i * width + c] as number) / count;
  }
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < width; c++) {
      const d = (data[i * width + c] as number) - (mean[c] as number);
      std[c] = (std[c] as number) + (d * d) / count;
    }
  }
  for (let c = 0; c < width; c++) {
    const s = Math.sqrt(std[c] as number);
    std[c] = s > 1e-12 ? s : 1;
  }
  return { mean, std };
}

/** (data - mean) / std per column, as float64. */
export function standardize(
  data: Float32Array,
  stats: { mean: Float64Array; std: Float64Array },
): Float64Array {
  const width = stats.mean.length;
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = i % width;
    out[i] = ((data[i] as number) - (stats.mean[c] as number)) / (stats.std[c] as number);
  }
  return out;
}

/**
 * The affine map on raw features equal to `((x - mean) / std) W + b` on
 * standardized ones, optionally followed by `y * outStd + outMean`.
 */
export function foldStandardization(
  weights: Float64Array,
  bias: Float64Array,
  inStats: { mean: Float64Array; std: Float64Array },
  outStats?: { mean: Float64Array; std: Float64Array },
): AffineModel {
  const numFeatures = inStats.mean.length;
  const numOutputs = bias.length;
  const w = new Float32Array(numFeatures * numOutputs);
  const b = new Float32Array(numOutputs);
  for (let o = 0; o < numOutputs; o++) {
    const scale = outStats ? (outStats.std[o] as number) : 1;
    let shift = bias[o] as number;
    for (let f = 0; f < numFeatures; f++) {
      const wf = (weights[f * numOutputs + o] as number) / (inStats.std[f] as number);
      w[f * numOutputs + o] = wf * scale;
      shift -= (inStats.mean[f] as number) * wf;
    }
    b[o] = shift * scale + (outStats ? (outStats.mean[o] as number) : 0);
  }
  return { numFeatures, numOutputs, weights: w, bias: b };
}

/** x W + b for `input` laid out [batch, numFeatures]; the result is [batch, numOutputs]. */
export function affineForward(
  model: AffineModel,
  input: Float32Array,
  dims: readonly number[],
): Float32Array {
  const { numFeatures: F, numOutputs: O, weights, bias } = model;
  const batch = batchOf(input, dims, F, "the affine model");
  const out = new Float32Array(batch * O);
  for (let i = 0; i < batch; i++) {
    for (let o = 0; o < O; o++) {
      let y = bias[o] as number;
      for (let f = 0; f < F; f++) y += (input[i * F + f] as number) * (weights[f * O + o] as number);
      out[i * O + o] = y;
    }
  }
  return out;
}

/** The ONNX model: one Gemm from the spec's input [batch, F] to its output [batch, O]. */
export function affineToOnnx(
  model: AffineModel,
  spec: BountySpec,
  metadata: Record<string, string>,
): Uint8Array {
  const input = spec.interface.inputs[0];
  const output = spec.interface.outputs[0];
  if (!input || !output) throw new Error("the spec's interface needs one input and one output");
  return encodeModel(
    buildModel({
      graphName: `crowdtrain_${spec.task.type}`,
      inputs: [valueInfo(input.name, "float32", input.shape)],
      outputs: [valueInfo(output.name, "float32", output.shape)],
      initializers: [
        tensor("weights", [model.numFeatures, model.numOutputs], model.weights),
        tensor("bias", [model.numOutputs], model.bias),
      ],
      nodes: [node("Gemm", [input.name, "weights", "bias"], [output.name])],
      metadata: { ...metadata, "crowdtrain.spec_hash": specHash(spec) },
    }),
  );
}
