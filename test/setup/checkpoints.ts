/**
 * Checkpoints for tests of the evaluator: bad ones (each caught by a specific
 * check of `validateModel` or failing at run time) and a tiny valid one. All
 * are built for an affine-shaped spec (classification or regression: input
 * float32 [batch, numFeatures], output float32 [batch, numOutputs]), such as
 * `blobsClassifierSpec`, and return ONNX bytes.
 */
import type { BountySpec, TensorSpec } from "../../core/spec.js";
import { buildModel, encodeModel, type ModelParts, node, onnx, tensor, valueInfo } from "../../ml/onnx.js";

interface Affine {
  input: TensorSpec;
  output: TensorSpec;
  features: number;
  outputs: number;
}

function affineOf(spec: BountySpec): Affine {
  const input = spec.interface.inputs[0];
  const output = spec.interface.outputs[0];
  if (!input || !output) throw new Error("the spec's interface needs one input and one output");
  switch (spec.task.type) {
    case "classification":
      return { input, output, features: spec.task.numFeatures, outputs: spec.task.numClasses };
    case "regression":
      return { input, output, features: spec.task.numFeatures, outputs: spec.task.outputDim };
    default:
      throw new Error(`checkpoint builders take a classification or regression spec, not ${spec.task.type}`);
  }
}

/** Fixed small weights [features, outputs] and bias [outputs], named "weights" and "bias". */
function affineWeights(features: number, outputs: number) {
  return [
    tensor(
      "weights",
      [features, outputs],
      Float32Array.from({ length: features * outputs }, (_, i) => ((i * 7) % 5) / 10 - 0.2),
    ),
    tensor(
      "bias",
      [outputs],
      Float32Array.from({ length: outputs }, (_, o) => o / 10),
    ),
  ];
}

/** x W + b into `out`, with the spec's interface unless `parts` says otherwise. */
function model(
  a: Affine,
  parts: Partial<ModelParts> & { gemmInput?: string; gemmOutput?: string },
): Uint8Array {
  const gemmInput = parts.gemmInput ?? a.input.name;
  const gemmOutput = parts.gemmOutput ?? a.output.name;
  return encodeModel(
    buildModel({
      graphName: "crowdtrain_test_checkpoint",
      inputs: parts.inputs ?? [valueInfo(a.input.name, "float32", a.input.shape)],
      outputs: parts.outputs ?? [valueInfo(a.output.name, "float32", a.output.shape)],
      initializers: [...affineWeights(a.features, a.outputs), ...(parts.initializers ?? [])],
      nodes: [node("Gemm", [gemmInput, "weights", "bias"], [gemmOutput]), ...(parts.nodes ?? [])],
    }),
  );
}

/** UTF-8 text, not a protobuf model. */
export function notOnnx(): Uint8Array {
  return new TextEncoder().encode("This is not an ONNX model, just a text file named model.onnx.\n");
}

/** The first half of `bytes` (a valid model cut short). */
export function truncated(bytes: Uint8Array): Uint8Array {
  return bytes.slice(0, Math.floor(bytes.length / 2));
}

/** A tiny valid model: one Gemm with fixed small weights. */
export function validClassifier(spec: BountySpec): Uint8Array {
  return model(affineOf(spec), {});
}

/** Valid, except that the input is not named as the spec says. */
export function wrongInputName(spec: BountySpec): Uint8Array {
  const a = affineOf(spec);
  const name = `not_${a.input.name}`;
  return model(a, { inputs: [valueInfo(name, "float32", a.input.shape)], gemmInput: name });
}

/** Valid, except that the input has one feature more than the spec. */
export function wrongInputShape(spec: BountySpec): Uint8Array {
  const a = affineOf(spec);
  const wider = { ...a, features: a.features + 1 };
  const shape = a.input.shape.map((d, i) => (i === a.input.shape.length - 1 ? a.features + 1 : d));
  return model(wider, { inputs: [valueInfo(a.input.name, "float32", shape)] });
}

/** Valid, except that the input is float64 (cast to float32 inside). */
export function wrongInputDtype(spec: BountySpec): Uint8Array {
  const a = affineOf(spec);
  return model(a, {
    inputs: [valueInfo(a.input.name, "float64", a.input.shape)],
    gemmInput: "features_f32",
    nodes: [node("Cast", [a.input.name], ["features_f32"], { to: { int: onnx.TensorProto.DataType.FLOAT } })],
  });
}

/** Passes validation, but every output value is NaN (the Gemm's result times a NaN initializer). */
export function nanOutput(spec: BountySpec): Uint8Array {
  const a = affineOf(spec);
  return model(a, {
    gemmOutput: "gemm_out",
    initializers: [tensor("nan_scale", [a.outputs], new Float32Array(a.outputs).fill(Number.NaN))],
    nodes: [node("Mul", ["gemm_out", "nan_scale"], [a.output.name])],
  });
}

/**
 * A valid model whose initializers total exactly `bytes` (the weights plus an
 * unused uint8 padding tensor). Test the cap with a small `maxInitializerBytes`.
 */
export function hugeInitializers(spec: BountySpec, bytes: number): Uint8Array {
  const a = affineOf(spec);
  const base = (a.features * a.outputs + a.outputs) * 4;
  if (!(Number.isInteger(bytes) && bytes > base)) {
    throw new Error(`hugeInitializers: bytes must be an integer above the weights' ${base} bytes`);
  }
  return model(a, { initializers: [tensor("padding", [bytes - base], new Uint8Array(bytes - base))] });
}

/** Adds RandomNormalLike noise to the logits: an op outside the allow-list (onnxruntime would run it). */
export function disallowedOp(spec: BountySpec): Uint8Array {
  const a = affineOf(spec);
  return model(a, {
    gemmOutput: "gemm_out",
    nodes: [
      node("RandomNormalLike", ["gemm_out"], ["noise"], { scale: { float: 0.001 } }),
      node("Add", ["gemm_out", "noise"], [a.output.name]),
    ],
  });
}

/**
 * Passes validation, but at run time expands a scalar to `gib` GiB of float32
 * zeros, sums them and adds the sum (0) to the logits. The scalar comes from
 * the input's shape so onnxruntime cannot fold it at load: the allocation
 * happens in `run`. Run it only with a small `gib` outside a memory-limited sandbox.
 */
export function memoryHog(spec: BountySpec, gib: number): Uint8Array {
  const a = affineOf(spec);
  const count = Math.max(1, Math.round((gib * 2 ** 30) / 4));
  return model(a, {
    gemmOutput: "gemm_out",
    initializers: [
      tensor("zero", [], Float32Array.from([0])),
      tensor("huge_shape", [1], BigInt64Array.from([BigInt(count)])),
    ],
    nodes: [
      node("Shape", [a.input.name], ["input_shape"]),
      node("ReduceSum", ["input_shape"], ["input_size"], { keepdims: { int: 0 } }),
      node("Cast", ["input_size"], ["input_size_f32"], { to: { int: onnx.TensorProto.DataType.FLOAT } }),
      node("Mul", ["input_size_f32", "zero"], ["fill"]),
      node("Expand", ["fill", "huge_shape"], ["huge"]),
      node("ReduceSum", ["huge"], ["huge_sum"], { keepdims: { int: 0 } }),
      node("Add", ["gemm_out", "huge_sum"], [a.output.name]),
    ],
  });
}
