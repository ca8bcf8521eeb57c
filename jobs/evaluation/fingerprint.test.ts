import { describe, expect, it } from "vitest";
import { beatsByMargin, minImprovementOver } from "../../core/spec.js";
import type { CausalLmSplit, ClassificationSplit, DatasetSplit, RegressionSplit } from "../../ml/data.js";
import { createRng } from "../../ml/random.js";
import {
  COPY_DISTANCE,
  copyThreshold,
  FINGERPRINT_FORMAT,
  FINGERPRINT_SIZE,
  fingerprintDistance,
  fingerprintsMatch,
  finishFingerprint,
  MAX_ROW_WIDTH,
  PROBE_ROWS,
  probeRows,
  rowFingerprint,
} from "./fingerprint.js";

/** The fingerprint of `outputs` (one Float32Array per row of the split), as child.ts collects it. */
function fingerprintOf(split: DatasetSplit, outputs: (row: number) => Float32Array): number[] {
  const values: number[] = [];
  for (const row of probeRows(split.count)) rowFingerprint(split, row, outputs(row), values);
  return finishFingerprint(values);
}

const classification = (count: number, numClasses: number): ClassificationSplit => ({
  task: "classification",
  count,
  numFeatures: 1,
  numClasses,
  features: new Float32Array(count),
  labels: new Int32Array(count),
});

const regression = (count: number, outputDim: number): RegressionSplit => ({
  task: "regression",
  count,
  numFeatures: 1,
  outputDim,
  features: new Float32Array(count),
  targets: new Float32Array(count * outputDim),
});

/** Random logits [count, width], a model's "own" outputs. */
function logits(count: number, width: number, seed: number, scale = 3): Float32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () =>
    Float32Array.from({ length: width }, () => rng.normal() * scale),
  );
}

/** `base` plus `share` of fresh noise of the same spread: a model that differs from it by that much. */
function perturbed(base: Float32Array[], share: number, seed: number): Float32Array[] {
  const rng = createRng(seed);
  return base.map((row) => row.map((v) => v + share * 3 * rng.normal()));
}

function smooth(row: Float32Array, epsilon: number, t = 1): Float32Array {
  const max = Math.max(...row);
  const exp = row.map((v) => Math.exp((v - max) / t));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => Math.log((1 - epsilon) * (e / sum) + epsilon / row.length));
}

describe("fingerprint layout", () => {
  it("writes a header, then whole rows of log-probabilities rounded to 6 digits", () => {
    const split = classification(10, 3);
    const rows = logits(10, 3, 1);
    const fp = fingerprintOf(split, (r) => rows[r] as Float32Array);
    expect(fp.slice(0, 4)).toEqual([FINGERPRINT_FORMAT, 0, 3, 3]);
    expect(fp.length).toBe(4 + 10 * 3);
    const probs = fp.slice(4, 7).map(Math.exp);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    for (const v of fp.slice(4)) expect(Number(v.toPrecision(6))).toBe(v);
  });

  it("thins to at most FINGERPRINT_SIZE values by whole rows", () => {
    const count = PROBE_ROWS * 2;
    const split = classification(count, 50);
    const fp = fingerprintOf(split, () => new Float32Array(50));
    expect(fp.length - 4).toBeLessThanOrEqual(FINGERPRINT_SIZE);
    expect((fp.length - 4) % 50).toBe(0);
  });

  it("keeps MAX_ROW_WIDTH classes of a wider distribution", () => {
    const split = classification(4, MAX_ROW_WIDTH * 3);
    const fp = fingerprintOf(split, () => new Float32Array(MAX_ROW_WIDTH * 3));
    expect(fp.slice(0, 4)).toEqual([FINGERPRINT_FORMAT, 0, MAX_ROW_WIDTH * 3, MAX_ROW_WIDTH]);
    // Uniform logits: every stored log-probability is −log(width).
    expect(fp[4]).toBeCloseTo(-Math.log(MAX_ROW_WIDTH * 3), 5);
  });

  it("takes a language model's counted positions only, never padding", () => {
    const V = 5;
    const L = 6;
    const split: CausalLmSplit = {
      task: "causal-lm",
      count: 2,
      sequenceLength: L,
      vocabSize: V,
      padTokenId: 3,
      tokens: new BigInt64Array(2 * L),
      lengths: Int32Array.from([3, 1]),
    };
    // Position t of each row has its logits peaked at token t; padding positions are NaN.
    const output = (row: number) =>
      Float32Array.from({ length: L * V }, (_, i) => {
        const t = Math.floor(i / V);
        if (t + 1 >= (split.lengths[row] as number)) return Number.NaN;
        return i % V === t ? 5 : 0;
      });
    const fp = fingerprintOf(split, output);
    expect(fp.slice(0, 4)).toEqual([FINGERPRINT_FORMAT, 2, V, V]);
    // Row 0 has 2 counted positions, row 1 none.
    expect(fp.length).toBe(4 + 2 * V);
    expect(fp.every((v) => Number.isFinite(v))).toBe(true);
  });
});

describe("fingerprintDistance", () => {
  const split = classification(400, 10);
  const own = logits(400, 10, 1);
  const fp = (rows: Float32Array[]) => fingerprintOf(split, (r) => rows[r] as Float32Array);
  const original = fp(own);

  it("is 0 for the same outputs, and for outputs shifted, scaled, tempered or smoothed", {
    timeout: 30_000,
  }, () => {
    expect(fingerprintDistance(original, original)).toBe(0);
    const transforms: [string, (row: Float32Array) => Float32Array][] = [
      ["+ 7", (row) => row.map((v) => v + 7)],
      ["× 0.5", (row) => row.map((v) => v * 0.5)],
      ["× 2", (row) => row.map((v) => v * 2)],
      ["temperature 0.99", (row) => row.map((v) => v / 0.99)],
      ["smoothing 1e-3", (row) => smooth(row, 1e-3)],
      ["smoothing 1e-2", (row) => smooth(row, 1e-2)],
      ["temperature 1.4 then smoothing 5e-3", (row) => smooth(row, 5e-3, 1.4)],
      ["smoothing 1e-2 then × 1.3", (row) => smooth(row, 1e-2).map((v) => v * 1.3)],
    ];
    for (const [name, transform] of transforms) {
      const distance = fingerprintDistance(fp(own.map(transform)), original);
      expect({ name, small: (distance as number) < 1e-4 }).toEqual({ name, small: true });
    }
  });

  it("is 0 for outputs with a constant added per class, before or after temperature and smoothing", {
    timeout: 30_000,
  }, () => {
    // A fixed offset per class (random signs), as a copier would add to the logits: a log-prior shift.
    const rng = createRng(11);
    const offsets = (amplitude: number) =>
      Float32Array.from({ length: 10 }, () => (rng.next() < 0.5 ? -amplitude : amplitude));
    const [small, half, one] = [offsets(0.1), offsets(0.5), offsets(1)];
    const plus = (row: Float32Array, o: Float32Array) => row.map((v, j) => v + (o[j] as number));
    const transforms: [string, (row: Float32Array) => Float32Array][] = [
      ["offsets ±0.1", (row) => plus(row, small)],
      ["offsets ±0.5", (row) => plus(row, half)],
      ["offsets ±1", (row) => plus(row, one)],
      ["offsets ±1 then × 0.7", (row) => plus(row, one).map((v) => v * 0.7)],
      ["offsets ±1 then temperature 1.3, smoothing 1e-2", (row) => smooth(plus(row, one), 1e-2, 1.3)],
      ["offsets ±0.5 then temperature 0.8, smoothing 5e-3", (row) => smooth(plus(row, half), 5e-3, 0.8)],
      ["smoothing 1e-2 then offsets ±1", (row) => plus(smooth(row, 1e-2), one)],
    ];
    for (const [name, transform] of transforms) {
      const distance = fingerprintDistance(fp(own.map(transform)), original);
      expect({ name, small: (distance as number) < 1e-4 }).toEqual({ name, small: true });
    }
    // The offsets explain a per-class shift, not a model that differs row by row.
    const far = fp(perturbed(own, 0.05, 3).map((row) => smooth(plus(row, one), 1e-2, 1.3)));
    expect(fingerprintDistance(far, original)).toBeGreaterThan(0.03);
    expect(fingerprintsMatch(far, original)).toBe(false);
  });

  it("grows with how much the outputs differ, and is not fooled by a rescaling on top", () => {
    const near = fingerprintDistance(fp(perturbed(own, 0.005, 2)), original) as number;
    const far = fingerprintDistance(fp(perturbed(own, 0.05, 3)), original) as number;
    const farScaled = fingerprintDistance(
      fp(perturbed(own, 0.05, 3).map((r) => smooth(r, 1e-2, 0.7))),
      original,
    );
    expect(near).toBeGreaterThan(0.002);
    expect(near).toBeLessThan(COPY_DISTANCE.classification);
    expect(far).toBeGreaterThan(0.03);
    expect(farScaled).toBeGreaterThan(0.03);
    expect(fingerprintsMatch(fp(perturbed(own, 0.005, 2)), original)).toBe(true);
    expect(fingerprintsMatch(fp(perturbed(own, 0.05, 3)), original)).toBe(false);
  });

  it("is far for a model of its own", () => {
    expect(fingerprintDistance(fp(logits(400, 10, 9)), original)).toBeGreaterThan(0.5);
  });

  it("fits a shift and a scale per output column of a regressor", () => {
    const reg = regression(300, 3);
    const base = logits(300, 3, 4);
    const regFp = (rows: Float32Array[]) => fingerprintOf(reg, (r) => rows[r] as Float32Array);
    const original = regFp(base);
    const scales = [2, -0.5, 0.01];
    const shifts = [1, 1e4, -3];
    const shifted = regFp(
      base.map((row) => row.map((v, j) => v * (scales[j] as number) + (shifts[j] as number))),
    );
    // float32 outputs: 1e4 + v has 7 digits, so 1e-4 of the spread is what survives.
    expect(fingerprintDistance(shifted, original)).toBeLessThan(1e-4);
    expect(fingerprintsMatch(shifted, original)).toBe(true);
    expect(fingerprintDistance(regFp(perturbed(base, 0.05, 5)), original)).toBeGreaterThan(0.03);
    expect(copyThreshold(original)).toBe(COPY_DISTANCE.regression);
  });

  it("does not compare fingerprints of other layouts or of the former format", () => {
    const other = fingerprintOf(classification(400, 5), (r) => logits(400, 5, 1)[r] as Float32Array);
    expect(fingerprintDistance(other, original)).toBeUndefined();
    const formerFormat = original.slice(4);
    expect(fingerprintDistance(original, formerFormat)).toBeUndefined();
    expect(fingerprintsMatch(formerFormat, formerFormat)).toBe(false);
    expect(fingerprintsMatch([], [])).toBe(false);
  });
});

describe("precedence margin", () => {
  const accuracy = { name: "accuracy", direction: "higher", target: 0.9 } as const;
  const perplexity = { name: "perplexity", direction: "lower", target: 13 } as const;

  it("defaults to 5% of the earlier score", () => {
    expect(minImprovementOver(accuracy, 0.9)).toBeCloseTo(0.045, 12);
    expect(beatsByMargin(accuracy, 0.94, 0.9)).toBe(false);
    expect(beatsByMargin(accuracy, 0.95, 0.9)).toBe(true);
    expect(beatsByMargin(perplexity, 10.5, 11)).toBe(false);
    expect(beatsByMargin(perplexity, 10.4, 11)).toBe(true);
  });

  it("takes the spec's minImprovement; 0 means strictly better", () => {
    expect(beatsByMargin({ ...accuracy, minImprovement: 0.01 }, 0.91, 0.9)).toBe(true);
    expect(beatsByMargin({ ...accuracy, minImprovement: 0.01 }, 0.905, 0.9)).toBe(false);
    expect(beatsByMargin({ ...perplexity, minImprovement: 0 }, 10.999, 11)).toBe(true);
    expect(beatsByMargin({ ...perplexity, minImprovement: 0 }, 11, 11)).toBe(false);
    expect(beatsByMargin({ ...perplexity, minImprovement: 0 }, 11.1, 11)).toBe(false);
  });
});
