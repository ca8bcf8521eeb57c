import type { onnx as OnnxTypes } from "onnx-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobsClassifierSpec, hindiGptSpec, linearRegressionSpec } from "../core/spec.examples.js";
import type { BountySpec } from "../core/spec.js";
import {
  type CausalLmSplit,
  type ClassificationSplit,
  loadDataset,
  type RegressionSplit,
  splitInput,
} from "./data.js";
import { decodeModel } from "./onnx.js";
import { InferenceSession, Tensor } from "./ort.js";
import { type TrainedModel, type TrainProgress, trainReference, trainReferenceModel } from "./train.js";

interface Trained {
  model: TrainedModel;
  bytes: Uint8Array;
  progress: TrainProgress[];
  session: InferenceSession;
  /** onnxruntime's output on the held-out inputs. */
  output: Float32Array;
  ms: number;
}

async function trainAndRun(spec: BountySpec): Promise<Trained> {
  const progress: TrainProgress[] = [];
  const started = performance.now();
  const model = await trainReferenceModel(spec, { seed: 1, onProgress: (p) => progress.push(p) });
  const ms = performance.now() - started;
  const bytes = model.toOnnx();
  const session = await InferenceSession.create(bytes);
  const { data, dims } = splitInput(loadDataset(spec).heldOut);
  const input = spec.interface.inputs[0];
  const output = spec.interface.outputs[0];
  if (!input || !output) throw new Error("bad example spec");
  const feeds = { [input.name]: new Tensor(input.dtype === "int64" ? "int64" : "float32", data, dims) };
  const result = (await session.run(feeds))[output.name];
  return { model, bytes, progress, session, output: result?.data as Float32Array, ms };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** The ONNX graph's inputs and outputs as spec tensors. */
function graphInterface(bytes: Uint8Array) {
  const graph = decodeModel(bytes).graph;
  const tensors = (values: OnnxTypes.IValueInfoProto[] | null | undefined) =>
    (values ?? []).map((v) => ({
      name: v.name,
      elemType: v.type?.tensorType?.elemType,
      shape: (v.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimParam || Number(d.dimValue)),
    }));
  return { inputs: tensors(graph?.input), outputs: tensors(graph?.output) };
}

function expectInterfaceMatches(trained: Trained, spec: BountySpec) {
  const dtype = { float32: 1, int64: 7 } as Record<string, number>;
  const asGraph = (tensors: BountySpec["interface"]["inputs"]) =>
    tensors.map((t) => ({ name: t.name, elemType: dtype[t.dtype], shape: t.shape }));
  expect(graphInterface(trained.bytes)).toEqual({
    inputs: asGraph(spec.interface.inputs),
    outputs: asGraph(spec.interface.outputs),
  });
  expect(trained.session.inputNames).toEqual(spec.interface.inputs.map((t) => t.name));
  expect(trained.session.outputNames).toEqual(spec.interface.outputs.map((t) => t.name));
}

function expectProgressReported(progress: TrainProgress[]) {
  expect(progress.length).toBeGreaterThanOrEqual(5);
  expect(progress.at(-1)?.percent).toBe(100);
  for (let i = 1; i < progress.length; i++) {
    expect(progress[i]?.percent).toBeGreaterThan(progress[i - 1]?.percent as number);
    expect(progress[i]?.step).toBeGreaterThan(progress[i - 1]?.step as number);
  }
  const losses = progress.map((p) => p.loss);
  expect(losses.every(Number.isFinite)).toBe(true);
  // Mini-batch losses wobble; the trend must go clearly down.
  expect(losses.at(-1) as number).toBeLessThan((losses[0] as number) * 0.9);
  const half = Math.floor(losses.length / 2);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  expect(mean(losses.slice(half))).toBeLessThan(mean(losses.slice(0, half)));
}

const sessions: InferenceSession[] = [];
afterAll(async () => {
  for (const session of sessions) await session.release();
});

describe("classification: softmax regression", () => {
  let trained: Trained;
  const heldOut = loadDataset(blobsClassifierSpec).heldOut as ClassificationSplit;
  beforeAll(async () => {
    trained = await trainAndRun(blobsClassifierSpec);
    sessions.push(trained.session);
  });

  it("exports the spec's interface", () => {
    expectInterfaceMatches(trained, blobsClassifierSpec);
    expect(trained.output).toHaveLength(heldOut.count * heldOut.numClasses);
  });

  it("beats chance clearly on the held-out split and meets the example's target", () => {
    const C = heldOut.numClasses;
    let correct = 0;
    for (let i = 0; i < heldOut.count; i++) {
      let best = 0;
      for (let c = 1; c < C; c++)
        if ((trained.output[i * C + c] as number) > (trained.output[i * C + best] as number)) best = c;
      if (best === heldOut.labels[i]) correct++;
    }
    const accuracy = correct / heldOut.count;
    expect(accuracy).toBeGreaterThan(1 / C + 0.4);
    expect(accuracy).toBeGreaterThanOrEqual(blobsClassifierSpec.metric.target);
  });

  it("onnxruntime and the trainer's own forward pass agree within 1e-4", () => {
    const { data, dims } = splitInput(heldOut);
    expect(maxAbsDiff(trained.model.forward(data, dims), trained.output)).toBeLessThan(1e-4);
  });

  it("reports progress with a falling loss, fast", () => {
    expectProgressReported(trained.progress);
    expect(trained.ms).toBeLessThan(5000);
  });
});

describe("regression: linear regression", () => {
  let trained: Trained;
  const heldOut = loadDataset(linearRegressionSpec).heldOut as RegressionSplit;
  beforeAll(async () => {
    trained = await trainAndRun(linearRegressionSpec);
    sessions.push(trained.session);
  });

  it("exports the spec's interface", () => {
    expectInterfaceMatches(trained, linearRegressionSpec);
  });

  it("has a held-out MSE far below the targets' variance and meets the example's target", () => {
    const y = heldOut.targets;
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    const variance = y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length;
    let mse = 0;
    for (let i = 0; i < y.length; i++)
      mse += ((trained.output[i] as number) - (y[i] as number)) ** 2 / y.length;
    expect(mse).toBeLessThan(variance * 0.05);
    expect(mse).toBeLessThanOrEqual(linearRegressionSpec.metric.target);
  });

  it("onnxruntime and the trainer's own forward pass agree within 1e-4", () => {
    const { data, dims } = splitInput(heldOut);
    expect(maxAbsDiff(trained.model.forward(data, dims), trained.output)).toBeLessThan(1e-4);
  });

  it("reports progress with a falling loss, fast", () => {
    expectProgressReported(trained.progress);
    expect(trained.ms).toBeLessThan(5000);
  });
});

describe("causal-lm: Hindi window LM", () => {
  let trained: Trained;
  const heldOut = loadDataset(hindiGptSpec).heldOut as CausalLmSplit;
  const train = loadDataset(hindiGptSpec).train as CausalLmSplit;
  const { vocabSize: V, sequenceLength: S, padTokenId } = heldOut;
  beforeAll(async () => {
    trained = await trainAndRun(hindiGptSpec);
    sessions.push(trained.session);
  });

  /** Mean next-token cross-entropy (nats) of logits [count, S, V] over non-padding targets. */
  function crossEntropy(logits: Float32Array): number {
    let total = 0;
    let count = 0;
    for (let s = 0; s < heldOut.count; s++) {
      for (let t = 0; t + 1 < (heldOut.lengths[s] as number); t++) {
        const base = (s * S + t) * V;
        let max = Number.NEGATIVE_INFINITY;
        for (let v = 0; v < V; v++) max = Math.max(max, logits[base + v] as number);
        let sum = 0;
        for (let v = 0; v < V; v++) sum += Math.exp((logits[base + v] as number) - max);
        const target = Number(heldOut.tokens[s * S + t + 1]);
        expect(target).not.toBe(padTokenId);
        total += -((logits[base + target] as number) - max - Math.log(sum));
        count++;
      }
    }
    return total / count;
  }

  it("exports the spec's interface", () => {
    expectInterfaceMatches(trained, hindiGptSpec);
    expect(trained.output).toHaveLength(heldOut.count * S * V);
  });

  it("beats a uniform and a unigram model on held-out text and meets the example's perplexity", () => {
    const ce = crossEntropy(trained.output);
    expect(ce).toBeLessThan(Math.log(V) - 1.5);
    // Unigram baseline: add-one smoothed train frequencies of the targets.
    const counts = new Float64Array(V).fill(1);
    let total = V;
    for (let s = 0; s < train.count; s++) {
      for (let t = 1; t < (train.lengths[s] as number); t++) {
        const id = Number(train.tokens[s * S + t]);
        counts[id] = (counts[id] as number) + 1;
        total++;
      }
    }
    const unigram = new Float32Array(heldOut.count * S * V);
    for (let i = 0; i < heldOut.count * S; i++) {
      for (let v = 0; v < V; v++) unigram[i * V + v] = Math.log((counts[v] as number) / total);
    }
    const baseline = crossEntropy(unigram);
    expect(ce).toBeLessThan(baseline - 0.5);
    expect(Math.exp(ce)).toBeLessThanOrEqual(hindiGptSpec.metric.target);
  });

  it("onnxruntime and the trainer's own forward pass agree within 1e-4", () => {
    const { data, dims } = splitInput(heldOut);
    expect(maxAbsDiff(trained.model.forward(data, dims), trained.output)).toBeLessThan(1e-4);
  });

  it("agrees on sequences shorter than its context window too", async () => {
    for (const ids of [[5n], [5n, 60n], [7n, 8n, 9n, 10n]]) {
      const data = BigInt64Array.from(ids);
      const result = await trained.session.run({ input_ids: new Tensor("int64", data, [1, ids.length]) });
      const onnx = result.logits?.data as Float32Array;
      expect(result.logits?.dims).toEqual([1, ids.length, V]);
      expect(maxAbsDiff(trained.model.forward(data, [1, ids.length]), onnx)).toBeLessThan(1e-4);
    }
  });

  it("is causal: a later token never changes earlier logits", async () => {
    const a = BigInt64Array.from([10n, 20n, 30n, 40n, 50n, 60n]);
    const b = BigInt64Array.from([10n, 20n, 30n, 41n, 99n, 7n]);
    const run = async (ids: BigInt64Array) =>
      (await trained.session.run({ input_ids: new Tensor("int64", ids, [1, 6]) })).logits
        ?.data as Float32Array;
    const [la, lb] = [await run(a), await run(b)];
    expect(Array.from(la.subarray(0, 3 * V))).toEqual(Array.from(lb.subarray(0, 3 * V)));
    expect(maxAbsDiff(la.subarray(3 * V, 4 * V), lb.subarray(3 * V, 4 * V))).toBeGreaterThan(1e-3);
  });

  it("reports progress with a falling loss, within a few seconds", () => {
    expectProgressReported(trained.progress);
    expect(trained.ms).toBeLessThan(8000);
  });
});

describe("trainReference", () => {
  it("is deterministic given a seed", async () => {
    const a = await trainReference(linearRegressionSpec, { seed: 3 });
    const b = await trainReference(linearRegressionSpec, { seed: 3 });
    const c = await trainReference(linearRegressionSpec, { seed: 4 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
    const lmA = await trainReference(hindiGptSpec, { seed: 3, epochs: 1 });
    const lmB = await trainReference(hindiGptSpec, { seed: 3, epochs: 1 });
    expect(Buffer.from(lmA).equals(Buffer.from(lmB))).toBe(true);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(trainReference(blobsClassifierSpec, { signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("stops soon after an abort during training, and keeps the event loop responsive", async () => {
    const controller = new AbortController();
    const progress: TrainProgress[] = [];
    // A timer firing on time while training runs proves the trainer yields to the event loop.
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const interval = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const started = performance.now();
    setTimeout(() => controller.abort(), 150);
    try {
      await expect(
        trainReference(hindiGptSpec, { signal: controller.signal, onProgress: (p) => progress.push(p) }),
      ).rejects.toMatchObject({ name: "AbortError" });
    } finally {
      clearInterval(interval);
    }
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(600); // the full training takes a second or more
    expect(progress.every((p) => p.percent < 100)).toBe(true);
    expect(ticks).toBeGreaterThan(5);
    expect(maxGap).toBeLessThan(100);
  });

  it("aborting from a progress callback stops before the next epoch", async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    await expect(
      trainReference(blobsClassifierSpec, {
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p.percent);
          if (seen.length === 2) controller.abort(new Error("lease lost"));
        },
      }),
    ).rejects.toThrow("lease lost");
    expect(seen).toHaveLength(2);
  });

  it("refuses training data that is not builtin, and invalid specs", async () => {
    const remote = { ...blobsClassifierSpec, trainingData: [{ uri: "https://example.org/blobs.bin" }] };
    await expect(trainReference(remote)).rejects.toThrow(/builtin:<name> only/);
    const invalid = { ...blobsClassifierSpec, metric: { name: "mse", target: 0.1, direction: "lower" } };
    await expect(trainReference(invalid as BountySpec)).rejects.toThrow(/accuracy or macro_f1/);
    await expect(trainReference(blobsClassifierSpec, { epochs: 0 })).rejects.toThrow(/positive integer/);
  });

  it("trains other shapes than the examples'", async () => {
    const spec: BountySpec = {
      ...blobsClassifierSpec,
      task: { type: "classification", numClasses: 3, numFeatures: 2 },
      interface: {
        inputs: [{ name: "x", dtype: "float32", shape: ["n", 2] }],
        outputs: [{ name: "y", dtype: "float32", shape: ["n", 3] }],
      },
      trainingData: [{ uri: "builtin:blobs?samples=300&separation=8" }],
    };
    const session = await InferenceSession.create(await trainReference(spec, { epochs: 5 }));
    try {
      const { data, dims } = splitInput(loadDataset(spec).heldOut);
      const out = await session.run({ x: new Tensor("float32", data, dims) });
      expect(out.y?.dims).toEqual([60, 3]);
    } finally {
      await session.release();
    }
  });
});
