/**
 * Models as real exporters write them (a fixed batch, a fixed sequence length) score exactly as the
 * same model with symbolic dims; models that break their task's rules are caught by its checks.
 */
import { describe, expect, it } from "vitest";
import { blobsClassifierSpec, hindiGptSpec } from "../../core/spec.examples.js";
import type { BountySpec } from "../../core/spec.js";
import { heldOutSplit } from "../../ml/data.js";
import { encodeEvalSet } from "../../ml/evalset.js";
import { buildModel, decodeModel, encodeModel, node, tensor, valueInfo } from "../../ml/onnx.js";
import { trainReference } from "../../ml/train.js";
import { sha256Hex } from "../../server/hash.js";
import { evaluateInProcess, RunFailure } from "./child.js";
import { DEFAULT_MODEL_LIMITS } from "./validate.js";

function evalSetOf(spec: BountySpec) {
  const evalSet = encodeEvalSet(heldOutSplit(spec));
  return { evalSet, evalSetSha256: sha256Hex(evalSet) };
}

function evaluate(spec: BountySpec, model: Uint8Array, batchSize = 64) {
  return evaluateInProcess({ spec, model, batchSize, limits: DEFAULT_MODEL_LIMITS, ...evalSetOf(spec) });
}

async function failure(promise: Promise<unknown>): Promise<RunFailure> {
  const error = await promise.then(
    () => new Error("the model was scored"),
    (e: unknown) => e,
  );
  if (!(error instanceof RunFailure)) throw error;
  return error;
}

/** `bytes` with its input's and output's leading dims fixed to `dims` (as torch.onnx.export writes them). */
function withFixedDims(bytes: Uint8Array, dims: number[]): Uint8Array {
  const model = decodeModel(bytes);
  for (const side of [model.graph?.input?.[0], model.graph?.output?.[0]]) {
    const shape = side?.type?.tensorType?.shape?.dim ?? [];
    dims.forEach((value, i) => {
      shape[i] = { dimValue: value };
    });
  }
  return encodeModel(model);
}

describe("fixed dims, as a plain torch.onnx.export writes them", () => {
  it("a classifier with a fixed batch of 1 or 7 scores exactly as with a symbolic batch", async () => {
    const bytes = await trainReference(blobsClassifierSpec, {});
    const symbolic = await evaluate(blobsClassifierSpec, bytes);
    for (const batch of [1, 7]) {
      const fixed = await evaluate(blobsClassifierSpec, withFixedDims(bytes, [batch]));
      expect(fixed.model.fixed).toEqual({ batch });
      expect(fixed.result).toEqual(symbolic.result);
      expect(fixed.fingerprint).toEqual(symbolic.fingerprint);
      // Every row ran once, in batches of exactly that size (the last one filled up).
      expect(fixed.batches).toBeGreaterThanOrEqual(
        Math.ceil(heldOutSplit(blobsClassifierSpec).count / batch),
      );
    }
  });

  it("a causal LM fixed at [1, 64] or [1, 80] (padded) scores as with symbolic dims; [1, 32] is too short", async () => {
    const bytes = await trainReference(hindiGptSpec, { epochs: 2 });
    const symbolic = await evaluate(hindiGptSpec, bytes);
    for (const sequence of [64, 80]) {
      const fixed = await evaluate(hindiGptSpec, withFixedDims(bytes, [1, sequence]));
      expect(fixed.model.fixed).toEqual({ batch: 1, sequence });
      expect(fixed.result.values.perplexity).toBeCloseTo(symbolic.result.values.perplexity as number, 9);
      expect(fixed.checks).toEqual(["batch_independence", "causality"]);
    }
    const short = await failure(evaluate(hindiGptSpec, withFixedDims(bytes, [1, 32])));
    expect(short.code).toBe("interface");
    expect(short.message).toMatch(
      /fixes the sequence length at 32 tokens; the eval set's sequences are 64 tokens/,
    );
  });
});

const VOCAB = hindiGptSpec.task.vocabSize;
const PAD = hindiGptSpec.task.padTokenId;
const i64 = (...values: number[]) => BigInt64Array.from(values.map(BigInt));

/** Logits that put 10 on token `id` for each input id: a Gather from 10 × identity. */
function oneHotLogits(): ReturnType<typeof tensor> {
  const table = new Float32Array(VOCAB * VOCAB);
  for (let i = 0; i < VOCAB; i++) table[i * VOCAB + i] = 10;
  return tensor("table", [VOCAB, VOCAB], table);
}

function languageModel(nodes: ReturnType<typeof node>[], initializers: ReturnType<typeof tensor>[]) {
  return encodeModel(
    buildModel({
      graphName: "lm",
      inputs: [valueInfo("input_ids", "int64", ["batch", "sequence"])],
      outputs: [valueInfo("logits", "float32", ["batch", "sequence", VOCAB])],
      initializers: [oneHotLogits(), ...initializers],
      nodes,
    }),
  );
}

describe("task checks", () => {
  it("non_causal: three nodes that copy token t+1 as the prediction at t (perplexity ~1 otherwise)", async () => {
    const copier = languageModel(
      [
        node("Slice", ["input_ids", "one", "end", "axis"], ["next"]),
        node("Pad", ["next", "pads", "pad_id"], ["shifted"]),
        node("Gather", ["table", "shifted"], ["logits"]),
      ],
      [
        tensor("one", [1], i64(1)),
        tensor("end", [1], i64(1_000_000)),
        tensor("axis", [1], i64(1)),
        tensor("pads", [4], i64(0, 0, 0, 1)),
        tensor("pad_id", [], i64(PAD)),
      ],
    );
    const error = await failure(evaluate(hindiGptSpec, copier));
    expect(error.code).toBe("non_causal");
    expect(error.message).toMatch(
      /the logits at position \d+ of row \d+ changed when only tokens after position \d+/,
    );
  });

  it("non_causal: a model that reads the whole sequence (a sum over it) at every position", async () => {
    const reader = languageModel(
      [
        node("Gather", ["table", "input_ids"], ["own"]),
        node("ReduceSum", ["own", "axes"], ["whole"], { keepdims: { int: 1 } }),
        node("Mul", ["whole", "tiny"], ["hint"]),
        node("Add", ["own", "hint"], ["logits"]),
      ],
      [tensor("axes", [1], i64(1)), tensor("tiny", [], Float32Array.from([0.01]))],
    );
    expect((await failure(evaluate(hindiGptSpec, reader))).code).toBe("non_causal");
  });

  it("batch_dependent: a classifier that adds the batch's mean features (reads the other rows)", async () => {
    const { numFeatures: f, numClasses: k } = blobsClassifierSpec.task;
    const peeker = encodeModel(
      buildModel({
        graphName: "peeker",
        inputs: [valueInfo("features", "float32", ["batch", f])],
        outputs: [valueInfo("logits", "float32", ["batch", k])],
        initializers: [
          tensor(
            "w",
            [f, k],
            Float32Array.from({ length: f * k }, (_, i) => ((i % 5) - 2) / 3),
          ),
        ],
        nodes: [
          // Opset 17: ReduceMean takes its axes as an attribute.
          node("ReduceMean", ["features"], ["mean"], { axes: { ints: [0] }, keepdims: { int: 1 } }),
          node("Add", ["features", "mean"], ["shifted"]),
          node("MatMul", ["shifted", "w"], ["logits"]),
        ],
      }),
    );
    const error = await failure(evaluate(blobsClassifierSpec, peeker));
    expect(error.code).toBe("batch_dependent");
    expect(error.message).toMatch(
      /row \d+'s output changed when it moved to another place in its batch, beside other rows/,
    );
  });

  it("honest models pass every check of their task", async () => {
    const lm = await evaluate(hindiGptSpec, await trainReference(hindiGptSpec, { epochs: 1 }));
    expect(lm.checks).toEqual(["batch_independence", "causality"]);
    const classifier = await evaluate(blobsClassifierSpec, await trainReference(blobsClassifierSpec, {}));
    expect(classifier.checks).toEqual(["batch_independence"]);
  });
});
