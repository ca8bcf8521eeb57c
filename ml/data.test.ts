import { describe, expect, it } from "vitest";
import { blobsClassifierSpec, hindiGptSpec, linearRegressionSpec } from "../core/spec.examples.js";
import { type BountySpec, detokenize, unknownTokenId } from "../core/spec.js";
import {
  type CausalLmSplit,
  type ClassificationSplit,
  HELD_OUT_FRACTION,
  heldOutSplit,
  hindiSentences,
  hindiSplitSentences,
  loadDataset,
  parseBuiltinUri,
  type RegressionSplit,
  splitInput,
} from "./data.js";
import { createRng } from "./random.js";

const withData = (spec: BountySpec, uri: string): BountySpec => ({ ...spec, trainingData: [{ uri }] });

describe("random", () => {
  it("is deterministic per seed and roughly standard normal", () => {
    const a = createRng(7);
    const b = createRng(7);
    const draws = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(draws);
    expect(createRng(8).next()).not.toBe(draws[0]);
    const normal = createRng(1);
    const xs = Array.from({ length: 20_000 }, () => normal.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe("builtin URIs", () => {
  it("parse with defaults and params", () => {
    expect(parseBuiltinUri("builtin:blobs")).toEqual({
      name: "blobs",
      params: { samples: 2000, seed: 1, separation: 5 },
    });
    expect(parseBuiltinUri("builtin:linear?samples=500&noise=0.5").params).toEqual({
      samples: 500,
      seed: 1,
      noise: 0.5,
    });
  });

  it.each([
    ["https://example.org/data.bin", /builtin:<name> only/],
    ["ipfs://bafy", /builtin:<name> only/],
    ["builtin:imagenet", /unknown built-in data set "imagenet"/],
    ["builtin:blobs?size=3", /no param "size"/],
    ["builtin:blobs?samples=1.5", /samples=1.5 is not a non-negative integer/],
    ["builtin:blobs?samples=5", /at least 10/],
    ["builtin:linear?noise=-1", /noise=-1/],
  ])("reject %s with a clear error", (uri, message) => {
    expect(() => parseBuiltinUri(uri)).toThrow(message);
  });

  it("must match the spec's task", () => {
    expect(() => loadDataset(withData(blobsClassifierSpec, "builtin:hindi"))).toThrow(
      /builtin:hindi is a causal-lm data set; this spec's task is classification/,
    );
  });
});

describe("blobs", () => {
  it("splits 80/20 deterministically into disjoint rows shaped by the spec", () => {
    const a = loadDataset(blobsClassifierSpec);
    const b = loadDataset(blobsClassifierSpec);
    expect(a).toEqual(b);
    const train = a.train as ClassificationSplit;
    const heldOut = a.heldOut as ClassificationSplit;
    expect(heldOut.count).toBe(2000 * HELD_OUT_FRACTION);
    expect(train.count + heldOut.count).toBe(2000);
    expect(train.features).toHaveLength(train.count * 8);
    expect(heldOut.numClasses).toBe(4);
    expect(new Set(heldOut.labels)).toEqual(new Set([0, 1, 2, 3]));
    const rows = (split: ClassificationSplit) =>
      Array.from({ length: split.count }, (_, i) => split.features.subarray(i * 8, i * 8 + 8).join(","));
    const trainRows = new Set(rows(train));
    expect(rows(heldOut).filter((row) => trainRows.has(row))).toEqual([]);
  });

  it("change with the URI's seed and sample count", () => {
    const base = loadDataset(blobsClassifierSpec).heldOut as ClassificationSplit;
    const seeded = loadDataset(withData(blobsClassifierSpec, "builtin:blobs?seed=2"))
      .heldOut as ClassificationSplit;
    expect(seeded.features).not.toEqual(base.features);
    const small = loadDataset(withData(blobsClassifierSpec, "builtin:blobs?samples=500"));
    expect([small.train.count, small.heldOut.count]).toEqual([400, 100]);
  });

  it("heldOutSplit and splitInput give the eval inputs as typed arrays", () => {
    const heldOut = heldOutSplit(blobsClassifierSpec) as ClassificationSplit;
    expect(heldOut).toEqual(loadDataset(blobsClassifierSpec).heldOut);
    const { data, dims } = splitInput(heldOut);
    expect(data).toBeInstanceOf(Float32Array);
    expect(dims).toEqual([400, 8]);
    expect(heldOut.labels).toBeInstanceOf(Int32Array);
  });
});

describe("linear", () => {
  it("has targets explained by the features up to the noise", () => {
    const { train, heldOut } = loadDataset(linearRegressionSpec) as {
      train: RegressionSplit;
      heldOut: RegressionSplit;
    };
    expect([train.count, heldOut.count]).toEqual([1600, 400]);
    expect(heldOut.targets).toHaveLength(400 * 2);
    const { data, dims } = splitInput(heldOut);
    expect(data).toBeInstanceOf(Float32Array);
    expect(dims).toEqual([400, 6]);
    expect(heldOut.targets.some((y) => Math.abs(y) > 1)).toBe(true);
  });
});

describe("hindi", () => {
  const task = hindiGptSpec.task;

  it("is a few KB of Devanagari sentences, all inside the example alphabet", () => {
    const sentences = hindiSentences();
    expect(sentences.length).toBeGreaterThanOrEqual(150);
    expect(sentences.join("\n").length).toBeGreaterThan(5000);
    const { train, heldOut } = loadDataset(hindiGptSpec) as { train: CausalLmSplit; heldOut: CausalLmSplit };
    const unknown = BigInt(unknownTokenId(task));
    expect(train.tokens.includes(unknown)).toBe(false);
    expect(heldOut.tokens.includes(unknown)).toBe(false);
  });

  it("splits by sentence: deterministic, disjoint, 20% held out", () => {
    const { train, heldOut } = hindiSplitSentences();
    expect(hindiSplitSentences()).toEqual({ train, heldOut });
    expect(heldOut.length).toBe(Math.round(hindiSentences().length * HELD_OUT_FRACTION));
    expect(train.length + heldOut.length).toBe(hindiSentences().length);
    const trainSet = new Set(train);
    expect(heldOut.filter((s) => trainSet.has(s))).toEqual([]);
    expect(hindiSplitSentences(2).heldOut).not.toEqual(heldOut);
  });

  it("gives right-padded int64 sequences of the context length that decode back to the sentences", () => {
    const split = heldOutSplit(hindiGptSpec) as CausalLmSplit;
    const S = task.contextLength;
    expect(split.sequenceLength).toBe(S);
    expect(split.tokens).toBeInstanceOf(BigInt64Array);
    expect(splitInput(split).dims).toEqual([split.count, S]);
    const texts: string[] = [];
    for (let i = 0; i < split.count; i++) {
      const row = split.tokens.subarray(i * S, (i + 1) * S);
      const length = split.lengths[i] as number;
      expect(length).toBeGreaterThan(0);
      expect(Array.from(row.subarray(length)).every((id) => id === BigInt(task.padTokenId))).toBe(true);
      expect(Array.from(row.subarray(0, length)).includes(BigInt(task.padTokenId))).toBe(false);
      texts.push(detokenize(task, row));
    }
    // Sentences longer than the context are cut into consecutive windows.
    expect(texts.join("")).toBe(hindiSplitSentences().heldOut.join(""));
  });
});
