/**
 * Static validation of an ONNX checkpoint against its bounty spec, before the
 * evaluator runs it: size caps, a canonical encoding (wire.ts: one file, one
 * model, whichever decoder reads it), a protobuf that is a model, allowed
 * opsets and ops at every depth (deterministic standard ops only; `If` is the
 * one op with subgraphs, and its branches are checked like the main graph; no
 * loops, no custom domains, no model-local functions, no training info), no
 * external data in any tensor at any depth, bounded initializers, and the
 * spec's interface (see core/spec.ts for the conventions). A model may fix the
 * batch dim (and a language model the sequence dim) where the spec's is
 * symbolic, as a plain `torch.onnx.export` does: the summary says so and the
 * evaluator feeds it batches of exactly that shape.
 *
 * It runs in the evaluation child (child.ts), never in the worker: decoding a
 * hostile file can exhaust memory. It cannot bound what a model allocates at
 * run time (an Expand to a huge shape passes): the child has memory and time
 * limits for that.
 */
import type { onnx as OnnxTypes } from "onnx-proto";
import type { BountySpec, Dim, Dtype, TensorSpec } from "../../core/spec.js";
import { decodeModel, type ModelProto, onnx } from "../../ml/onnx.js";
import { checkWireFormat, DEFAULT_WIRE_LIMITS, WireError, type WireLimits } from "./wire.js";

export interface ModelLimits {
  /** Size of the `.onnx` bytes. */
  maxModelBytes: number;
  /** Sum over initializers, sparse initializers and tensor attributes (e.g. Constant) of their in-memory size. */
  maxInitializerBytes: number;
  /** Nodes at every depth, and message nesting (wire.ts). */
  wire?: WireLimits;
}

const MiB = 1024 * 1024;
export const DEFAULT_MODEL_LIMITS: ModelLimits = { maxModelBytes: 256 * MiB, maxInitializerBytes: 256 * MiB };

/** Operator set domains a checkpoint may import and use: the default ONNX domain, under either name. */
export const ALLOWED_DOMAINS: ReadonlySet<string> = new Set(["", "ai.onnx"]);

/** Default-domain opset versions accepted (onnxruntime-node runs all of them). */
export const OPSET_RANGE = { min: 7, max: 21 } as const;

/**
 * Deterministic standard ops a small model needs. Left out on purpose: random
 * ops (RANDOM_OPS), loops (Loop, Scan: a loop's trip count is data, a compute
 * bomb) and anything I/O-like or domain-specific. `If` is allowed: its two
 * branches are checked like the main graph, at any depth. Dropout is allowed
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
  // Control flow: branches only
  "If",
  // Reductions
  "ReduceSum",
  "ReduceMean",
  "ReduceMax",
  "ReduceMin",
  "ArgMax",
]);

/** Ops whose output is random: a score must not depend on luck, so a model with one is refused. */
export const RANDOM_OPS: ReadonlySet<string> = new Set([
  "RandomNormal",
  "RandomNormalLike",
  "RandomUniform",
  "RandomUniformLike",
  "Multinomial",
  "Bernoulli",
]);

/** The graph attributes each allowed op with subgraphs may carry. */
const SUBGRAPH_ATTRIBUTES: Record<string, readonly string[]> = { If: ["then_branch", "else_branch"] };

export type RejectionCode =
  | "not_onnx"
  | "non_canonical"
  | "too_large"
  | "too_complex"
  | "opset"
  | "op"
  | "nondeterministic"
  | "function"
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
  /** Op types used at every depth, sorted, each once. */
  ops: string[];
  /**
   * Dims the model fixes where the spec's are symbolic (a plain `torch.onnx.export` fixes the
   * batch dim at 1): the evaluator feeds batches of exactly this size, and pads a language model's
   * sequences to this length (safe for a causal model, which the evaluator checks).
   */
  fixed: { batch?: number; sequence?: number };
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

/**
 * In-memory size of a tensor, once checked that it stores exactly the values its dims declare:
 * onnxruntime silently drops an unused initializer whose data does not fit its dims, so a mismatch
 * would be a tensor nobody sized (e.g. a string tensor declaring 1e9 empty strings).
 */
function tensorBytes(t: OnnxTypes.ITensorProto, what: string): number {
  const declared = dimsProduct(t.dims, what);
  const type = t.dataType ?? 0;
  if (ITEM_BYTES[type] === undefined) {
    throw new ModelRejected(
      "initializers",
      `${what} has data type ${type}, which a checkpoint's constants may not use`,
    );
  }
  const raw = t.rawData?.length ?? 0;
  let stored: number;
  if (raw > 0) {
    if (type === DataType.STRING)
      throw new ModelRejected("initializers", `${what} is a string tensor in raw_data`);
    stored = raw / (ITEM_BYTES[type] as number);
  } else {
    const pairs = type === DataType.COMPLEX64 || type === DataType.COMPLEX128 ? 2 : 1;
    stored =
      ((t.floatData?.length ?? 0) +
        (t.int32Data?.length ?? 0) +
        (t.int64Data?.length ?? 0) +
        (t.doubleData?.length ?? 0) +
        (t.uint64Data?.length ?? 0) +
        (t.stringData?.length ?? 0)) /
      pairs;
  }
  if (stored !== declared) {
    throw new ModelRejected(
      "initializers",
      `${what} declares ${declared} values (dims [${(t.dims ?? []).map(num).join(", ")}]) but stores ${stored}`,
    );
  }
  const strings = (t.stringData ?? []).reduce((sum, s) => sum + Math.max(1, s.length), 0);
  return Math.max(raw, strings, declared * (itemBytes(type) || 1));
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

/** Everything one graph holds, at every depth: its nodes, its constants and its nested graphs. */
interface Walked {
  nodes: number;
  ops: Set<string>;
  initializerBytes: number;
}

function checkNode(n: OnnxTypes.INodeProto, where: string): void {
  const domain = n.domain ?? "";
  const op = n.opType ?? "";
  const at = `${where}node ${nameOf(n)}`;
  if (!ALLOWED_DOMAINS.has(domain)) {
    throw new ModelRejected(
      "op",
      `${at} uses op ${JSON.stringify(op)} of domain ${JSON.stringify(domain)}; only standard ONNX ops are allowed`,
    );
  }
  if (RANDOM_OPS.has(op)) {
    throw new ModelRejected(
      "nondeterministic",
      `${at} uses the random op ${JSON.stringify(op)}; a model's outputs must not depend on chance`,
    );
  }
  // Dropout's third input, training_mode, would make it random.
  if (op === "Dropout" && (n.input?.[2] ?? "") !== "") {
    throw new ModelRejected(
      "nondeterministic",
      `${at} is a Dropout with a training_mode input; only inference Dropout (the identity) is allowed`,
    );
  }
  if (!ALLOWED_OPS.has(op)) {
    throw new ModelRejected(
      "op",
      `${at} uses op ${JSON.stringify(op)}, which is not allowed (loops and ops outside the allow-list are refused)`,
    );
  }
}

/** The constant tensors of one node's attributes (Constant's value, ...). */
function attributeConstants(n: OnnxTypes.INodeProto, where: string): Constant[] {
  const out: Constant[] = [];
  for (const attr of n.attribute ?? []) {
    const what = `${where}attribute ${nameOf(attr)} of node ${nameOf(n)}`;
    if (attr.t) out.push({ what, dense: attr.t });
    for (const t of attr.tensors ?? []) out.push({ what, dense: t });
    if (attr.sparseTensor) out.push({ what, sparse: attr.sparseTensor });
    for (const t of attr.sparseTensors ?? []) out.push({ what, sparse: t });
  }
  return out;
}

function checkConstant({ what, dense, sparse }: Constant): number {
  if (isExternal(dense) || isExternal(sparse?.values) || isExternal(sparse?.indices)) {
    throw new ModelRejected(
      "external_data",
      `${what} keeps its data in an external file; a checkpoint must be a single self-contained .onnx file`,
    );
  }
  if (dense?.segment || sparse?.values?.segment || sparse?.indices?.segment) {
    throw new ModelRejected("initializers", `${what} is a segment of a tensor; whole tensors only`);
  }
  return dense ? tensorBytes(dense, what) : sparse ? sparseBytes(sparse, what) : 0;
}

/**
 * Checks every node and constant of `graph` and, through `If` branches, of every graph nested in
 * it; `where` prefixes messages with the path to a nested graph.
 */
function walkGraph(graph: OnnxTypes.IGraphProto, where: string, walked: Walked): void {
  for (const t of graph.initializer ?? []) {
    walked.initializerBytes += checkConstant({ what: `${where}initializer ${nameOf(t)}`, dense: t });
  }
  for (const t of graph.sparseInitializer ?? []) {
    walked.initializerBytes += checkConstant({
      what: `${where}sparse initializer ${nameOf(t.values ?? {})}`,
      sparse: t,
    });
  }
  for (const n of graph.node ?? []) {
    walked.nodes++;
    checkNode(n, where);
    walked.ops.add(n.opType ?? "");
    for (const constant of attributeConstants(n, where)) walked.initializerBytes += checkConstant(constant);
    const branches = SUBGRAPH_ATTRIBUTES[n.opType ?? ""] ?? [];
    const T = onnx.AttributeProto.AttributeType;
    for (const attr of n.attribute ?? []) {
      // List attributes (Constant's value_floats / value_ints) hold values too.
      walked.initializerBytes += (attr.floats?.length ?? 0) * 4 + (attr.ints?.length ?? 0) * 8;
      const graphs = [...(attr.g ? [attr.g] : []), ...(attr.graphs ?? [])];
      if (graphs.length === 0 && attr.type !== T.GRAPH && attr.type !== T.GRAPHS) continue;
      if (!branches.includes(attr.name ?? "") || attr.type !== T.GRAPH || graphs.length !== 1) {
        throw new ModelRejected(
          "subgraph",
          `${where}node ${nameOf(n)} (${n.opType}) has a graph attribute ${nameOf(attr)}; ` +
            "only If's then_branch and else_branch may hold a graph",
        );
      }
      walkGraph(graphs[0] as OnnxTypes.IGraphProto, `${where}${nameOf(attr)} of node ${nameOf(n)}: `, walked);
    }
  }
}

/** Model-local functions are refused; the message names the first forbidden op of each body too. */
function refuseFunctions(model: ModelProto): void {
  const functions = model.functions ?? [];
  if (functions.length === 0) return;
  const names = functions.map((fn) => `${fn.domain ?? ""}:${fn.name ?? ""}`).join(", ");
  const inside: string[] = [];
  for (const fn of functions) {
    for (const n of fn.node ?? []) {
      try {
        checkNode(n, `function ${JSON.stringify(fn.name ?? "")}: `);
      } catch (error) {
        inside.push((error as Error).message);
        break;
      }
    }
  }
  throw new ModelRejected(
    "function",
    `the model defines local functions (${names}); only standard ONNX ops are allowed, so export without ` +
      `functions (torch.onnx.export's default)${inside.length ? `. Inside them: ${inside.join("; ")}` : ""}`,
  );
}

function describeDim(dim: OnnxTypes.TensorShapeProto.IDimension): string {
  if (dim.dimValue !== null && dim.dimValue !== undefined) return String(num(dim.dimValue));
  if (dim.dimParam) return JSON.stringify(dim.dimParam);
  return "unknown";
}

/** The spec dims a model may fix: the batch dim, and a language model's sequence dim. */
const FIXABLE: Record<number, keyof ModelSummary["fixed"]> = { 0: "batch", 1: "sequence" };

function checkTensor(
  side: "input" | "output",
  expected: TensorSpec,
  got: OnnxTypes.IValueInfoProto,
  fixed: ModelSummary["fixed"],
  causal: boolean,
): void {
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
    if (typeof want === "number") {
      if (value !== want)
        throw new ModelRejected("interface", `${where} dim ${i}: expected ${want}, got ${value}`);
      return;
    }
    const name = FIXABLE[i];
    if (!name || (name === "sequence" && !causal) || !(value >= 1)) {
      throw new ModelRejected(
        "interface",
        `${where} dim ${i}: the spec's dim is symbolic (${JSON.stringify(want)}), the model fixes it to ${value}; it must be symbolic`,
      );
    }
    // The input fixes it; the output must agree (or leave it symbolic).
    const known = fixed[name];
    if (side === "input") fixed[name] = value;
    else if (known !== value) {
      throw new ModelRejected(
        "interface",
        `${where} dim ${i} (${name}) is fixed at ${value}, but the input's is ${known === undefined ? "symbolic" : known}`,
      );
    }
  });
}

function checkSide(
  side: "input" | "output",
  expected: readonly TensorSpec[],
  got: readonly OnnxTypes.IValueInfoProto[],
  fixed: ModelSummary["fixed"],
  causal: boolean,
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
    checkTensor(side, tensor, got.find((v) => v.name === tensor.name) ?? {}, fixed, causal);
  }
}

/**
 * Checks `bytes` against `spec` and `limits` without running it, in this
 * order: size, canonical encoding and node count (wire.ts), protobuf decode,
 * model shape, opsets, functions and training info, ops and constants at every
 * depth, initializer size, interface. Throws `ModelRejected` on the first
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
  if (bytes.length === 0) throw new ModelRejected("not_onnx", "the file is empty");

  // One file, one model: refuse any encoding two decoders could read differently.
  try {
    checkWireFormat(bytes, limits.wire ?? DEFAULT_WIRE_LIMITS);
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    if (error.code === "corrupt") {
      throw new ModelRejected(
        "not_onnx",
        `the file is not an ONNX model, or is truncated or corrupt (${error.message})`,
      );
    }
    throw new ModelRejected(error.code, `the file is not a canonical ONNX encoding: ${error.message}`);
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
  refuseFunctions(model);
  if ((model.trainingInfo?.length ?? 0) > 0) {
    throw new ModelRejected(
      "subgraph",
      "the model carries training_info graphs; an inference model has none",
    );
  }

  const walked: Walked = { nodes: 0, ops: new Set(), initializerBytes: 0 };
  walkGraph(graph, "", walked);
  if (walked.initializerBytes > limits.maxInitializerBytes) {
    throw new ModelRejected(
      "initializers",
      `the model's initializers hold ${formatBytes(walked.initializerBytes)} (${walked.initializerBytes} bytes); ` +
        `the cap is ${formatBytes(limits.maxInitializerBytes)} (${limits.maxInitializerBytes} bytes)`,
    );
  }

  // Interface: graph inputs that are initializers are constants with overridable defaults, not inputs.
  const constants = new Set([
    ...(graph.initializer ?? []).map((t) => t.name ?? ""),
    ...(graph.sparseInitializer ?? []).map((t) => t.values?.name ?? ""),
  ]);
  const inputs = (graph.input ?? []).filter((v) => !constants.has(v.name ?? ""));
  const fixed: ModelSummary["fixed"] = {};
  const causal = spec.task.type === "causal-lm";
  checkSide("input", spec.interface.inputs, inputs, fixed, causal);
  checkSide("output", spec.interface.outputs, graph.output ?? [], fixed, causal);

  return {
    bytes: bytes.length,
    irVersion,
    opset,
    nodes: walked.nodes,
    initializerBytes: walked.initializerBytes,
    ops: [...walked.ops].sort(),
    fixed,
  };
}
