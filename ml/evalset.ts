/**
 * The eval-set file: a held-out `DatasetSplit` as bytes, which the evaluator
 * stores privately and commits to on-chain (`evalSetCommitment`).
 *
 * Format `CTEVAL01` (all integers and values little-endian, on every host):
 *
 * | bytes            | content                                                                    |
 * | ---------------- | -------------------------------------------------------------------------- |
 * | 0..7             | ASCII magic `CTEVAL01`                                                     |
 * | 8..11            | uint32 H: the byte length of the header                                    |
 * | 12..12+H-1       | the header: UTF-8 JSON (below)                                             |
 * | 12+H..D-1        | zero bytes up to D, the next multiple of 8 (none if 12+H is one)           |
 * | D..end           | the data section: the tensors, in header order (below)                     |
 *
 * The header:
 *
 * ```json
 * { "format": "crowdtrain-eval-set", "version": 1, "task": "classification", "count": n,
 *   "numFeatures": f, "numClasses": k,
 *   "tensors": [{ "name": "features", "dtype": "float32", "shape": [n, f], "offset": 0, "byteLength": 4nf },
 *               { "name": "labels", "dtype": "int32", "shape": [n], "offset": …, "byteLength": 4n }] }
 * ```
 *
 * Task fields and tensors, in this order:
 * - classification: `numFeatures`, `numClasses`; `features` float32 [n, numFeatures], `labels` int32 [n]
 * - regression: `numFeatures`, `outputDim`; `features` float32 [n, numFeatures], `targets` float32 [n, outputDim]
 * - causal-lm: `sequenceLength`, `vocabSize`, `padTokenId`; `tokens` int64 [n, sequenceLength]
 *   (right-padded with padTokenId), `lengths` int32 [n]
 *
 * Tensors are row-major; `offset` is relative to D; `byteLength` = product of
 * the shape × item size (4 or 8). The layout is canonical: the first tensor is
 * at offset 0, each next one at the first multiple of 8 after the previous one
 * ends (the gap zero bytes), and the file ends where the last tensor ends.
 * Since D is a multiple of 8, every tensor starts 8-byte aligned in the file.
 *
 * Values: labels in [0, numClasses); floats finite; lengths in [0,
 * sequenceLength]; tokens before a sequence's length in [0, vocabSize) and not
 * padTokenId, tokens at or after it padTokenId. `decodeEvalSet` checks all of
 * this (and no other key may appear); `encodeEvalSet` refuses a split that
 * breaks it. Same split, same bytes.
 *
 * No I/O and no node: imports.
 */
import { bytesToHex, concat, type Hex, isHex, sha256, size } from "viem";
import { z } from "zod";
import type { BountySpec } from "../core/spec.js";
import type { CausalLmSplit, ClassificationSplit, DatasetSplit, RegressionSplit } from "./data.js";

export const EVAL_SET_MAGIC = "CTEVAL01";
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
export const EVAL_SET_FORMAT = "crowdtrain-eval-set";
export const EVAL_SET_VERSION = 1;

export class EvalSetError extends Error {
  override name = "EvalSetError";
}

type TensorDtype = "float32" | "int32" | "int64";
const ITEM_SIZE: Record<TensorDtype, number> = { float32: 4, int32: 4, int64: 8 };
const PREFIX = 12; // magic + header length

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/* ------------------------------------------------------------------------ */
/* Header                                                                    */
/* ------------------------------------------------------------------------ */

const nonNegative = z.int().min(0);
const positive = z.int().min(1);
const tensorSchema = z.strictObject({
  name: z.string(),
  dtype: z.enum(["float32", "int32", "int64"]),
  shape: z.array(nonNegative).max(8),
  offset: nonNegative,
  byteLength: nonNegative,
});
const common = {
  format: z.literal(EVAL_SET_FORMAT),
  version: z.literal(EVAL_SET_VERSION),
  count: nonNegative,
  tensors: z.array(tensorSchema).max(8),
};
const headerSchema = z.discriminatedUnion("task", [
  z.strictObject({
    ...common,
    task: z.literal("classification"),
    numFeatures: positive,
    numClasses: positive,
  }),
  z.strictObject({ ...common, task: z.literal("regression"), numFeatures: positive, outputDim: positive }),
  z.strictObject({
    ...common,
    task: z.literal("causal-lm"),
    sequenceLength: positive,
    vocabSize: positive,
    padTokenId: nonNegative,
  }),
]);
type Header = z.infer<typeof headerSchema>;
type TensorEntry = z.infer<typeof tensorSchema>;

/** The sizes that fix the tensors' shapes: a split's or a header's. */
type Sizes =
  | { task: "classification"; count: number; numFeatures: number }
  | { task: "regression"; count: number; numFeatures: number; outputDim: number }
  | { task: "causal-lm"; count: number; sequenceLength: number };

/** The tensors of a task, in file order: name, dtype, shape. */
function layoutOf(s: Sizes): { name: string; dtype: TensorDtype; shape: number[] }[] {
  const n = s.count;
  switch (s.task) {
    case "classification":
      return [
        { name: "features", dtype: "float32", shape: [n, s.numFeatures] },
        { name: "labels", dtype: "int32", shape: [n] },
      ];
    case "regression":
      return [
        { name: "features", dtype: "float32", shape: [n, s.numFeatures] },
        { name: "targets", dtype: "float32", shape: [n, s.outputDim] },
      ];
    case "causal-lm":
      return [
        { name: "tokens", dtype: "int64", shape: [n, s.sequenceLength] },
        { name: "lengths", dtype: "int32", shape: [n] },
      ];
  }
}

/** The elements of a shape, or undefined past `limit` (so a forged shape cannot overflow). */
function elementsOf(shape: readonly number[], limit: number): number | undefined {
  let product = 1;
  for (const d of shape) {
    product *= d;
    if (product > limit) return undefined;
  }
  return product;
}

/* ------------------------------------------------------------------------ */
/* Values                                                                    */
/* ------------------------------------------------------------------------ */

function checkLengths(split: DatasetSplit) {
  const expect = (what: string, actual: number, wanted: number) => {
    if (actual !== wanted) throw new EvalSetError(`${what} has ${actual} values, expected ${wanted}`);
  };
  if (!Number.isSafeInteger(split.count) || split.count < 0) {
    throw new EvalSetError(`count ${split.count} is not a non-negative integer`);
  }
  const dims: [string, number][] =
    split.task === "classification"
      ? [
          ["numFeatures", split.numFeatures],
          ["numClasses", split.numClasses],
        ]
      : split.task === "regression"
        ? [
            ["numFeatures", split.numFeatures],
            ["outputDim", split.outputDim],
          ]
        : [
            ["sequenceLength", split.sequenceLength],
            ["vocabSize", split.vocabSize],
          ];
  for (const [name, value] of dims) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new EvalSetError(`${name} ${value} is not a positive integer`);
  }
  if (split.task === "causal-lm") {
    const { padTokenId: pad, vocabSize } = split;
    if (!Number.isSafeInteger(pad) || pad < 0 || pad >= vocabSize) {
      throw new EvalSetError(`padTokenId ${pad} is outside [0, ${vocabSize})`);
    }
    expect("tokens", split.tokens.length, split.count * split.sequenceLength);
    expect("lengths", split.lengths.length, split.count);
  } else {
    expect("features", split.features.length, split.count * split.numFeatures);
    if (split.task === "classification") expect("labels", split.labels.length, split.count);
    else expect("targets", split.targets.length, split.count * split.outputDim);
  }
}

function checkFinite(name: string, values: Float32Array, width: number, column: string) {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      throw new EvalSetError(
        `${name}[row ${Math.floor(i / width)}, ${column} ${i % width}] is ${v}, not a finite number`,
      );
    }
  }
}

/** Every value rule of the module comment; the sizes are already checked. */
function checkValues(split: DatasetSplit) {
  if (split.task === "classification") {
    checkFinite("features", split.features, split.numFeatures, "feature");
    for (let i = 0; i < split.count; i++) {
      const label = split.labels[i] as number;
      if (label < 0 || label >= split.numClasses) {
        throw new EvalSetError(`labels[${i}] is ${label}, outside [0, ${split.numClasses})`);
      }
    }
  } else if (split.task === "regression") {
    checkFinite("features", split.features, split.numFeatures, "feature");
    checkFinite("targets", split.targets, split.outputDim, "output");
  } else {
    const { sequenceLength: l, padTokenId } = split;
    const pad = BigInt(padTokenId);
    const vocab = BigInt(split.vocabSize);
    for (let i = 0; i < split.count; i++) {
      const length = split.lengths[i] as number;
      if (length < 0 || length > l) throw new EvalSetError(`lengths[${i}] is ${length}, outside [0, ${l}]`);
      for (let t = 0; t < l; t++) {
        const token = split.tokens[i * l + t] as bigint;
        const where = `tokens[row ${i}, position ${t}]`;
        if (t >= length) {
          if (token !== pad) {
            throw new EvalSetError(
              `${where} is ${token} after the sequence's length ${length}; padding is ${pad}`,
            );
          }
        } else if (token < 0n || token >= vocab) {
          throw new EvalSetError(`${where} is ${token}, outside [0, ${vocab})`);
        } else if (token === pad) {
          throw new EvalSetError(`${where} is the pad token ${pad} inside the sequence (length ${length})`);
        }
      }
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Encode and decode                                                         */
/* ------------------------------------------------------------------------ */

function tensorsOf(split: DatasetSplit): (Float32Array | Int32Array | BigInt64Array)[] {
  if (split.task === "classification") return [split.features, split.labels];
  if (split.task === "regression") return [split.features, split.targets];
  return [split.tokens, split.lengths];
}

/** The eval-set bytes of a split; throws EvalSetError if the split breaks a rule of the format. */
export function encodeEvalSet(split: DatasetSplit): Uint8Array {
  checkLengths(split);
  checkValues(split);
  const taskFields =
    split.task === "classification"
      ? { numFeatures: split.numFeatures, numClasses: split.numClasses }
      : split.task === "regression"
        ? { numFeatures: split.numFeatures, outputDim: split.outputDim }
        : { sequenceLength: split.sequenceLength, vocabSize: split.vocabSize, padTokenId: split.padTokenId };
  const layout = layoutOf(split);
  const tensors: TensorEntry[] = [];
  let end = 0;
  for (const { name, dtype, shape } of layout) {
    const offset = align8(end);
    const byteLength = shape.reduce((a, b) => a * b, 1) * ITEM_SIZE[dtype];
    tensors.push({ name, dtype, shape, offset, byteLength });
    end = offset + byteLength;
  }
  const header = new TextEncoder().encode(
    JSON.stringify({
      format: EVAL_SET_FORMAT,
      version: EVAL_SET_VERSION,
      task: split.task,
      count: split.count,
      ...taskFields,
      tensors,
    }),
  );
  const dataStart = align8(PREFIX + header.length);
  const bytes = new Uint8Array(dataStart + end);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(EVAL_SET_MAGIC), 0);
  view.setUint32(8, header.length, true);
  bytes.set(header, PREFIX);
  tensorsOf(split).forEach((data, k) => {
    const at = dataStart + (tensors[k] as TensorEntry).offset;
    if (data instanceof Float32Array) {
      for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i] as number, true);
    } else if (data instanceof Int32Array) {
      for (let i = 0; i < data.length; i++) view.setInt32(at + 4 * i, data[i] as number, true);
    } else {
      for (let i = 0; i < data.length; i++) view.setBigInt64(at + 8 * i, data[i] as bigint, true);
    }
  });
  return bytes;
}

function parseHeader(bytes: Uint8Array, view: DataView): { header: Header; dataStart: number } {
  if (bytes.length < PREFIX) {
    throw new EvalSetError(
      `truncated: ${bytes.length} bytes, fewer than the ${PREFIX} of the magic and header length`,
    );
  }
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== EVAL_SET_MAGIC) {
    throw new EvalSetError(
      `not an eval set: the first 8 bytes are ${JSON.stringify(magic)}, not "${EVAL_SET_MAGIC}"`,
    );
  }
  const h = view.getUint32(8, true);
  if (PREFIX + h > bytes.length) {
    throw new EvalSetError(`header length ${h} runs past the end of the ${bytes.length}-byte file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + h)));
  } catch (error) {
    throw new EvalSetError(`the header is not UTF-8 JSON: ${(error as Error).message}`);
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "header"}: ${i.message}`);
    throw new EvalSetError(`invalid header: ${issues.join("; ")}`);
  }
  const dataStart = align8(PREFIX + h);
  if (dataStart > bytes.length) throw new EvalSetError("truncated: the file ends in the header's padding");
  checkZeros(bytes, PREFIX + h, dataStart, "the header's padding");
  return { header: parsed.data, dataStart };
}

function checkZeros(bytes: Uint8Array, from: number, to: number, what: string) {
  for (let i = from; i < to; i++) {
    if (bytes[i] !== 0) throw new EvalSetError(`byte ${i} in ${what} is ${bytes[i]}, not 0`);
  }
}

/** The split of eval-set bytes (any byteOffset), after checking every rule of the format. */
export function decodeEvalSet(bytes: Uint8Array): DatasetSplit {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { header, dataStart } = parseHeader(bytes, view);
  if (header.task === "causal-lm" && header.padTokenId >= header.vocabSize) {
    throw new EvalSetError(`padTokenId ${header.padTokenId} is outside [0, ${header.vocabSize})`);
  }
  const layout = layoutOf(header);
  if (header.tensors.length !== layout.length) {
    throw new EvalSetError(
      `a ${header.task} eval set has tensors ${layout.map((t) => t.name).join(", ")}; the header lists ${header.tensors.length}`,
    );
  }
  // Sizes from the header are checked against the bytes before anything is allocated.
  const dataLength = bytes.length - dataStart;
  let end = 0;
  const arrays = layout.map((want, k) => {
    const entry = header.tensors[k] as TensorEntry;
    const what = `tensor ${k} (${entry.name})`;
    if (entry.name !== want.name)
      throw new EvalSetError(`tensor ${k} must be "${want.name}", not "${entry.name}"`);
    if (entry.dtype !== want.dtype)
      throw new EvalSetError(`${what} must be ${want.dtype}, not ${entry.dtype}`);
    if (entry.shape.length !== want.shape.length || entry.shape.some((d, i) => d !== want.shape[i])) {
      throw new EvalSetError(
        `${what} has shape [${entry.shape}]; the header's sizes make it [${want.shape}]`,
      );
    }
    const itemSize = ITEM_SIZE[want.dtype];
    const elements = elementsOf(want.shape, dataLength / itemSize);
    if (elements === undefined) {
      throw new EvalSetError(
        `${what} of shape [${want.shape}] needs more than the ${dataLength} bytes of the data section (truncated?)`,
      );
    }
    if (entry.byteLength !== elements * itemSize) {
      throw new EvalSetError(
        `${what} has byteLength ${entry.byteLength}; shape [${want.shape}] needs ${elements * itemSize}`,
      );
    }
    if (entry.offset !== align8(end)) {
      throw new EvalSetError(`${what} is at offset ${entry.offset}; the layout puts it at ${align8(end)}`);
    }
    if (entry.offset + entry.byteLength > dataLength) {
      throw new EvalSetError(
        `${what} ends at data byte ${entry.offset + entry.byteLength}, past the data section's ${dataLength} bytes (truncated?)`,
      );
    }
    checkZeros(bytes, dataStart + end, dataStart + entry.offset, `the padding before ${entry.name}`);
    end = entry.offset + entry.byteLength;
    const at = dataStart + entry.offset;
    if (LITTLE_ENDIAN_HOST) {
      // The file's byte order is the host's: a view of the input where it is aligned (the arrays then share
      // the input's memory), else one copy into a fresh buffer; no per-value reads either way.
      const item = want.dtype === "int64" ? 8 : 4;
      const aligned = (bytes.byteOffset + at) % item === 0;
      const buffer = aligned ? bytes.buffer : bytes.slice(at, at + entry.byteLength).buffer;
      const offset = aligned ? bytes.byteOffset + at : 0;
      if (want.dtype === "float32") return new Float32Array(buffer, offset, elements);
      if (want.dtype === "int32") return new Int32Array(buffer, offset, elements);
      return new BigInt64Array(buffer, offset, elements);
    }
    if (want.dtype === "float32") {
      const out = new Float32Array(elements);
      for (let i = 0; i < elements; i++) out[i] = view.getFloat32(at + 4 * i, true);
      return out;
    }
    if (want.dtype === "int32") {
      const out = new Int32Array(elements);
      for (let i = 0; i < elements; i++) out[i] = view.getInt32(at + 4 * i, true);
      return out;
    }
    const out = new BigInt64Array(elements);
    for (let i = 0; i < elements; i++) out[i] = view.getBigInt64(at + 8 * i, true);
    return out;
  });
  if (end !== dataLength) throw new EvalSetError(`${dataLength - end} bytes follow the last tensor`);

  let split: DatasetSplit;
  if (header.task === "classification") {
    split = {
      task: "classification",
      count: header.count,
      numFeatures: header.numFeatures,
      numClasses: header.numClasses,
      features: arrays[0] as Float32Array,
      labels: arrays[1] as Int32Array,
    } satisfies ClassificationSplit;
  } else if (header.task === "regression") {
    split = {
      task: "regression",
      count: header.count,
      numFeatures: header.numFeatures,
      outputDim: header.outputDim,
      features: arrays[0] as Float32Array,
      targets: arrays[1] as Float32Array,
    } satisfies RegressionSplit;
  } else {
    split = {
      task: "causal-lm",
      count: header.count,
      sequenceLength: header.sequenceLength,
      vocabSize: header.vocabSize,
      padTokenId: header.padTokenId,
      tokens: arrays[0] as BigInt64Array,
      lengths: arrays[1] as Int32Array,
    } satisfies CausalLmSplit;
  }
  checkValues(split);
  return split;
}

/* ------------------------------------------------------------------------ */
/* Commitment and spec fit                                                   */
/* ------------------------------------------------------------------------ */

function checkBytes32(what: string, value: string) {
  if (!isHex(value, { strict: true }) || size(value) !== 32) {
    throw new EvalSetError(`${what} must be 32 bytes as 0x-prefixed hex, got ${JSON.stringify(value)}`);
  }
}

/**
 * The on-chain commitment to an eval set: sha256(salt ‖ sha256 of the eval-set
 * bytes), both 32 bytes. The salt stays private until the reveal, so the
 * commitment says nothing about which eval set it is.
 */
export function evalSetCommitment(evalSetSha256: Hex, salt: Hex): Hex {
  checkBytes32("salt", salt);
  checkBytes32("evalSetSha256", evalSetSha256);
  return sha256(concat([salt, evalSetSha256]));
}

/** 32 random bytes from crypto.getRandomValues, as hex: a commitment salt. */
export function randomSalt(): Hex {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
}

/** What keeps a split from scoring a spec's checkpoints, in words; empty if nothing. */
export function evalSetFitsSpec(split: DatasetSplit, spec: BountySpec): string[] {
  const task = spec.task;
  if (split.task !== task.type) return [`the eval set is for ${split.task}; the spec's task is ${task.type}`];
  const problems: string[] = [];
  const compare = (name: string, actual: number, wanted: number) => {
    if (actual !== wanted) problems.push(`the eval set's ${name} is ${actual}; the spec's is ${wanted}`);
  };
  if (split.count === 0) problems.push("the eval set has no rows");
  if (split.task === "classification" && task.type === "classification") {
    compare("numFeatures", split.numFeatures, task.numFeatures);
    compare("numClasses", split.numClasses, task.numClasses);
  } else if (split.task === "regression" && task.type === "regression") {
    compare("numFeatures", split.numFeatures, task.numFeatures);
    compare("outputDim", split.outputDim, task.outputDim);
  } else if (split.task === "causal-lm" && task.type === "causal-lm") {
    compare("vocabSize", split.vocabSize, task.vocabSize);
    compare("padTokenId", split.padTokenId, task.padTokenId);
    if (split.sequenceLength > task.contextLength) {
      problems.push(
        `the eval set's sequences hold ${split.sequenceLength} tokens, more than the spec's contextLength ${task.contextLength}`,
      );
    }
    if (split.count > 0 && !split.lengths.some((length) => length >= 2)) {
      problems.push("no sequence has 2 or more tokens, so no next token is scored");
    }
  }
  return problems;
}
