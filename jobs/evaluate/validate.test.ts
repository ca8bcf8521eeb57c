import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { blobsClassifierSpec, hindiGptSpec, linearRegressionSpec } from "../../lib/spec.examples.js";
import type { BountySpec } from "../../lib/spec.js";
import { decodeModel, encodeModel, type ModelProto, node, onnx, tensor, valueInfo } from "../../ml/onnx.js";
import { trainReference } from "../../ml/train.js";
import {
  disallowedOp,
  hugeInitializers,
  memoryHog,
  nanOutput,
  notOnnx,
  truncated,
  validClassifier,
  wrongInputDtype,
  wrongInputName,
  wrongInputShape,
} from "../../test/setup/checkpoints.js";
import {
  ALLOWED_OPS,
  DEFAULT_MODEL_LIMITS,
  ModelRejected,
  type RejectionCode,
  validateModel,
} from "./validate.js";

const spec: BountySpec = blobsClassifierSpec;
const GENEROUS = DEFAULT_MODEL_LIMITS;

/** The rejection `validateModel` throws; fails the test when it accepts the model. */
function rejection(bytes: Uint8Array, limits = GENEROUS, forSpec: BountySpec = spec): ModelRejected {
  try {
    validateModel(bytes, forSpec, limits);
  } catch (error) {
    if (error instanceof ModelRejected) return error;
    throw error;
  }
  throw new Error("validateModel accepted the model");
}

function expectRejected(bytes: Uint8Array, code: RejectionCode, message: RegExp, forSpec = spec) {
  const error = rejection(bytes, GENEROUS, forSpec);
  expect({ code: error.code, message: error.message }).toEqual({
    code,
    message: expect.stringMatching(message),
  });
}

/** A valid classifier edited by `edit`, re-encoded. */
function edited(edit: (model: ModelProto) => void, bytes = validClassifier(spec)): Uint8Array {
  const model = decodeModel(bytes);
  edit(model);
  return encodeModel(model);
}

/** The decoded graph, with its repeated fields as (never null) arrays. */
function graphOf(model: ModelProto) {
  if (!(model.graph instanceof onnx.GraphProto)) throw new Error("no decoded graph");
  return model.graph;
}

async function run(bytes: Uint8Array, x: Float32Array, batch: number): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(Buffer.from(bytes));
  try {
    const result = await session.run({ features: new ort.Tensor("float32", x, [batch, 8]) });
    const logits = result.logits;
    if (!logits) throw new Error("no logits");
    return logits;
  } finally {
    await session.release();
  }
}

const x = Float32Array.from({ length: 3 * 8 }, (_, i) => (i % 5) - 2);

describe("validateModel accepts", () => {
  it.each([
    ["classification", blobsClassifierSpec, ["Gemm"]],
    ["regression", linearRegressionSpec, ["Gemm"]],
    ["causal-lm", hindiGptSpec, ["Add", "Gather", "MatMul", "Pad", "Relu", "Slice"]],
  ] as const)("the %s reference model", async (_task, forSpec, ops) => {
    const bytes = await trainReference(forSpec, { epochs: 1 });
    const summary = validateModel(bytes, forSpec);
    expect(summary).toMatchObject({ bytes: bytes.length, irVersion: 8, opset: 17, ops });
    expect(summary.nodes).toBeGreaterThanOrEqual(ops.length);
    expect(summary.initializerBytes).toBeGreaterThan(0);
  });

  it("a Gemm classifier, counting its initializer bytes", () => {
    const bytes = validClassifier(spec);
    expect(validateModel(bytes, spec)).toEqual({
      bytes: bytes.length,
      irVersion: 8,
      opset: 17,
      nodes: 1,
      initializerBytes: (8 * 4 + 4) * 4,
      ops: ["Gemm"],
    });
  });

  it("models that only fail at run time (NaN output, huge Expand)", () => {
    expect(validateModel(nanOutput(spec), spec).ops).toEqual(["Gemm", "Mul"]);
    expect(validateModel(memoryHog(spec, 64), spec).ops).toContain("Expand");
  });

  it("initializers listed as graph inputs, the ai.onnx domain name, and symbolic or unknown dims for fixed ones", () => {
    const bytes = edited((model) => {
      const graph = graphOf(model);
      graph.input.push(valueInfo("weights", "float32", [8, 4]));
      model.opsetImport = [{ domain: "ai.onnx", version: 17 }];
      const dims = graph.output[0]?.type?.tensorType?.shape?.dim ?? [];
      dims[1] = { dimParam: "classes" };
      const inputDims = graph.input[0]?.type?.tensorType?.shape?.dim ?? [];
      inputDims[1] = {};
    });
    expect(validateModel(bytes, spec).opset).toBe(17);
  });

  it("no random op and no control flow in the allow-list", () => {
    for (const op of [
      "If",
      "Loop",
      "Scan",
      "RandomNormal",
      "RandomUniformLike",
      "Multinomial",
      "Bernoulli",
    ]) {
      expect(ALLOWED_OPS.has(op)).toBe(false);
    }
  });
});

describe("validateModel rejects", () => {
  it("not_onnx: text, a truncated model, empty bytes, a protobuf without a graph", () => {
    expectRejected(
      notOnnx(),
      "not_onnx",
      /not an ONNX model, or is truncated or corrupt \(protobuf decode failed: .+\)/,
    );
    expectRejected(truncated(validClassifier(spec)), "not_onnx", /protobuf decode failed: .+/);
    expectRejected(new Uint8Array(0), "not_onnx", /no IR version, no graph/);
    const noGraph = edited((model) => {
      model.graph = null;
    });
    expectRejected(noGraph, "not_onnx", /not an ONNX model/);
  });

  it("too_large: bytes over the model cap, before decoding", () => {
    const error = rejection(notOnnx(), { ...GENEROUS, maxModelBytes: 10 });
    expect(error.code).toBe("too_large");
    expect(error.message).toMatch(/\(\d+ bytes\); the cap is 10 B \(10 bytes\)/);
  });

  it("opset: an opset outside 7..21, another domain, no default-domain import", () => {
    const withOpsets = (opsetImport: { domain: string; version: number }[]) =>
      edited((model) => {
        model.opsetImport = opsetImport;
      });
    expectRejected(
      withOpsets([{ domain: "", version: 6 }]),
      "opset",
      /opset 6; supported opsets are 7 to 21/,
    );
    expectRejected(withOpsets([{ domain: "", version: 22 }]), "opset", /opset 22/);
    expectRejected(
      withOpsets([
        { domain: "", version: 17 },
        { domain: "com.microsoft", version: 1 },
      ]),
      "opset",
      /domain "com\.microsoft"/,
    );
    expectRejected(withOpsets([]), "opset", /no default-domain opset/);
  });

  it("op: a random op, a custom-domain node, control flow, Dropout in training mode, local functions", () => {
    expectRejected(disallowedOp(spec), "op", /op "RandomNormalLike", which is not allowed/);
    const customDomain = edited((model) => {
      const gemm = graphOf(model).node[0];
      if (gemm) gemm.domain = "com.microsoft";
    });
    expectRejected(customDomain, "op", /op "Gemm" of domain "com\.microsoft"/);
    const loop = edited((model) => {
      graphOf(model).node.push({ ...node("If", ["cond"], ["unused"]), attribute: [] });
    });
    expectRejected(loop, "op", /op "If", which is not allowed/);
    const dropout = edited((model) => {
      graphOf(model).node.push(node("Dropout", ["logits", "", "training"], ["dropped"]));
    });
    expectRejected(dropout, "op", /Dropout with a training_mode input/);
    const functions = edited((model) => {
      model.functions = [{ name: "MyGemm", domain: "local", node: [node("Gemm", ["a", "b"], ["c"])] }];
    });
    expectRejected(functions, "op", /local functions \(MyGemm\)/);
  });

  it("subgraph: an allowed op carrying a GRAPH or GRAPHS attribute", () => {
    const T = onnx.AttributeProto.AttributeType;
    const body = { name: "body", node: [node("Identity", ["a"], ["b"])] };
    const withGraph = edited((model) => {
      const gemm = graphOf(model).node[0];
      if (gemm) gemm.attribute = [...(gemm.attribute ?? []), { name: "body", type: T.GRAPH, g: body }];
    });
    expectRejected(withGraph, "subgraph", /node "Gemm_logits" \(Gemm\) has a graph attribute "body"/);
    const withGraphs = edited((model) => {
      const gemm = graphOf(model).node[0];
      if (gemm)
        gemm.attribute = [...(gemm.attribute ?? []), { name: "branches", type: T.GRAPHS, graphs: [body] }];
    });
    expectRejected(withGraphs, "subgraph", /graph attribute "branches"/);
  });

  it("external_data: an initializer stored in an external file", () => {
    const bytes = edited((model) => {
      const weights = graphOf(model).initializer[0];
      if (!weights) throw new Error("no initializer");
      weights.rawData = new Uint8Array(0);
      weights.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      weights.externalData = [{ key: "location", value: "weights.bin" }];
    });
    expectRejected(bytes, "external_data", /initializer "weights" keeps its data in an external file/);
  });

  it("initializers: more bytes than the cap, stored or only declared, dense, sparse or in a Constant", () => {
    const small = { ...GENEROUS, maxInitializerBytes: 4096 };
    const error = rejection(hugeInitializers(spec, 10_000), small);
    expect(error.code).toBe("initializers");
    expect(error.message).toMatch(/hold 9\.8 KiB \(10000 bytes\); the cap is 4\.0 KiB \(4096 bytes\)/);
    expect(validateModel(hugeInitializers(spec, 4096), spec, small).initializerBytes).toBe(4096);

    // 2^27 float32 declared by dims: 512 MiB once loaded, although the file is tiny.
    const declared = edited((model) => {
      graphOf(model).initializer.push({
        name: "lazy",
        dims: [2 ** 27],
        dataType: onnx.TensorProto.DataType.FLOAT,
      });
    });
    expectRejected(declared, "initializers", /\(536871056 bytes\); the cap is 256\.0 MiB/);

    const typed = edited((model) => {
      graphOf(model).initializer.push({ name: "ids", dims: [1000], int64Data: new Array(1000).fill(1) });
    });
    expect(rejection(typed, small).message).toMatch(/\(8144 bytes\)/);

    const sparse = edited((model) => {
      graphOf(model).sparseInitializer.push({
        values: tensor("sparse", [1], Float32Array.from([1])),
        indices: tensor("sparse_indices", [1], BigInt64Array.from([0n])),
        dims: [1 << 20],
      });
    });
    expect(rejection(sparse, small).message).toMatch(/\(4194448 bytes\)/);

    const constant = edited((model) => {
      const value = tensor("c", [2048], new Float32Array(2048));
      const T = onnx.AttributeProto.AttributeType;
      graphOf(model).node.push({
        ...node("Constant", [], ["c"]),
        attribute: [{ name: "value", type: T.TENSOR, t: value }],
      });
    });
    expect(rejection(constant, small).message).toMatch(/\(8336 bytes\)/);
  });

  it("interface: the input's name, shape or dtype differs from the spec", () => {
    expectRejected(
      wrongInputName(spec),
      "interface",
      /inputs are \["not_features"\]; the spec expects \["features"\]/,
    );
    expectRejected(wrongInputShape(spec), "interface", /input "features" dim 1: expected 8, got 9/);
    expectRejected(
      wrongInputDtype(spec),
      "interface",
      /input "features" has element type float64; the spec expects float32/,
    );
  });

  it("interface: a fixed batch dim, a wrong rank, an extra input, a renamed output, a missing shape", () => {
    const fixedBatch = edited((model) => {
      graphOf(model).input = [valueInfo("features", "float32", [1, 8])];
    });
    expectRejected(
      fixedBatch,
      "interface",
      /input "features" dim 0: the spec's dim is symbolic \("batch"\), the model fixes it to 1/,
    );
    const rank = edited((model) => {
      graphOf(model).output = [valueInfo("logits", "float32", ["batch", 2, 2])];
    });
    expectRejected(
      rank,
      "interface",
      /output "logits" has rank 3 \["batch", 2, 2\]; the spec expects rank 2/,
    );
    const extra = edited((model) => {
      graphOf(model).input.push(valueInfo("mask", "bool", ["batch"]));
    });
    expectRejected(extra, "interface", /inputs are \["features","mask"\]/);
    const renamed = edited((model) => {
      graphOf(model).output = [valueInfo("probs", "float32", ["batch", 4])];
    });
    expectRejected(renamed, "interface", /outputs are \["probs"\]; the spec expects \["logits"\]/);
    const noShape = edited((model) => {
      const type = graphOf(model).output[0]?.type?.tensorType;
      if (type) type.shape = null;
    });
    expectRejected(noShape, "interface", /output "logits" has no shape; the spec expects rank 2/);
  });

  it("interface: a language model with the wrong vocabulary size", async () => {
    const other = { ...hindiGptSpec, interface: { ...hindiGptSpec.interface } };
    other.interface.outputs = [{ name: "logits", dtype: "float32", shape: ["batch", "sequence", 100] }];
    const bytes = await trainReference(hindiGptSpec, { epochs: 1 });
    expectRejected(bytes, "interface", /output "logits" dim 2: expected 100, got 152/, other);
  });
});

describe("test checkpoints in onnxruntime", () => {
  it("validClassifier runs and gives finite logits [batch, 4]", async () => {
    const logits = await run(validClassifier(spec), x, 3);
    expect(logits.dims).toEqual([3, 4]);
    expect(Array.from(logits.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it("nanOutput runs and gives NaN logits", async () => {
    const logits = await run(nanOutput(spec), x, 3);
    expect(logits.dims).toEqual([3, 4]);
    expect(Array.from(logits.data as Float32Array).every(Number.isNaN)).toBe(true);
  });

  it("memoryHog, small, runs and gives the valid classifier's logits", async () => {
    const [hog, valid] = await Promise.all([
      run(memoryHog(spec, 0.05), x, 3),
      run(validClassifier(spec), x, 3),
    ]);
    expect(hog.dims).toEqual([3, 4]);
    expect(Array.from(hog.data as Float32Array)).toEqual(Array.from(valid.data as Float32Array));
  });

  it("the wrong-interface models are otherwise valid and run", async () => {
    for (const bytes of [wrongInputName(spec), wrongInputShape(spec), wrongInputDtype(spec)]) {
      const session = await ort.InferenceSession.create(Buffer.from(bytes));
      await session.release();
    }
  });
});
