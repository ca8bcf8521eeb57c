import type { onnx as OnnxTypes } from "onnx-proto";
import { describe, expect, it } from "vitest";
import { blobsClassifierSpec, hindiGptSpec, linearRegressionSpec } from "../../core/spec.examples.js";
import type { BountySpec } from "../../core/spec.js";
import { decodeModel, encodeModel, type ModelProto, node, onnx, tensor, valueInfo } from "../../ml/onnx.js";
import * as ort from "../../ml/ort.js";
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
      fixed: {},
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

  it("a fixed batch dim (as a plain torch.onnx.export writes), reported for the evaluator", () => {
    const fixedBatch = edited((model) => {
      graphOf(model).input = [valueInfo("features", "float32", [1, 8])];
      graphOf(model).output = [valueInfo("logits", "float32", [1, 4])];
    });
    expect(validateModel(fixedBatch, spec).fixed).toEqual({ batch: 1 });
    const inputOnly = edited((model) => {
      graphOf(model).input = [valueInfo("features", "float32", [8, 8])];
    });
    expect(validateModel(inputOnly, spec).fixed).toEqual({ batch: 8 });
  });

  it("no random op and no loop in the allow-list; If is the one op with subgraphs", () => {
    expect(ALLOWED_OPS.has("If")).toBe(true);
    for (const op of ["Loop", "Scan", "RandomNormal", "RandomUniformLike", "Multinomial", "Bernoulli"]) {
      expect(ALLOWED_OPS.has(op)).toBe(false);
    }
  });
});

describe("validateModel rejects", () => {
  it("not_onnx: text, a truncated model, empty bytes, a protobuf without a graph", () => {
    expectRejected(notOnnx(), "not_onnx", /not an ONNX model, or is truncated or corrupt \(model: .+\)/);
    expectRejected(truncated(validClassifier(spec)), "not_onnx", /truncated or corrupt \(model\.graph.+\)/);
    expectRejected(new Uint8Array(0), "not_onnx", /the file is empty/);
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

  it("op, nondeterministic, function: a random op, a custom-domain node, a loop, Dropout in training mode, local functions", () => {
    expectRejected(
      disallowedOp(spec),
      "nondeterministic",
      /uses the random op "RandomNormalLike"; a model's outputs must not depend on chance/,
    );
    const customDomain = edited((model) => {
      const gemm = graphOf(model).node[0];
      if (gemm) gemm.domain = "com.microsoft";
    });
    expectRejected(customDomain, "op", /op "Gemm" of domain "com\.microsoft"/);
    const loop = edited((model) => {
      graphOf(model).node.push({ ...node("Loop", ["", "cond"], ["unused"]), attribute: [] });
    });
    expectRejected(loop, "op", /op "Loop", which is not allowed/);
    const dropout = edited((model) => {
      graphOf(model).node.push(node("Dropout", ["logits", "", "training"], ["dropped"]));
    });
    expectRejected(dropout, "nondeterministic", /Dropout with a training_mode input/);
    const functions = edited((model) => {
      model.functions = [
        {
          name: "MyGemm",
          domain: "local",
          node: [node("RandomUniform", [], ["r"]), node("Gemm", ["a", "b"], ["c"])],
        },
      ];
    });
    expectRejected(
      functions,
      "function",
      /local functions \(local:MyGemm\).*Inside them: function "MyGemm": node "RandomUniform_r" uses the random op "RandomUniform"/,
    );
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

    // 2^27 float32 declared by dims, none stored (onnxruntime would drop it unused, or fill it):
    // a tensor must store exactly the values its dims declare. So must a string tensor.
    const declared = edited((model) => {
      graphOf(model).initializer.push({
        name: "lazy",
        dims: [2 ** 27],
        dataType: onnx.TensorProto.DataType.FLOAT,
      });
    });
    expectRejected(
      declared,
      "initializers",
      /initializer "lazy" declares 134217728 values \(dims \[134217728\]\) but stores 0/,
    );
    const strings = edited((model) => {
      graphOf(model).initializer.push({
        name: "names",
        dims: [1e9],
        dataType: onnx.TensorProto.DataType.STRING,
      });
    });
    expectRejected(strings, "initializers", /initializer "names" declares 1000000000 values/);

    const typed = edited((model) => {
      graphOf(model).initializer.push({
        name: "ids",
        dims: [1000],
        dataType: onnx.TensorProto.DataType.INT64,
        int64Data: new Array(1000).fill(1),
      });
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

  it("interface: batch dims that disagree, a wrong rank, an extra input, a renamed output, a missing shape", () => {
    const disagree = edited((model) => {
      graphOf(model).input = [valueInfo("features", "float32", [1, 8])];
      graphOf(model).output = [valueInfo("logits", "float32", [2, 4])];
    });
    expectRejected(
      disagree,
      "interface",
      /output "logits" dim 0 \(batch\) is fixed at 2, but the input's is 1/,
    );
    const outputOnly = edited((model) => {
      graphOf(model).output = [valueInfo("logits", "float32", [1, 4])];
    });
    expectRejected(
      outputOnly,
      "interface",
      /output "logits" dim 0 \(batch\) is fixed at 1, but the input's is symbolic/,
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

/** A protobuf field: its tag (number, wire type 2) and a length-delimited payload. */
function lengthField(number: number, payload: Uint8Array): Uint8Array {
  const out: number[] = [];
  const varint = (v: number) => {
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
  };
  varint(number * 8 + 2);
  varint(payload.length);
  return Uint8Array.from([...out, ...payload]);
}

const join = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe("validateModel refuses encodings two decoders read differently (one file, one model)", () => {
  const valid = validClassifier(spec);

  it("a second graph field: protobufjs keeps the last, onnxruntime merges both", () => {
    const evil = onnx.GraphProto.encode({ node: [node("RandomNormal", [], ["noise"])] }).finish();
    const twoGraphs = join(valid, lengthField(7, evil));
    expectRejected(twoGraphs, "non_canonical", /model\.graph appears more than once; it is a singular field/);
  });

  it("a repeated singular field deep inside (a node's op_type twice)", () => {
    const model = decodeModel(valid);
    const gemm = onnx.NodeProto.encode(graphOf(model).node[0] as OnnxTypes.NodeProto).finish();
    const doubled = join(gemm, lengthField(4, new TextEncoder().encode("RandomNormal")));
    graphOf(model).node = [];
    const graph = join(onnx.GraphProto.encode(graphOf(model)).finish(), lengthField(1, doubled));
    model.graph = null;
    const evil = join(encodeModel(model), lengthField(7, graph));
    expectRejected(evil, "non_canonical", /model\.graph\.node\[0\]\.op_type appears more than once/);
  });

  it("an unknown field, an undefined enum value, invalid UTF-8, both members of a oneof", () => {
    expectRejected(join(valid, lengthField(99, new Uint8Array(4))), "non_canonical", /field number 99/);

    const badEnum = edited((model) => {
      const weights = graphOf(model).initializer[0];
      if (weights) weights.dataLocation = 7 as OnnxTypes.TensorProto.DataLocation;
    });
    expectRejected(badEnum, "non_canonical", /data_location is 7, not a value its enum defines/);

    const model = decodeModel(valid);
    model.producerName = "\u00e9";
    const utf8 = encodeModel(model);
    const at = utf8.indexOf(0xc3);
    utf8[at] = 0xff;
    expectRejected(utf8, "non_canonical", /model\.producer_name is not valid UTF-8/);

    const oneof = edited((m) => {
      const dim = graphOf(m).input[0]?.type?.tensorType?.shape?.dim?.[0];
      if (dim) {
        dim.dimValue = 1;
        dim.dimParam = "batch";
      }
    });
    expectRejected(oneof, "non_canonical", /sets both dim_value and dim_param of one oneof/);
  });

  it("too_complex: more nodes than the limit (counted before decoding), or nesting too deep", () => {
    const empty = lengthField(1, new Uint8Array(0)); // an empty NodeProto
    const manyNodes = new Uint8Array(empty.length * 1000);
    for (let i = 0; i < 1000; i++) manyNodes.set(empty, i * empty.length);
    const bytes = lengthField(7, manyNodes);
    const error = rejection(bytes, { ...GENEROUS, wire: { maxNodes: 999, maxItems: 1e6, maxDepth: 48 } });
    expect(error.code).toBe("too_complex");
    expect(error.message).toMatch(/more than 999 nodes/);
    // Value infos (or any message, repeated value or string) count too: a decoder allocates for each.
    const emptyInput = lengthField(11, new Uint8Array(0));
    const manyInputs = new Uint8Array(emptyInput.length * 1000);
    for (let i = 0; i < 1000; i++) manyInputs.set(emptyInput, i * emptyInput.length);
    const items = rejection(lengthField(7, manyInputs), {
      ...GENEROUS,
      wire: { maxNodes: 999, maxItems: 999, maxDepth: 48 },
    });
    expect(items.code).toBe("too_complex");
    expect(items.message).toMatch(/more than 999 messages, repeated values and strings/);
  });

  it("repeated scalars pass packed (protobufjs) or unpacked (C++ protobuf, as torch.onnx.export writes)", () => {
    const model = decodeModel(valid);
    const weights = graphOf(model).initializer[0] as OnnxTypes.TensorProto;
    expect(weights.dims.length).toBe(2);
    // The initializer again, its dims as two unpacked varint fields (tag 1, wire type 0).
    const rest = onnx.TensorProto.encode({ ...weights, dims: [] }).finish();
    const unpacked = join(Uint8Array.from([8, Number(weights.dims[0]), 8, Number(weights.dims[1])]), rest);
    graphOf(model).initializer = graphOf(model).initializer.slice(1);
    const graph = join(onnx.GraphProto.encode(graphOf(model)).finish(), lengthField(5, unpacked));
    model.graph = null;
    const bytes = join(encodeModel(model), lengthField(7, graph));
    expect(validateModel(bytes, spec).initializerBytes).toBe((8 * 4 + 4) * 4);
  });
});

describe("validateModel checks every depth: If branches", () => {
  const T = onnx.AttributeProto.AttributeType;
  const withBranch = (branch: OnnxTypes.IGraphProto) =>
    edited((model) => {
      graphOf(model).node.push({
        ...node("If", ["cond"], ["chosen"]),
        attribute: [
          { name: "then_branch", type: T.GRAPH, g: branch },
          {
            name: "else_branch",
            type: T.GRAPH,
            g: { name: "else", node: [node("Identity", ["logits"], ["y"])] },
          },
        ],
      });
    });

  it("accepts an If whose branches use allowed ops, and counts their nodes and ops", () => {
    const summary = validateModel(
      withBranch({ name: "then", node: [node("Relu", ["logits"], ["y"])] }),
      spec,
    );
    expect(summary.nodes).toBe(4);
    expect(summary.ops).toEqual(["Gemm", "Identity", "If", "Relu"]);
  });

  it("refuses a random op, a forbidden op or external data inside a branch, naming the path", () => {
    expectRejected(
      withBranch({ name: "then", node: [node("RandomUniform", [], ["y"])] }),
      "nondeterministic",
      /"then_branch" of node "If_chosen": node "RandomUniform_y" uses the random op/,
    );
    const nested = withBranch({
      name: "then",
      node: [
        {
          ...node("If", ["cond"], ["inner"]),
          attribute: [
            { name: "then_branch", type: T.GRAPH, g: { name: "deep", node: [node("Loop", [], ["y"])] } },
          ],
        },
      ],
    });
    expectRejected(nested, "op", /"then_branch" of node "If_inner": node "Loop_y" uses op "Loop"/);
    const external = withBranch({
      name: "then",
      node: [node("Identity", ["w"], ["y"])],
      initializer: [
        {
          name: "w",
          dims: [4],
          dataType: onnx.TensorProto.DataType.FLOAT,
          dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: [{ key: "location", value: "/proc/self/fd/5" }],
        },
      ],
    });
    expectRejected(
      external,
      "external_data",
      /"then_branch" of node "If_chosen": initializer "w" keeps its data/,
    );
  });

  it("refuses a graph attribute on any op but If, and training_info graphs", () => {
    const onRelu = edited((model) => {
      graphOf(model).node.push({
        ...node("Relu", ["logits"], ["r"]),
        attribute: [{ name: "then_branch", type: T.GRAPH, g: { name: "x" } }],
      });
    });
    expectRejected(onRelu, "subgraph", /only If's then_branch and else_branch may hold a graph/);
    const training = edited((model) => {
      model.trainingInfo = [{ algorithm: { name: "step", node: [node("Identity", ["a"], ["b"])] } }];
    });
    expectRejected(training, "subgraph", /training_info graphs/);
  });
});

describe("validateModel refuses varints protobufjs reads out of step", () => {
  /** A valid classifier whose first initializer's data_type (field 2, an int32) is written as `varint`. */
  function withDataType(varint: number[]): Uint8Array {
    const model = decodeModel(validClassifier(spec));
    const weights = graphOf(model).initializer[0] as OnnxTypes.TensorProto;
    const rest = onnx.TensorProto.encode({ ...weights, dataType: undefined }).finish();
    graphOf(model).initializer = graphOf(model).initializer.slice(1);
    const graph = join(
      onnx.GraphProto.encode(graphOf(model)).finish(),
      lengthField(5, join(rest, Uint8Array.from([0x10, ...varint]))),
    );
    model.graph = null;
    return join(encodeModel(model), lengthField(7, graph));
  }

  it("accepts the minimal encoding (FLOAT = 1 in one byte)", () => {
    expect(validateModel(withDataType([1]), spec).initializerBytes).toBe((8 * 4 + 4) * 4);
  });

  it("refuses a padded varint (1 as 0x81 0x80 0x80 0x00) and a 7-byte varint in an int32 field", () => {
    expectRejected(
      withDataType([0x81, 0x80, 0x80, 0x00]),
      "non_canonical",
      /data_type: a varint is padded with zero bytes/,
    );
    expectRejected(
      withDataType([0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
      "non_canonical",
      /data_type: a 7-byte varint where a 32-bit value is read/,
    );
  });
});
