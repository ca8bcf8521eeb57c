/**
 * Static validation of an ONNX checkpoint against its bounty spec, before the
 * evaluator runs it: size caps, a protobuf that is a model, allowed opsets and
 * ops (deterministic standard ops only, no control flow, no custom domains or
 * model-local functions), no subgraphs, no external data, bounded initializers,
 * and the spec's interface (see lib/spec.ts for the conventions).
 *
 * It cannot bound what a model allocates at run time (an Expand to a huge shape
 * passes): the evaluator still needs its own memory and time limits.
 */
import type { onnx as OnnxTypes } from "onnx-proto";
import type { BountySpec, Dim, Dtype, TensorSpec } from "../../lib/spec.js";
import { decodeModel, type ModelProto, onnx } from "../../ml/onnx.js";

export interface ModelLimits {
  /** Size of the `.onnx` bytes. */
  maxModelBytes: number;
  /** Sum over initializers, sparse initializers and tensor attributes (e.g. Constant) of their in-memory size. */
  maxInitializerBytes: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_MODEL_LIMITS: ModelLimits = { maxModelBytes: 256 * MiB, maxInitializerBytes: 256 * MiB };

/** Operator set domains a checkpoint may import and use: the default ONNX domain, under either name. */
export const ALLOWED_DOMAINS: ReadonlySet<string> = new Set(["", "ai.onnx"]);

/** Default-domain opset versions accepted (onnxruntime-node runs all of them). */
export const OPSET_RANGE = { min: 7, max: 21 } as const;

/**
 * Deterministic standard ops a small model needs. Left out on purpose: random
 * ops (RandomNormal*, RandomUniform*, Multinomial, Bernoulli), control flow
 * (If, Loop, Scan) and anything I/O-like or domain-specific. Dropout is allowed
 * only without its `training_mode` input (so it is the identity).
 */
export const ALLOWED_OPS: ReadonlySet<string> = new Set([
  // Arithmetic and logic
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Neg",
  "Abs",
  "Sqrt",
  "Pow",
  "Exp",
  "Log",
  "Reciprocal",
  "Max",
  "Min",
  "Clip",
  "Sum",
  "Mean",
  "Where",
  "Equal",
  "Less",
  "Greater",
  "Not",
  "And",
  "Or",
  "Cast",
  // Neural network
  "Gemm",
  "MatMul",
  "Conv",
  "ConvTranspose",
  "BatchNormalization",
  "LayerNormalization",
  "Relu",
  "LeakyRelu",
  "Gelu",
  "Sigmoid",
  "Tanh",
  "Softmax",
  "LogSoftmax",
  "Erf",
  "Dropout",
  "Identity",
  "MaxPool",
  "AveragePool",
  "GlobalAveragePool",
  // Shape
  "Reshape",
  "Flatten",
  "Transpose",
  "Squeeze",
  "Unsqueeze",
  "Concat",
  "Split",
  "Slice",
  "Gather",
  "GatherElements",
  "Shape",
  "Expand",
  "Pad",
  "Tile",
  "Range",
  "ConstantOfShape",
  "Constant",
  "Trilu",
  // Reductions
  "ReduceSum",
  "ReduceMean",
  "ReduceMax",
  "ReduceMin",
  "ArgMax",
]);

export type RejectionCode =
  | "not_onnx"
  | "too_large"
  | "opset"
  | "op"
  | "subgraph"
  | "initializers"
  | "external_data"
  | "interface";

/** A checkpoint that must not be run; `code` says which check failed, the message says what to fix. */
export class ModelRejected extends Error {
  override readonly name = "ModelRejected";
  constructor(
    readonly code: RejectionCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ModelSummary {
  bytes: number;
  irVersion: number;
  /** The default-domain opset version. */
  opset: number;
  nodes: number;
  initializerBytes: number;
  /** Op types used, sorted, each once. */
  ops: string[];
}

type Int64 = number | { toString(): string };

/** A protobuf int64 (a number or a Long) as a number; huge values lose precision, which is fine for limits. */
function num(value: Int64 | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === "number" ? value : Number(value.toString());
}

const DataType = onnx.TensorProto.DataType;

/** Bytes per element of each TensorProto data type (the 4-bit types rounded up to 1; strings counted from their data). */
const ITEM_BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.UINT16]: 2,
  [DataType.INT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.STRING]: 0,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
  [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4,
  [DataType.UINT64]: 8,
  [DataType.COMPLEX64]: 8,
  [DataType.COMPLEX128]: 16,
  [DataType.BFLOAT16]: 2,
};
const itemBytes = (dataType: number | null | undefined) => ITEM_BYTES[dataType ?? 0] ?? 1;

const DTYPE_DATA_TYPE: Record<Dtype, number> = {
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  float16: DataType.FLOAT16,
  int8: DataType.INT8,
  uint8: DataType.UINT8,
  int16: DataType.INT16,
  int32: DataType.INT32,
  int64: DataType.INT64,
  bool: DataType.BOOL,
};

function dataTypeName(dataType: number | null | undefined): string {
  const entry = Object.entries(DTYPE_DATA_TYPE).find(([, value]) => value === dataType);
  if (entry) return entry[0];
  return (DataType as unknown as Record<number, string>)[dataType ?? 0] ?? `data type ${dataType}`;
}

function dimsProduct(dims: readonly Int64[] | null | undefined, what: string): number {
  let product = 1;
  for (const dim of dims ?? []) {
    const n = num(dim);
    if (!(n >= 0)) throw new ModelRejected("initializers", `${what} has a negative dim (${n})`);
    product *= n;
  }
  return product;
}

/** In-memory size of a tensor: the largest of what it stores and what its dims declare. */
function tensorBytes(t: OnnxTypes.ITensorProto, what: string): number {
  const stored = Math.max(
    t.rawData?.length ?? 0,
    (t.floatData?.length ?? 0) * 4,
    (t.int32Data?.length ?? 0) * 4,
    (t.int64Data?.length ?? 0) * 8,
    (t.doubleData?.length ?? 0) * 8,
    (t.uint64Data?.length ?? 0) * 8,
    (t.stringData ?? []).reduce((sum, s) => sum + s.length, 0),
  );
  return Math.max(stored, dimsProduct(t.dims, what) * itemBytes(t.dataType));
}

/** A sparse tensor becomes dense when loaded: count its dense size too. */
function sparseBytes(t: OnnxTypes.ISparseTensorProto, what: string): number {
  const values = t.values ? tensorBytes(t.values, `${what} (values)`) : 0;
  const indices = t.indices ? tensorBytes(t.indices, `${what} (indices)`) : 0;
  const dense = dimsProduct(t.dims, what) * itemBytes(t.values?.dataType);
  return Math.max(values + indices, dense);
}

const nameOf = (t: { name?: string | null }) => JSON.stringify(t.name ?? "");

interface Constant {
  what: string;
  dense?: OnnxTypes.ITensorProto;
  sparse?: OnnxTypes.ISparseTensorProto;
}

/** Every constant tensor of the graph: initializers, sparse initializers and tensor attributes (Constant's value...). */
function constantsOf(graph: OnnxTypes.IGraphProto): Constant[] {
  const out: Constant[] = [];
  for (const t of graph.initializer ?? []) out.push({ what: `initializer ${nameOf(t)}`, dense: t });
  for (const t of graph.sparseInitializer ?? []) {
    out.push({ what: `sparse initializer ${nameOf(t.values ?? {})}`, sparse: t });
  }
  for (const n of graph.node ?? []) {
    for (const attr of n.attribute ?? []) {
      const what = `attribute ${nameOf(attr)} of node ${nameOf(n)}`;
      if (attr.t) out.push({ what, dense: attr.t });
      for (const t of attr.tensors ?? []) out.push({ what, dense: t });
      if (attr.sparseTensor) out.push({ what, sparse: attr.sparseTensor });
      for (const t of attr.sparseTensors ?? []) out.push({ what, sparse: t });
    }
  }
  return out;
}

function isExternal(t: OnnxTypes.ITensorProto | null | undefined): boolean {
  return t?.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t?.externalData?.length ?? 0) > 0;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MiB) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

function checkOpsets(model: ModelProto): number {
  let opset: number | undefined;
  for (const entry of model.opsetImport ?? []) {
    const domain = entry.domain ?? "";
    const version = num(entry.version);
    if (!ALLOWED_DOMAINS.has(domain)) {
      throw new ModelRejected(
        "opset",
        `the model imports operator set domain ${JSON.stringify(domain)}; only the default ONNX domain ("" or "ai.onnx") is allowed`,
      );
    }
    if (version < OPSET_RANGE.min || version > OPSET_RANGE.max) {
      throw new ModelRejected(
        "opset",
        `the model imports default-domain opset ${version}; supported opsets are ${OPSET_RANGE.min} to ${OPSET_RANGE.max}`,
      );
    }
    opset = version;
  }
  if (opset === undefined) {
    throw new ModelRejected("opset", "the model imports no default-domain opset (opset_import is empty)");
  }
  return opset;
}

function checkOps(nodes: readonly OnnxTypes.INodeProto[]): void {
  for (const n of nodes) {
    const domain = n.domain ?? "";
    const op = n.opType ?? "";
    const where = `node ${nameOf(n)}`;
    if (!ALLOWED_DOMAINS.has(domain)) {
      throw new ModelRejected(
        "op",
        `${where} uses op ${JSON.stringify(op)} of domain ${JSON.stringify(domain)}; only standard ONNX ops are allowed`,
      );
    }
    if (!ALLOWED_OPS.has(op)) {
      throw new ModelRejected(
        "op",
        `${where} uses op ${JSON.stringify(op)}, which is not allowed (random ops, control flow and ops outside the allow-list are refused)`,
      );
    }
    // Dropout's third input, training_mode, would make it random.
    if (op === "Dropout" && (n.input?.[2] ?? "") !== "") {
      throw new ModelRejected(
        "op",
        `${where} is a Dropout with a training_mode input; only inference Dropout is allowed`,
      );
    }
  }
}

function checkSubgraphs(nodes: readonly OnnxTypes.INodeProto[]): void {
  const T = onnx.AttributeProto.AttributeType;
  for (const n of nodes) {
    for (const attr of n.attribute ?? []) {
      if (attr.type === T.GRAPH || attr.type === T.GRAPHS || attr.g || (attr.graphs?.length ?? 0) > 0) {
        throw new ModelRejected(
          "subgraph",
          `node ${nameOf(n)} (${n.opType}) has a graph attribute ${nameOf(attr)}; subgraphs are not allowed`,
        );
      }
    }
  }
}

function checkConstants(graph: OnnxTypes.IGraphProto): number {
  const constants = constantsOf(graph);
  for (const { what, dense, sparse } of constants) {
    if (isExternal(dense) || isExternal(sparse?.values) || isExternal(sparse?.indices)) {
      throw new ModelRejected(
        "external_data",
        `${what} keeps its data in an external file; a checkpoint must be a single self-contained .onnx file`,
      );
    }
  }
  let total = 0;
  for (const { what, dense, sparse } of constants) {
    total += dense ? tensorBytes(dense, what) : sparse ? sparseBytes(sparse, what) : 0;
  }
  // List attributes too (Constant's value_floats / value_ints).
  for (const n of graph.node ?? []) {
    for (const attr of n.attribute ?? [])
      total += (attr.floats?.length ?? 0) * 4 + (attr.ints?.length ?? 0) * 8;
  }
  return total;
}

function describeDim(dim: OnnxTypes.TensorShapeProto.IDimension): string {
  if (dim.dimValue !== null && dim.dimValue !== undefined) return String(num(dim.dimValue));
  if (dim.dimParam) return JSON.stringify(dim.dimParam);
  return "unknown";
}

function checkTensor(side: "input" | "output", expected: TensorSpec, got: OnnxTypes.IValueInfoProto): void {
  const where = `${side} ${JSON.stringify(expected.name)}`;
  const tensorType = got.type?.tensorType;
  if (!tensorType) {
    throw new ModelRejected(
      "interface",
      `${where} is not a tensor; the spec expects a ${expected.dtype} tensor`,
    );
  }
  if (tensorType.elemType !== DTYPE_DATA_TYPE[expected.dtype]) {
    throw new ModelRejected(
      "interface",
      `${where} has element type ${dataTypeName(tensorType.elemType)}; the spec expects ${expected.dtype}`,
    );
  }
  const expectedShape = `[${expected.shape.join(", ")}]`;
  if (!tensorType.shape) {
    throw new ModelRejected(
      "interface",
      `${where} has no shape; the spec expects rank ${expected.shape.length}, ${expectedShape}`,
    );
  }
  const dims = tensorType.shape.dim ?? [];
  const gotShape = `[${dims.map(describeDim).join(", ")}]`;
  if (dims.length !== expected.shape.length) {
    throw new ModelRejected(
      "interface",
      `${where} has rank ${dims.length} ${gotShape}; the spec expects rank ${expected.shape.length} ${expectedShape}`,
    );
  }
  expected.shape.forEach((want: Dim, i) => {
    const dim = dims[i] ?? {};
    if (dim.dimValue === null || dim.dimValue === undefined) return; // symbolic or unknown fits any spec dim
    const value = num(dim.dimValue);
    if (typeof want === "string") {
      throw new ModelRejected(
        "interface",
        `${where} dim ${i}: the spec's dim is symbolic (${JSON.stringify(want)}), the model fixes it to ${value}; ` +
          `it must be symbolic (a fixed ${want} size would break batching)`,
      );
    }
    if (value !== want) {
      throw new ModelRejected("interface", `${where} dim ${i}: expected ${want}, got ${value}`);
    }
  });
}

function checkSide(
  side: "input" | "output",
  expected: readonly TensorSpec[],
  got: readonly OnnxTypes.IValueInfoProto[],
): void {
  const wanted = expected.map((t) => t.name);
  const names = got.map((v) => v.name ?? "");
  const sameNames =
    names.length === wanted.length &&
    new Set(names).size === names.length &&
    wanted.every((n) => names.includes(n));
  if (!sameNames) {
    throw new ModelRejected(
      "interface",
      `the model's ${side}s are ${JSON.stringify(names)}; the spec expects ${JSON.stringify(wanted)}`,
    );
  }
  for (const tensor of expected) {
    checkTensor(side, tensor, got.find((v) => v.name === tensor.name) ?? {});
  }
}

/**
 * Checks `bytes` against `spec` and `limits` without running it, in this
 * order: size, protobuf decode, model shape, opsets, ops, subgraphs, external
 * data, initializer size, interface. Throws `ModelRejected` on the first
 * failure; returns a summary otherwise.
 */
export function validateModel(
  bytes: Uint8Array,
  spec: BountySpec,
  limits: ModelLimits = DEFAULT_MODEL_LIMITS,
): ModelSummary {
  // Size, before spending time decoding.
  if (bytes.length > limits.maxModelBytes) {
    throw new ModelRejected(
      "too_large",
      `the model is ${formatBytes(bytes.length)} (${bytes.length} bytes); the cap is ${formatBytes(limits.maxModelBytes)} (${limits.maxModelBytes} bytes)`,
    );
  }

  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModelRejected(
      "not_onnx",
      `the file is not an ONNX model, or is truncated or corrupt (protobuf decode failed: ${reason})`,
    );
  }
  const irVersion = num(model.irVersion);
  const graph = model.graph;
  if (!(irVersion > 0) || !graph || (graph.node?.length ?? 0) === 0 || (graph.output?.length ?? 0) === 0) {
    throw new ModelRejected(
      "not_onnx",
      "the file is not an ONNX model, or is truncated or corrupt: it decodes but has no IR version, no graph, " +
        "no nodes or no outputs",
    );
  }

  const opset = checkOpsets(model);

  if ((model.functions?.length ?? 0) > 0) {
    const names = (model.functions ?? []).map((f) => f.name ?? "").join(", ");
    throw new ModelRejected(
      "op",
      `the model defines local functions (${names}); only standard ONNX ops are allowed`,
    );
  }
  const nodes = graph.node ?? [];
  checkOps(nodes);
  checkSubgraphs(nodes);

  const initializerBytes = checkConstants(graph);
  if (initializerBytes > limits.maxInitializerBytes) {
    throw new ModelRejected(
      "initializers",
      `the model's initializers hold ${formatBytes(initializerBytes)} (${initializerBytes} bytes); ` +
        `the cap is ${formatBytes(limits.maxInitializerBytes)} (${limits.maxInitializerBytes} bytes)`,
    );
  }

  // Interface: graph inputs that are initializers are constants with overridable defaults, not inputs.
  const constants = new Set([
    ...(graph.initializer ?? []).map((t) => t.name ?? ""),
    ...(graph.sparseInitializer ?? []).map((t) => t.values?.name ?? ""),
  ]);
  const inputs = (graph.input ?? []).filter((v) => !constants.has(v.name ?? ""));
  checkSide("input", spec.interface.inputs, inputs);
  checkSide("output", spec.interface.outputs, graph.output ?? []);

  return {
    bytes: bytes.length,
    irVersion,
    opset,
    nodes: nodes.length,
    initializerBytes,
    ops: [...new Set(nodes.map((n) => n.opType ?? ""))].sort(),
  };
}
