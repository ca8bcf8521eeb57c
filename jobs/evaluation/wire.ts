/**
 * A strict reading of an ONNX file's protobuf wire format, before anything
 * decodes it. It exists because two protobuf decoders can read one file as two
 * different models: protobufjs (the validator's) keeps the last occurrence of a
 * singular message field, while onnxruntime's C++ protobuf merges repeated
 * occurrences, and C++ proto2 turns unknown enum values into unknown fields. A
 * file with a second `graph` field would pass every check on one model and run
 * the other.
 *
 * So a checkpoint must be canonical in every way where those decoders differ:
 * - every field is one the ONNX schema (onnx-proto's, ONNX 1.10) defines, with its wire type;
 * - a singular field appears at most once, and at most one member of a oneof is set;
 * - enum fields hold a defined value;
 * - strings are valid UTF-8 (protobufjs would replace bad bytes, C++ keeps them);
 * - varints are minimal (no padding bytes), and those protobufjs reads as 32-bit (tags, lengths,
 *   int32 and enum fields) have at most 5 bytes, or exactly 10 for a sign-extended negative int32:
 *   protobufjs reads the first 5 bytes of such a varint and skips exactly 5 more, so a 7-byte one would
 *   make it read the rest of the file out of step with every other decoder; no groups.
 * Repeated scalars may be packed or not (both decoders accept both).
 *
 * The walk allocates nothing per field, so a file of 32 million empty nodes (or
 * value infos, or packed integers) is counted and refused before the decoder
 * would build 32 million objects: `limits.maxNodes` bounds the nodes,
 * `limits.maxItems` everything a decoder allocates a slot for (messages,
 * repeated values, strings). Large tensors belong in `raw_data`, which is one
 * item. Nesting is bounded too (`limits.maxDepth`).
 */

/**
 * Where an encoding breaks the rules: `corrupt` when it is not a protobuf at all (truncated, a
 * length past the end, an impossible wire type), `non_canonical` when it is one that decoders read
 * differently, `too_complex` for a count or depth limit.
 */
export class WireError extends Error {
  override readonly name = "WireError";
  constructor(
    readonly code: "corrupt" | "non_canonical" | "too_complex",
    message: string,
  ) {
    super(message);
  }
}

export interface WireLimits {
  /** NodeProtos in the whole file, at every depth. */
  maxNodes: number;
  /** Messages, repeated values and strings in the whole file: what a decoder allocates a slot for. */
  maxItems: number;
  /** Message nesting depth. */
  maxDepth: number;
}

export const DEFAULT_WIRE_LIMITS: WireLimits = { maxNodes: 200_000, maxItems: 4_000_000, maxDepth: 48 };

/** `varint`: a 64-bit integer; `int32`: a 32-bit one (protobufjs reads it in at most 10 bytes, see above). */
type Scalar = "varint" | "int32" | "float" | "double";
type Kind = Scalar | "string" | "bytes" | { message: string } | { enum: readonly number[] };
interface Field {
  name: string;
  kind: Kind;
  repeated?: boolean;
  /** Fields of one oneof share a group name: at most one of them may appear. */
  oneof?: string;
}
type Schema = Record<number, Field>;

const msg = (message: string) => ({ message });
const f = (name: string, kind: Kind, extra: Omit<Field, "name" | "kind"> = {}): Field => ({
  name,
  kind,
  ...extra,
});
const rep = { repeated: true };

/** The ONNX 1.10 schema (onnx.proto3 field numbers), as onnx-proto 8 decodes it. */
const SCHEMAS: Record<string, Schema> = {
  ModelProto: {
    1: f("ir_version", "varint"),
    8: f("opset_import", msg("OperatorSetIdProto"), rep),
    2: f("producer_name", "string"),
    3: f("producer_version", "string"),
    4: f("domain", "string"),
    5: f("model_version", "varint"),
    6: f("doc_string", "string"),
    7: f("graph", msg("GraphProto")),
    14: f("metadata_props", msg("StringStringEntryProto"), rep),
    20: f("training_info", msg("TrainingInfoProto"), rep),
    25: f("functions", msg("FunctionProto"), rep),
  },
  OperatorSetIdProto: { 1: f("domain", "string"), 2: f("version", "varint") },
  StringStringEntryProto: { 1: f("key", "string"), 2: f("value", "string") },
  TrainingInfoProto: {
    1: f("initialization", msg("GraphProto")),
    2: f("algorithm", msg("GraphProto")),
    3: f("initialization_binding", msg("StringStringEntryProto"), rep),
    4: f("update_binding", msg("StringStringEntryProto"), rep),
  },
  GraphProto: {
    1: f("node", msg("NodeProto"), rep),
    2: f("name", "string"),
    5: f("initializer", msg("TensorProto"), rep),
    15: f("sparse_initializer", msg("SparseTensorProto"), rep),
    10: f("doc_string", "string"),
    11: f("input", msg("ValueInfoProto"), rep),
    12: f("output", msg("ValueInfoProto"), rep),
    13: f("value_info", msg("ValueInfoProto"), rep),
    14: f("quantization_annotation", msg("TensorAnnotation"), rep),
  },
  NodeProto: {
    1: f("input", "string", rep),
    2: f("output", "string", rep),
    3: f("name", "string"),
    4: f("op_type", "string"),
    7: f("domain", "string"),
    5: f("attribute", msg("AttributeProto"), rep),
    6: f("doc_string", "string"),
  },
  AttributeProto: {
    1: f("name", "string"),
    21: f("ref_attr_name", "string"),
    13: f("doc_string", "string"),
    20: f("type", { enum: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14] }),
    2: f("f", "float"),
    3: f("i", "varint"),
    4: f("s", "bytes"),
    5: f("t", msg("TensorProto")),
    6: f("g", msg("GraphProto")),
    22: f("sparse_tensor", msg("SparseTensorProto")),
    14: f("tp", msg("TypeProto")),
    7: f("floats", "float", rep),
    8: f("ints", "varint", rep),
    9: f("strings", "bytes", rep),
    10: f("tensors", msg("TensorProto"), rep),
    11: f("graphs", msg("GraphProto"), rep),
    23: f("sparse_tensors", msg("SparseTensorProto"), rep),
    15: f("type_protos", msg("TypeProto"), rep),
  },
  ValueInfoProto: { 1: f("name", "string"), 2: f("type", msg("TypeProto")), 3: f("doc_string", "string") },
  TensorAnnotation: {
    1: f("tensor_name", "string"),
    2: f("quant_parameter_tensor_names", msg("StringStringEntryProto"), rep),
  },
  TensorProto: {
    1: f("dims", "varint", rep),
    2: f("data_type", "int32"),
    3: f("segment", msg("TensorProto.Segment")),
    4: f("float_data", "float", rep),
    5: f("int32_data", "int32", rep),
    6: f("string_data", "bytes", rep),
    7: f("int64_data", "varint", rep),
    8: f("name", "string"),
    12: f("doc_string", "string"),
    9: f("raw_data", "bytes"),
    13: f("external_data", msg("StringStringEntryProto"), rep),
    14: f("data_location", { enum: [0, 1] }),
    10: f("double_data", "double", rep),
    11: f("uint64_data", "varint", rep),
  },
  "TensorProto.Segment": { 1: f("begin", "varint"), 2: f("end", "varint") },
  SparseTensorProto: {
    1: f("values", msg("TensorProto")),
    2: f("indices", msg("TensorProto")),
    3: f("dims", "varint", rep),
  },
  TensorShapeProto: { 1: f("dim", msg("TensorShapeProto.Dimension"), rep) },
  "TensorShapeProto.Dimension": {
    1: f("dim_value", "varint", { oneof: "value" }),
    2: f("dim_param", "string", { oneof: "value" }),
    3: f("denotation", "string"),
  },
  TypeProto: {
    1: f("tensor_type", msg("TypeProto.Tensor"), { oneof: "value" }),
    4: f("sequence_type", msg("TypeProto.Sequence"), { oneof: "value" }),
    5: f("map_type", msg("TypeProto.Map"), { oneof: "value" }),
    9: f("optional_type", msg("TypeProto.Optional"), { oneof: "value" }),
    8: f("sparse_tensor_type", msg("TypeProto.SparseTensor"), { oneof: "value" }),
    6: f("denotation", "string"),
  },
  "TypeProto.Tensor": { 1: f("elem_type", "int32"), 2: f("shape", msg("TensorShapeProto")) },
  "TypeProto.Sequence": { 1: f("elem_type", msg("TypeProto")) },
  "TypeProto.Map": { 1: f("key_type", "int32"), 2: f("value_type", msg("TypeProto")) },
  "TypeProto.Optional": { 1: f("elem_type", msg("TypeProto")) },
  "TypeProto.SparseTensor": { 1: f("elem_type", "int32"), 2: f("shape", msg("TensorShapeProto")) },
  FunctionProto: {
    1: f("name", "string"),
    4: f("input", "string", rep),
    5: f("output", "string", rep),
    6: f("attribute", "string", rep),
    7: f("node", msg("NodeProto"), rep),
    8: f("doc_string", "string"),
    9: f("opset_import", msg("OperatorSetIdProto"), rep),
    10: f("domain", "string"),
  },
};

const WIRE = { varint: 0, fixed64: 1, length: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;
const SCALAR_WIRE: Record<Scalar, number> = {
  varint: WIRE.varint,
  int32: WIRE.varint,
  float: WIRE.fixed32,
  double: WIRE.fixed64,
};
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

interface Walk {
  bytes: Uint8Array;
  limits: WireLimits;
  nodes: number;
  items: number;
}

/** Counts `n` more decoded items; too_complex past the limit. */
function count(walk: Walk, n: number): void {
  walk.items += n;
  if (walk.items > walk.limits.maxItems) {
    throw new WireError(
      "too_complex",
      `the model holds more than ${walk.limits.maxItems} messages, repeated values and strings; the limit is ` +
        `${walk.limits.maxItems} (large tensors belong in raw_data)`,
    );
  }
}

/**
 * Reads a minimal varint at `at`: its value and end. `width` 32 is a varint protobufjs reads as 32
 * bits (a tag, a length, an int32 or an enum): at most 5 bytes, or 10 for a negative int32.
 */
function varint(walk: Walk, at: number, end: number, where: string, width: 32 | 64 = 64): [bigint, number] {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    if (at + i >= end) throw new WireError("corrupt", `${where}: a varint runs past the end of its message`);
    const byte = walk.bytes[at + i] as number;
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if (byte < 0x80) {
      const length = i + 1;
      if (length > 1 && byte === 0) {
        throw new WireError("non_canonical", `${where}: a varint is padded with zero bytes (not minimal)`);
      }
      if (width === 32 && length > 5 && !(length === 10 && BigInt.asIntN(64, value) < 0n)) {
        throw new WireError(
          "non_canonical",
          `${where}: a ${length}-byte varint where a 32-bit value is read (protobufjs would lose its place in the file)`,
        );
      }
      return [value, at + length];
    }
  }
  throw new WireError("corrupt", `${where}: a varint is longer than 10 bytes`);
}

/** A 32-bit-read varint (a tag or a length) as a number. */
function varint32(walk: Walk, at: number, end: number, where: string): [number, number] {
  const [value, after] = varint(walk, at, end, where, 32);
  if (value > 0xffffffffn) throw new WireError("corrupt", `${where}: a tag or length over 32 bits`);
  return [Number(value), after];
}

/** The low 32 bits of a varint read as a number, as a protobuf int32 field holds them (enums). */
const int32Of = (value: bigint) => Number(BigInt.asIntN(32, value));

function walkMessage(
  walk: Walk,
  type: string,
  start: number,
  end: number,
  path: string,
  depth: number,
): void {
  if (depth > walk.limits.maxDepth) {
    throw new WireError(
      "too_complex",
      `${path}: messages nest more than ${walk.limits.maxDepth} deep; the limit is ${walk.limits.maxDepth}`,
    );
  }
  count(walk, 1);
  if (type === "NodeProto" && ++walk.nodes > walk.limits.maxNodes) {
    throw new WireError(
      "too_complex",
      `the model has more than ${walk.limits.maxNodes} nodes (counting subgraphs and functions); the limit is ${walk.limits.maxNodes}`,
    );
  }
  const schema = SCHEMAS[type] as Schema;
  const seen = new Set<number>();
  const oneofs = new Map<string, string>();
  const counts = new Map<number, number>();
  let at = start;
  while (at < end) {
    const [tag, afterTag] = varint32(walk, at, end, path);
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    const field = schema[number];
    if (wire === 3 || wire === 4 || wire > 5 || number === 0) {
      throw new WireError(
        "corrupt",
        `${path}: field ${number} has wire type ${wire}, which no protobuf field has`,
      );
    }
    if (!field) {
      throw new WireError(
        "non_canonical",
        `${path} has field number ${number}, which ONNX's ${type} does not define (an unknown field is read differently by different decoders)`,
      );
    }
    const where = `${path}.${field.name}`;
    if (!field.repeated) {
      if (seen.has(number)) {
        throw new WireError(
          "non_canonical",
          `${where} appears more than once; it is a singular field (one decoder keeps the last, another merges them)`,
        );
      }
      seen.add(number);
      if (field.oneof) {
        const other = oneofs.get(field.oneof);
        if (other) {
          throw new WireError("non_canonical", `${path} sets both ${other} and ${field.name} of one oneof`);
        }
        oneofs.set(field.oneof, field.name);
      }
    }
    const index = counts.get(number) ?? 0;
    counts.set(number, index + 1);
    const item = field.repeated ? `${where}[${index}]` : where;
    at = walkField(walk, field, wire, afterTag, end, item, depth);
  }
}

function walkField(
  walk: Walk,
  field: Field,
  wire: number,
  at: number,
  end: number,
  where: string,
  depth: number,
): number {
  const { kind } = field;
  const expect = (wanted: number) => {
    if (wire !== wanted) {
      throw new WireError(
        "non_canonical",
        `${where} has wire type ${wire}; ONNX defines wire type ${wanted}`,
      );
    }
  };
  const lengthDelimited = (): [number, number] => {
    const [length, after] = varint32(walk, at, end, where);
    if (after + length > end) {
      throw new WireError("corrupt", `${where} claims ${length} bytes, past the end of its message`);
    }
    return [after, after + length];
  };
  if (typeof kind === "object" && "message" in kind) {
    expect(WIRE.length);
    const [from, to] = lengthDelimited();
    walkMessage(walk, kind.message, from, to, where, depth + 1);
    return to;
  }
  if (kind === "string" || kind === "bytes") {
    expect(WIRE.length);
    const [from, to] = lengthDelimited();
    count(walk, 1);
    if (kind === "string") {
      try {
        utf8.decode(walk.bytes.subarray(from, to));
      } catch {
        throw new WireError("non_canonical", `${where} is not valid UTF-8`);
      }
    }
    return to;
  }
  if (typeof kind === "object") {
    // An enum: a defined value, one varint.
    expect(WIRE.varint);
    const [value, after] = varint(walk, at, end, where, 32);
    if (!kind.enum.includes(int32Of(value))) {
      throw new WireError("non_canonical", `${where} is ${int32Of(value)}, not a value its enum defines`);
    }
    return after;
  }
  const scalarWire = SCALAR_WIRE[kind];
  if (field.repeated && wire === WIRE.length) {
    // Packed: a run of scalars.
    const [from, to] = lengthDelimited();
    if (kind === "varint" || kind === "int32") {
      let p = from;
      while (p < to) {
        p = varint(walk, p, to, where, kind === "int32" ? 32 : 64)[1];
        count(walk, 1);
      }
    } else if ((to - from) % (kind === "float" ? 4 : 8) !== 0) {
      throw new WireError("corrupt", `${where} is a packed run whose length is not a whole number of values`);
    } else count(walk, (to - from) / (kind === "float" ? 4 : 8));
    return to;
  }
  expect(scalarWire);
  if (field.repeated) count(walk, 1);
  if (kind === "varint" || kind === "int32")
    return varint(walk, at, end, where, kind === "int32" ? 32 : 64)[1];
  const size = kind === "float" ? 4 : 8;
  if (at + size > end) throw new WireError("corrupt", `${where} runs past the end of its message`);
  return at + size;
}

/**
 * Checks that `bytes` is a canonical ONNX ModelProto encoding (see the module comment) within
 * `limits`; returns the number of nodes at every depth. Throws `WireError` otherwise.
 */
export function checkWireFormat(
  bytes: Uint8Array,
  limits: WireLimits = DEFAULT_WIRE_LIMITS,
): { nodes: number } {
  const walk: Walk = { bytes, limits, nodes: 0, items: 0 };
  walkMessage(walk, "ModelProto", 0, bytes.length, "model", 0);
  return { nodes: walk.nodes };
}
