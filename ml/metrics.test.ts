import { describe, expect, it } from "vitest";
import type { CausalLmSplit, ClassificationSplit, DatasetSplit, RegressionSplit } from "./data.js";
import { createScorer, primaryMetric, ScoreError, type ScoreResult } from "./metrics.js";
import { createRng } from "./random.js";

const score = (split: DatasetSplit, output: Float32Array): ScoreResult => {
  const scorer = createScorer(split);
  scorer.add(0, split.count, output);
  return scorer.result();
};

/** The same outputs added in batches of `size` rows. */
const scoreInBatches = (split: DatasetSplit, output: Float32Array, size: number): ScoreResult => {
  const scorer = createScorer(split);
  const width = output.length / split.count;
  for (let start = 0; start < split.count; start += size) {
    const count = Math.min(size, split.count - start);
    scorer.add(start, count, output.subarray(start * width, (start + count) * width));
  }
  return scorer.result();
};

describe("classification", () => {
  // 4 classes, skewed support: class 0 has 4 rows, classes 1 and 2 one each,
  // class 3 none (and is never predicted).
  const split: ClassificationSplit = {
    task: "classification",
    count: 6,
    numFeatures: 1,
    numClasses: 4,
    features: new Float32Array(6),
    labels: Int32Array.from([0, 0, 0, 0, 1, 2]),
  };
  // Predictions: 0, 0 (tie 0/1: lowest index), 0, 0, 0, 1.
  const logits = Float32Array.from(
    [
      [5, 1, 0, 0],
      [2, 2, 0, 0],
      [3, -1, 2, 0],
      [0.5, 0, 0, 0.4],
      [4, 3, 0, 0],
      [0, 1, 0.5, 0],
    ].flat(),
  );

  it("scores accuracy and macro-F1 over the classes present", () => {
    const result = score(split, logits);
    expect(result.samples).toBe(6);
    // accuracy: rows 0..3 right, rows 4 and 5 wrong: 4 / 6.
    expect(result.values.accuracy).toBeCloseTo(4 / 6, 15);
    // class 0: TP 4, FP 1 (row 4), FN 0 -> F1 = 8 / 9
    // class 1: TP 0, FP 1 (row 5), FN 1 (row 4) -> 0
    // class 2: TP 0, FP 0, FN 1 (row 5) -> 0
    // class 3: absent from labels and predictions -> left out
    // macro-F1 = (8/9 + 0 + 0) / 3 = 8/27 ≈ 0.296, far below accuracy 0.667.
    expect(result.values.macro_f1).toBeCloseTo(8 / 27, 15);
    expect(result.tokens).toBeUndefined();
    expect(primaryMetric("accuracy", result)).toBe(result.values.accuracy);
    expect(primaryMetric("macro_f1", result)).toBe(result.values.macro_f1);
  });

  it("gives macro-F1 1 when every prediction is right", () => {
    const perfect = Float32Array.from(
      [0, 0, 0, 0, 1, 2].flatMap((c) => [0, 1, 2, 3].map((j) => (j === c ? 1 : 0))),
    );
    expect(score(split, perfect).values).toEqual({ accuracy: 1, macro_f1: 1 });
  });
});

describe("regression", () => {
  const split: RegressionSplit = {
    task: "regression",
    count: 2,
    numFeatures: 1,
    outputDim: 2,
    features: new Float32Array(2),
    targets: Float32Array.from([1, 2, 3, -1]),
  };

  it("scores mse and mae over every element", () => {
    // errors: 1.5-1 = 0.5, 2-2 = 0, 1-3 = -2, 0-(-1) = 1
    // mse = (0.25 + 0 + 4 + 1) / 4 = 1.3125; mae = (0.5 + 0 + 2 + 1) / 4 = 0.875 (exact in binary)
    const result = score(split, Float32Array.from([1.5, 2, 1, 0]));
    expect(result).toEqual({ samples: 2, values: { mse: 1.3125, mae: 0.875 } });
    expect(primaryMetric("mse", result)).toBe(1.3125);
    expect(primaryMetric("mae", result)).toBe(0.875);
  });
});

describe("causal-lm", () => {
  // vocab {0, 1} plus pad 2; sequences of 4, right-padded.
  const split: CausalLmSplit = {
    task: "causal-lm",
    count: 3,
    sequenceLength: 4,
    vocabSize: 3,
    padTokenId: 2,
    tokens: BigInt64Array.from([0n, 1n, 1n, 2n, 1n, 2n, 2n, 2n, 1n, 0n, 0n, 1n]),
    lengths: Int32Array.from([3, 1, 4]),
  };
  const { LN2 } = Math;
  const ln3 = Math.log(3);
  const masked = [9, -7, 100];
  // [row][position] logits; a position t predicts token t + 1.
  const table = [
    [
      [0, LN2, 0], // next 1: softmax (1/4, 1/2, 1/4) -> -ln(1/2) = ln 2
      [0, 0, 0], // next 1: uniform -> ln 3
      masked, // predicts the pad at position 3: masked
      masked, // padding: masked
    ],
    [masked, masked, masked, masked], // length 1: nothing to predict
    [
      [50 + LN2, 50, 50], // next 0: softmax (1/2, 1/4, 1/4) -> ln 2 (shifted by 50: stable)
      [0, ln3, 0], // next 0: softmax (1/5, 3/5, 1/5) -> ln 5
      [-20, -20, -20], // next 1: uniform -> ln 3
      masked, // last position: no next token
    ],
  ];
  const logits = Float32Array.from(table.flat(2));
  // 5 positions: ln 2 + ln 3 + ln 2 + ln 5 + ln 3 = ln 180
  const crossEntropy = Math.log(180) / 5; // ≈ 1.0386 nats

  it("scores mean cross-entropy, perplexity and bits per token over the real next tokens", () => {
    const result = score(split, logits);
    expect(result.samples).toBe(3);
    expect(result.tokens).toBe(5);
    // float32 logits (ln 2, ln 3 rounded) leave ~1e-7 of error.
    expect(result.values.cross_entropy).toBeCloseTo(crossEntropy, 6);
    expect(result.values.perplexity).toBeCloseTo(180 ** (1 / 5), 6); // ≈ 2.825
    expect(result.values.bits_per_token).toBeCloseTo(Math.log2(180) / 5, 6); // ≈ 1.498
    expect(primaryMetric("perplexity", result)).toBe(result.values.perplexity);
    expect(primaryMetric("bits_per_token", result)).toBe(result.values.bits_per_token);
  });

  it("ignores the logits of masked positions", () => {
    const changed = Float32Array.from(logits);
    const rng = createRng(3);
    const v = split.vocabSize;
    const setPosition = (row: number, t: number) => {
      for (let j = 0; j < v; j++) changed[(row * 4 + t) * v + j] = (rng.next() - 0.5) * 1e6;
    };
    setPosition(0, 2); // predicts the pad after the last real token
    setPosition(0, 3); // padding
    for (let t = 0; t < 4; t++) setPosition(1, t); // a length-1 sequence
    setPosition(2, 3); // the last position of a full sequence
    expect(score(split, changed)).toEqual(score(split, logits));
    // ...while a counted position does change it.
    setPosition(0, 1);
    expect(score(split, changed).values.cross_entropy).not.toBe(score(split, logits).values.cross_entropy);
  });

  it("rejects a split where no position is scored", () => {
    const short: CausalLmSplit = {
      ...split,
      count: 1,
      tokens: split.tokens.slice(4, 8),
      lengths: Int32Array.of(1),
    };
    const scorer = createScorer(short);
    scorer.add(0, 1, new Float32Array(12));
    expect(() => scorer.result()).toThrow(/no position is scored/);
  });
});

describe("batching", () => {
  const rng = createRng(11);
  const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal() * 3);
  const n = 37;
  const splits: [DatasetSplit, Float32Array][] = [
    [
      {
        task: "classification",
        count: n,
        numFeatures: 1,
        numClasses: 5,
        features: new Float32Array(n),
        labels: Int32Array.from({ length: n }, (_, i) => (i * 7) % 5),
      },
      random(n * 5),
    ],
    [
      {
        task: "regression",
        count: n,
        numFeatures: 1,
        outputDim: 3,
        features: new Float32Array(n),
        targets: random(n * 3),
      },
      random(n * 3),
    ],
    [
      {
        task: "causal-lm",
        count: n,
        sequenceLength: 6,
        vocabSize: 7,
        padTokenId: 6,
        tokens: BigInt64Array.from({ length: n * 6 }, (_, k) =>
          k % 6 < ((k / 6) | 0) % 7 ? BigInt(k % 6) : 6n,
        ),
        lengths: Int32Array.from({ length: n }, (_, i) => Math.min(6, i % 7)),
      },
      random(n * 6 * 7),
    ],
  ];

  it.each(splits.map(([split, output]) => [split.task, split, output] as const))(
    "%s: batches of 1, 2, 5 or all rows give bit-identical results",
    (_, split, output) => {
      const all = score(split, output);
      for (const size of [1, 2, 5]) expect(scoreInBatches(split, output, size)).toEqual(all);
      for (const value of Object.values(all.values)) expect(Number.isFinite(value)).toBe(true);
    },
  );
});

describe("rejection", () => {
  const split: ClassificationSplit = {
    task: "classification",
    count: 5,
    numFeatures: 1,
    numClasses: 3,
    features: new Float32Array(5),
    labels: Int32Array.from([0, 1, 2, 0, 1]),
  };

  it.each([
    [Number.NaN, /output contains NaN at row 3, class 2/],
    [Number.POSITIVE_INFINITY, /output contains Infinity at row 3, class 2/],
    [Number.NEGATIVE_INFINITY, /output contains -Infinity at row 3, class 2/],
  ])("rejects %s in an output, naming the row and position", (bad, message) => {
    const scorer = createScorer(split);
    scorer.add(0, 2, new Float32Array(6));
    const batch = new Float32Array(9);
    batch[(3 - 2) * 3 + 2] = bad;
    expect(() => scorer.add(2, 3, batch)).toThrow(ScoreError);
    expect(() => scorer.add(2, 3, batch)).toThrow(message);
    // The failed batch changed nothing: a clean one is still accepted.
    scorer.add(2, 3, new Float32Array(9));
    expect(scorer.result().samples).toBe(5);
  });

  it("rejects NaN at a masked language-model position too", () => {
    const lm: CausalLmSplit = {
      task: "causal-lm",
      count: 1,
      sequenceLength: 3,
      vocabSize: 2,
      padTokenId: 1,
      tokens: BigInt64Array.from([0n, 0n, 1n]),
      lengths: Int32Array.of(2),
    };
    const output = new Float32Array(6);
    output[2 * 2 + 1] = Number.NaN;
    expect(() => createScorer(lm).add(0, 1, output)).toThrow(/NaN at row 0, position 2, token 1/);
  });

  it("rejects a wrong output length", () => {
    expect(() => createScorer(split).add(0, 2, new Float32Array(5))).toThrow(
      /output has 5 values; 2 rows of a classification split need 2 × 3 = 6/,
    );
  });

  it("rejects missing, repeated, skipped and extra rows", () => {
    const scorer = createScorer(split);
    expect(() => scorer.result()).toThrow(/rows 0..4 are missing: 0 of 5/);
    scorer.add(0, 2, new Float32Array(6));
    expect(() => scorer.result()).toThrow(/rows 2..4 are missing: 2 of 5/);
    expect(() => scorer.add(0, 2, new Float32Array(6))).toThrow(/expected start 2, got 0/);
    expect(() => scorer.add(3, 1, new Float32Array(3))).toThrow(/expected start 2, got 3/);
    expect(() => scorer.add(2, 4, new Float32Array(12))).toThrow(/run past the split's 5 rows/);
    scorer.add(2, 3, new Float32Array(9));
    expect(() => scorer.add(5, 1, new Float32Array(3))).toThrow(/already added/);
    expect(scorer.result().samples).toBe(5);
  });

  it("rejects an empty split", () => {
    const empty: ClassificationSplit = {
      ...split,
      count: 0,
      features: new Float32Array(),
      labels: new Int32Array(),
    };
    expect(() => createScorer(empty).result()).toThrow(/no rows/);
  });

  it("rejects a metric of another task", () => {
    const result = score(split, new Float32Array(15));
    expect(() => primaryMetric("mse", result)).toThrow(
      /mse is a regression metric; this result holds accuracy, macro_f1/,
    );
  });
});
