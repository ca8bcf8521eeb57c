/**
 * Small helpers over onnx-proto to build ONNX models in TypeScript: tensors
 * (initializers) from typed arrays, value infos with symbolic dims, nodes with
 * typed attributes, a ModelProto with the default-domain opset, and its bytes.
 * Standard ops only; no Python anywhere.
 */
import onnxProto, { type onnx as OnnxTypes } from "onnx-proto";

// onnx-proto is CommonJS: Node gives ESM importers its module.exports as the default export only.
export const onnx: typeof OnnxTypes = onnxProto.onnx;
export type ModelProto = OnnxTypes.ModelProto;

/** The ONNX IR version written (ONNX 1.12..1.13) and the default-domain opset imported. */
export const IR_VERSION = 8;
export const OPSET_VERSION = 17;

export type TensorDtype = "float32" | "float64" | "int32" | "int64" | "uint8" | "int8" | "bool";

const DATA_TYPE: Record<TensorDtype, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** The ONNX `TensorProto.DataType` of a dtype name. */
export function dataTypeOf(dtype: TensorDtype): number {
  return DATA_TYPE[dtype];
}

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

function dtypeOfData(data: TensorData): TensorDtype {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Int8Array) return "int8";
  return "uint8";
}

/** The little-endian bytes ONNX `raw_data` holds, whatever the host's byte order. */
function littleEndianBytes(data: TensorData): Uint8Array {
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Uint8Array || data instanceof Int8Array) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } else if (data instanceof BigInt64Array) {
    for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, data[i] as bigint, true);
  } else {
    const write =
      data instanceof Float32Array
        ? (i: number, v: number) => view.setFloat32(i * 4, v, true)
        : data instanceof Float64Array
          ? (i: number, v: number) => view.setFloat64(i * 8, v, true)
          : (i: number, v: number) => view.setInt32(i * 4, v, true);
    for (let i = 0; i < data.length; i++) write(i, data[i] as number);
  }
  return out;
}

/** A constant tensor (an initializer) with the given dims; its dtype follows the array type. */
export function tensor(name: string, dims: readonly number[], data: TensorData): OnnxTypes.ITensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new Error(
      `tensor ${name}: dims [${dims.join(", ")}] hold ${count} values, the data has ${data.length}`,
    );
  }
  return {
    name,
    dims: [...dims],
    dataType: dataTypeOf(dtypeOfData(data)),
    rawData: littleEndianBytes(data),
  };
}

/** A graph input or output: a tensor type whose dims are sizes or symbolic names ("batch"). */
export function valueInfo(
  name: string,
  dtype: TensorDtype,
  shape: readonly (number | string)[],
): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: dataTypeOf(dtype),
        shape: { dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** A node attribute value, tagged with its ONNX type. */
export type AttributeValue =
  | { int: number }
  | { ints: readonly number[] }
  | { float: number }
  | { floats: readonly number[] }
  | { string: string };

function attribute(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ("int" in value) return { name, type: T.INT, i: value.int };
  if ("ints" in value) return { name, type: T.INTS, ints: [...value.ints] };
  if ("float" in value) return { name, type: T.FLOAT, f: value.float };
  if ("floats" in value) return { name, type: T.FLOATS, floats: [...value.floats] };
  return { name, type: T.STRING, s: new TextEncoder().encode(value.string) };
}

/** A node of the default (ai.onnx) domain. */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Record<string, AttributeValue> = {},
  name = `${opType}_${outputs[0] ?? ""}`,
): OnnxTypes.INodeProto {
  return {
    opType,
    name,
    domain: "",
    input: [...inputs],
    output: [...outputs],
    attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
  };
}

export interface ModelParts {
  graphName: string;
  inputs: OnnxTypes.IValueInfoProto[];
  outputs: OnnxTypes.IValueInfoProto[];
  initializers: OnnxTypes.ITensorProto[];
  nodes: OnnxTypes.INodeProto[];
  /** Free-form key/value metadata stored in the model (`metadata_props`). */
  metadata?: Record<string, string>;
  docString?: string;
  opset?: number;
}

/** A ModelProto: IR version 8, the default domain at `opset` (17), producer "crowdtrain". */
export function buildModel(parts: ModelParts): ModelProto {
  return onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: parts.opset ?? OPSET_VERSION }],
    producerName: "crowdtrain",
    producerVersion: "1",
    docString: parts.docString ?? "",
    graph: {
      name: parts.graphName,
      input: parts.inputs,
      output: parts.outputs,
      initializer: parts.initializers,
      node: parts.nodes,
    },
    metadataProps: Object.entries(parts.metadata ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, value })),
  });
}

/** The model's protobuf bytes (what an `.onnx` file holds). */
export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Parses `.onnx` bytes; throws on bytes that are not a protobuf ModelProto. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}
