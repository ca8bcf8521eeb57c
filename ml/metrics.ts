/**
 * The evaluator's metrics, computed streaming: rows are added in order, in
 * batches of any size, as the model's outputs come in (layouts as in the
 * module comment of `core/spec.ts`).
 *
 * - classification: output float32 [count, numClasses] logits; `accuracy`, `macro_f1`.
 * - regression: output float32 [count, outputDim]; `mse`, `mae`.
 * - causal-lm: output float32 [count, sequenceLength, vocabSize] logits;
 *   `cross_entropy` (nats), `perplexity`, `bits_per_token`, and `tokens` scored.
 *
 * Determinism: each row's contribution is computed in float64 by the same code
 * whatever batch it arrives in, and the totals add those contributions in row
 * order; so the same outputs give bit-for-bit the same result however they are
 * batched. Classification counts are integers (exact). Cross-entropy uses
 * Math.exp / Math.log, which ECMAScript leaves to the engine: another engine
 * or Node version may differ in the last bits.
 *
 * Any NaN or ±Infinity in an output is a ScoreError, even where it would not
 * count (a masked language-model position). A failed `add` changes nothing.
 */
import { METRICS, type MetricName } from "../core/spec.js";
import type { CausalLmSplit, ClassificationSplit, DatasetSplit, RegressionSplit } from "./data.js";

export interface ScoreResult {
  /** Rows scored. */
  samples: number;
  values: Record<string, number>;
  /** causal-lm only: the number of positions scored (next tokens predicted). */
  tokens?: number;
}

export interface Scorer {
  /**
   * Outputs of the model for rows [start, start + count) of the split, in the
   * task's layout. Rows must come in order, each once: `start` is the number
   * of rows added so far. Throws ScoreError on a wrong start or length, or a
   * non-finite value.
   */
  add(start: number, count: number, output: Float32Array): void;
  /** The metric values; throws ScoreError unless every row has been added (or if the split is empty). */
  result(): ScoreResult;
}

export class ScoreError extends Error {
  override name = "ScoreError";
}

/** Per-task accumulator: `check` validates a batch, `accumulate` folds it in (after a passing check). */
interface Accumulator {
  /** Values per row of the output. */
  width: number;
  /** Where within a row a flat index lies, for error messages (e.g. "class 2"). */
  describe(index: number): string;
  accumulate(start: number, count: number, output: Float32Array): void;
  values(): { values: Record<string, number>; tokens?: number };
}

/** A scorer for a split; its rows are scored in order, from the outputs given to `add`. */
export function createScorer(split: DatasetSplit): Scorer {
  const total = split.count;
  if (!Number.isSafeInteger(total) || total < 0) throw new ScoreError(`split count ${total} is not a count`);
  const acc =
    split.task === "classification"
      ? classification(split)
      : split.task === "regression"
        ? regression(split)
        : causalLm(split);
  let added = 0;
  return {
    add(start, count, output) {
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new ScoreError(`count ${count} is not a non-negative integer`);
      }
      if (start !== added) {
        throw new ScoreError(`rows must be added in order, each once: expected start ${added}, got ${start}`);
      }
      if (start + count > total) {
        throw new ScoreError(
          added === total
            ? `all ${total} rows are already added`
            : `rows [${start}, ${start + count}) run past the split's ${total} rows`,
        );
      }
      const expected = count * acc.width;
      if (output.length !== expected) {
        throw new ScoreError(
          `output has ${output.length} values; ${count} rows of a ${split.task} split need ${count} × ${acc.width} = ${expected}`,
        );
      }
      for (let i = 0; i < output.length; i++) {
        const v = output[i] as number;
        if (!Number.isFinite(v)) {
          const row = start + Math.floor(i / acc.width);
          throw new ScoreError(
            `output contains ${Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"} at row ${row}, ${acc.describe(i % acc.width)}`,
          );
        }
      }
      acc.accumulate(start, count, output);
      added += count;
    },
    result() {
      if (total === 0) throw new ScoreError("the split has no rows: no metric is defined");
      if (added !== total) {
        throw new ScoreError(`rows ${added}..${total - 1} are missing: ${added} of ${total} rows added`);
      }
      return { samples: total, ...acc.values() };
    },
  };
}

/**
 * The value of a spec metric in a result. Throws ScoreError if the result is
 * of another task (it does not hold that metric).
 */
export function primaryMetric(name: MetricName, result: ScoreResult): number {
  const value = Object.hasOwn(result.values, name) ? result.values[name] : undefined;
  if (value === undefined) {
    const task = Object.hasOwn(METRICS, name) ? METRICS[name].task : "unknown";
    throw new ScoreError(
      `${name} is a ${task} metric; this result holds ${Object.keys(result.values).join(", ")}`,
    );
  }
  return value;
}

function checkLength(what: string, actual: number, expected: number) {
  if (actual !== expected) throw new ScoreError(`split ${what} has ${actual} values, expected ${expected}`);
}

/**
 * accuracy = correct / samples, predicted class = argmax of the logits (ties:
 * the lowest index). macro_f1 = mean over classes of 2TP / (2TP + FP + FN),
 * over the classes present in the labels or the predictions: a class absent
 * from both has no F1 (0/0) and is left out of the mean.
 */
function classification(split: ClassificationSplit): Accumulator {
  const k = split.numClasses;
  checkLength("labels", split.labels.length, split.count);
  for (let i = 0; i < split.count; i++) {
    const label = split.labels[i] as number;
    if (!(label >= 0 && label < k))
      throw new ScoreError(`split label of row ${i} is ${label}, outside [0, ${k})`);
  }
  const tp = new Float64Array(k);
  const fp = new Float64Array(k);
  const fn = new Float64Array(k);
  let correct = 0;
  return {
    width: k,
    describe: (j) => `class ${j}`,
    accumulate(start, count, output) {
      for (let r = 0; r < count; r++) {
        const base = r * k;
        let best = 0;
        for (let j = 1; j < k; j++)
          if ((output[base + j] as number) > (output[base + best] as number)) best = j;
        const label = split.labels[start + r] as number;
        if (best === label) {
          correct++;
          tp[label] = (tp[label] as number) + 1;
        } else {
          fp[best] = (fp[best] as number) + 1;
          fn[label] = (fn[label] as number) + 1;
        }
      }
    },
    values() {
      let sum = 0;
      let present = 0;
      for (let j = 0; j < k; j++) {
        const denominator = 2 * (tp[j] as number) + (fp[j] as number) + (fn[j] as number);
        if (denominator === 0) continue;
        sum += (2 * (tp[j] as number)) / denominator;
        present++;
      }
      // count > 0 (result() checks), so at least one class is present.
      return { values: { accuracy: correct / split.count, macro_f1: sum / present } };
    },
  };
}

/** mse and mae: means over all count × outputDim elements. */
function regression(split: RegressionSplit): Accumulator {
  const d = split.outputDim;
  checkLength("targets", split.targets.length, split.count * d);
  let squared = 0;
  let absolute = 0;
  return {
    width: d,
    describe: (j) => `output ${j}`,
    accumulate(start, count, output) {
      for (let r = 0; r < count; r++) {
        let rowSquared = 0;
        let rowAbsolute = 0;
        for (let j = 0; j < d; j++) {
          const error = (output[r * d + j] as number) - (split.targets[(start + r) * d + j] as number);
          rowSquared += error * error;
          rowAbsolute += Math.abs(error);
        }
        squared += rowSquared;
        absolute += rowAbsolute;
      }
    },
    values() {
      const n = split.count * d;
      return { values: { mse: squared / n, mae: absolute / n } };
    },
  };
}

/**
 * Position t of row i predicts token t + 1 and counts only if t + 1 <
 * lengths[i]: padding, and the position predicting the first pad, are masked.
 * Per position, cross-entropy = logsumexp(logits) − logits[next token], with
 * the max subtracted before exp. Perplexity can overflow to Infinity (mean
 * cross-entropy above ~709 nats).
 */
function causalLm(split: CausalLmSplit): Accumulator {
  const { sequenceLength: l, vocabSize: v, count } = split;
  checkLength("lengths", split.lengths.length, count);
  checkLength("tokens", split.tokens.length, count * l);
  const targets = new Int32Array(count * l);
  for (let i = 0; i < count; i++) {
    const length = split.lengths[i] as number;
    if (!(length >= 0 && length <= l))
      throw new ScoreError(`split length of row ${i} is ${length}, outside [0, ${l}]`);
    for (let t = 1; t < length; t++) {
      const token = split.tokens[i * l + t] as bigint;
      if (!(token >= 0n && token < BigInt(v))) {
        throw new ScoreError(`split token at row ${i}, position ${t} is ${token}, outside [0, ${v})`);
      }
      targets[i * l + t] = Number(token);
    }
  }
  let sum = 0;
  let tokens = 0;
  return {
    width: l * v,
    describe: (j) => `position ${Math.floor(j / v)}, token ${j % v}`,
    accumulate(start, rows, output) {
      for (let r = 0; r < rows; r++) {
        const row = start + r;
        const length = split.lengths[row] as number;
        let rowSum = 0;
        for (let t = 0; t + 1 < length; t++) {
          const base = (r * l + t) * v;
          let max = output[base] as number;
          for (let j = 1; j < v; j++) max = Math.max(max, output[base + j] as number);
          let exps = 0;
          for (let j = 0; j < v; j++) exps += Math.exp((output[base + j] as number) - max);
          const target = targets[row * l + t + 1] as number;
          rowSum += max + Math.log(exps) - (output[base + target] as number);
        }
        sum += rowSum;
        tokens += Math.max(0, length - 1);
      }
    },
    values() {
      if (tokens === 0) throw new ScoreError("no position is scored: every sequence has fewer than 2 tokens");
      const crossEntropy = sum / tokens;
      return {
        values: {
          cross_entropy: crossEntropy,
          perplexity: Math.exp(crossEntropy),
          bits_per_token: crossEntropy / Math.LN2,
        },
        tokens,
      };
    },
  };
}
