/**
 * Running a model over rows of an eval set, and the checks that a model is
 * honest about the task: each states something an honest model cannot do, and
 * tests it by running the model on inputs built for the purpose.
 *
 * `ModelRunner` turns "these rows" into onnxruntime calls of the shape the
 * model accepts: batches of the evaluator's size, or of exactly the size a
 * model fixes (a plain `torch.onnx.export` fixes it at 1; the last batch is
 * filled with copies of its first row, whose outputs are dropped), and a
 * language model's sequences right-padded to the length it fixes (positions
 * past the eval set's width are dropped; a causal model's earlier outputs
 * cannot depend on them, and the causality check makes sure).
 *
 * The checks (`TASK_CHECKS`, one list per task type; a new task adds its own):
 * - every task, `batch_dependent`: a row's outputs must not depend on the other
 *   rows of its batch. A model that reads across the batch could copy answers
 *   from a neighbouring row (overlapping sentences) or normalise over the test
 *   set. Checked by running the same rows next to other companions.
 * - causal-lm, `non_causal`: the logits at position t must not depend on
 *   tokens after t. Checked on PROBE_SEQUENCES rows: for each tested position
 *   p, every token after p is replaced (with a fixed pseudo-random choice), and
 *   the logits at 0..p must stay as they were.
 * Outputs "stay as they were" within |a - b| <= ATOL + RTOL * |b|: float32
 * kernels may sum in another order for another batch, at most a few ulps
 * (1e-6 relative); a model that reads what it must not moves logits by far
 * more. The checks are deterministic: the same model and eval set give the
 * same verdict.
 */
import type { DatasetSplit } from "../../ml/data.js";

/** Tolerances of "the same output" (see the module comment). */
export const INTEGRITY_ATOL = 1e-4;
export const INTEGRITY_RTOL = 1e-4;
/** Causal LMs: rows tested, and at most this many positions each. */
export const PROBE_SEQUENCES = 4;
export const MAX_PROBE_POSITIONS = 64;

export type IntegrityCode = "batch_dependent" | "non_causal";

/** The model broke a rule of its task; `code` is the report's failure, the message says where. */
export class IntegrityFailure extends Error {
  override readonly name = "IntegrityFailure";
  constructor(
    readonly code: IntegrityCode,
    message: string,
  ) {
    super(message);
  }
}

/** Input rows in the eval set's layout: float32 features, or int64 tokens `width` per row. */
export type Rows = Float32Array | BigInt64Array;

/** One onnxruntime call: an input of `dims`, the output as float32 with its dims. */
export type Infer = (data: Rows, dims: number[]) => Promise<{ data: Float32Array; dims: readonly number[] }>;

export interface RunnerShape {
  /** A batch size the model fixes, or undefined: batches of `batchSize`. */
  fixedBatch?: number;
  /** A sequence length a language model fixes, or undefined. */
  fixedSequence?: number;
  batchSize: number;
}

/** Runs a model over rows in the eval set's layout; see the module comment. */
export class ModelRunner {
  /** Input values per row (features, or tokens of the eval set's width). */
  readonly inWidth: number;
  /** Output values per row, in the eval set's layout. */
  readonly outWidth: number;
  /** Rows per onnxruntime call. */
  readonly batch: number;
  /** Values per row of the model's input (a language model's fixed sequence length, or inWidth). */
  private readonly modelWidth: number;
  private readonly fixedBatch: number | undefined;

  constructor(
    readonly split: DatasetSplit,
    private readonly infer: Infer,
    shape: RunnerShape,
  ) {
    this.fixedBatch = shape.fixedBatch;
    this.batch = shape.fixedBatch ?? shape.batchSize;
    if (split.task === "causal-lm") {
      this.inWidth = split.sequenceLength;
      this.outWidth = split.sequenceLength * split.vocabSize;
      this.modelWidth = shape.fixedSequence ?? split.sequenceLength;
    } else {
      this.inWidth = split.numFeatures;
      this.outWidth = split.task === "classification" ? split.numClasses : split.outputDim;
      this.modelWidth = split.numFeatures;
    }
  }

  /** The eval set's own rows [start, start + count). */
  rows(start: number, count: number): Rows {
    const s = this.split;
    const data = s.task === "causal-lm" ? s.tokens : s.features;
    return data.subarray(start * this.inWidth, (start + count) * this.inWidth);
  }

  /** The model's output expected for `count` rows: dims as the spec's interface has them. */
  private expectedDims(count: number): number[] {
    const s = this.split;
    if (s.task === "classification") return [count, s.numClasses];
    if (s.task === "regression") return [count, s.outputDim];
    return [count, this.modelWidth, s.vocabSize];
  }

  /**
   * Outputs for `rows` (any count), in order, `outWidth` values per row. Throws RunnerOutputError when
   * the model's output has another type or shape than the spec's.
   */
  async run(
    rows: Rows,
    onBatch?: (start: number, count: number, output: Float32Array) => void,
  ): Promise<Float32Array> {
    const count = rows.length / this.inWidth;
    const out = new Float32Array(count * this.outWidth);
    for (let start = 0; start < count; start += this.batch) {
      const n = Math.min(this.batch, count - start);
      const output = await this.runBatch(rows.subarray(start * this.inWidth, (start + n) * this.inWidth), n);
      out.set(output, start * this.outWidth);
      onBatch?.(start, n, output);
    }
    return out;
  }

  /** One call: `n` rows, filled up to a fixed batch and padded to a fixed sequence length. */
  private async runBatch(rows: Rows, n: number): Promise<Float32Array> {
    const size = this.fixedBatch ?? n;
    const input = this.modelInput(rows, n, size);
    const want = this.expectedDims(size);
    const result = await this.infer(input, [size, this.modelWidth]);
    if (result.dims.join(",") !== want.join(",")) {
      throw new RunnerOutputError(
        `the output is [${result.dims.join(", ")}] for an input of [${size}, ${this.modelWidth}], not [${want.join(", ")}]`,
      );
    }
    return this.evalLayout(result.data, n);
  }

  /** The model's input: `n` rows, then copies of the first up to `size`, each padded to the model's width. */
  private modelInput(rows: Rows, n: number, size: number): Rows {
    if (size === n && this.modelWidth === this.inWidth) return rows;
    const s = this.split;
    const out: Rows =
      rows instanceof BigInt64Array
        ? new BigInt64Array(size * this.modelWidth)
        : new Float32Array(size * this.modelWidth);
    if (out instanceof BigInt64Array && s.task === "causal-lm") out.fill(BigInt(s.padTokenId));
    for (let r = 0; r < size; r++) {
      const from = r < n ? r : 0;
      const row = rows.subarray(from * this.inWidth, (from + 1) * this.inWidth);
      (out as Float32Array).set(row as Float32Array, r * this.modelWidth);
    }
    return out;
  }

  /** The first `n` rows of an output, each cut to the eval set's width. */
  private evalLayout(data: Float32Array, n: number): Float32Array {
    if (this.split.task !== "causal-lm" || this.modelWidth === this.inWidth) {
      return data.subarray(0, n * this.outWidth);
    }
    const vocab = this.split.vocabSize;
    const out = new Float32Array(n * this.outWidth);
    for (let r = 0; r < n; r++) {
      const from = r * this.modelWidth * vocab;
      out.set(data.subarray(from, from + this.outWidth), r * this.outWidth);
    }
    return out;
  }
}

/** The model's output has another shape than the spec's (a failure of the model, code `output`). */
export class RunnerOutputError extends Error {
  override readonly name = "RunnerOutputError";
}

/** Whether two outputs agree within the integrity tolerance; the first index where they don't, or -1. */
export function firstDifference(a: Float32Array, b: Float32Array): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (!(Math.abs(x - y) <= INTEGRITY_ATOL + INTEGRITY_RTOL * Math.abs(y))) return i;
    if (Number.isNaN(x) !== Number.isNaN(y)) return i;
  }
  return -1;
}

/** What a check needs: the runner and the outputs of the first batch, as the scoring pass computed them. */
export interface CheckContext {
  runner: ModelRunner;
  /** Row indices of the first scored batch and their outputs (outWidth values per row). */
  firstBatch: { rows: number; output: Float32Array };
}

export interface TaskCheck {
  /** The check's name, as reports list the checks passed. */
  name: string;
  code: IntegrityCode;
  /** What an honest model cannot do, in one sentence (for docs and reports). */
  rule: string;
  check(context: CheckContext): Promise<void>;
}

/** A deterministic stream of integers (xorshift32), so every check is reproducible. */
function* integers(seed: number): Generator<number, never> {
  let x = seed >>> 0 || 1;
  for (;;) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    yield x;
  }
}

/** Concatenates rows (copies). */
function concatRows(parts: Rows[]): Rows {
  const total = parts.reduce((sum, p) => sum + p.length, 0);
  const out: Rows = parts[0] instanceof BigInt64Array ? new BigInt64Array(total) : new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    (out as Float32Array).set(p as Float32Array, at);
    at += p.length;
  }
  return out;
}

export const batchIndependence: TaskCheck = {
  name: "batch_independence",
  code: "batch_dependent",
  rule: "a row's outputs do not depend on the other rows of its batch",
  async check({ runner, firstBatch }) {
    const { split } = runner;
    const kept = Math.floor(firstBatch.rows / 2);
    if (runner.batch < 2 || kept < 1) return; // one row per call: nothing to read across
    // The first half of the first batch again, now beside other rows: the next rows of the eval set
    // if it has them, else the first half reversed.
    const companions = firstBatch.rows - kept;
    const others =
      split.count >= firstBatch.rows + companions
        ? runner.rows(firstBatch.rows, companions)
        : reversedRows(runner, 0, companions);
    const again = await runner.run(concatRows([runner.rows(0, kept), others]));
    const before = firstBatch.output.subarray(0, kept * runner.outWidth);
    const at = firstDifference(again.subarray(0, kept * runner.outWidth), before);
    if (at >= 0) {
      const row = Math.floor(at / runner.outWidth);
      throw new IntegrityFailure(
        "batch_dependent",
        `row ${row}'s output changed when the other rows of its batch changed (value ${at % runner.outWidth}: ` +
          `${before[at]} became ${again[at]}); a row's outputs must depend on that row alone`,
      );
    }
  },
};

function reversedRows(runner: ModelRunner, start: number, count: number): Rows {
  const parts: Rows[] = [];
  for (let r = start + count - 1; r >= start; r--) parts.push(runner.rows(r, 1));
  return concatRows(parts);
}

export const causality: TaskCheck = {
  name: "causality",
  code: "non_causal",
  rule: "the logits at position t depend only on tokens 0..t, never on later tokens",
  async check({ runner }) {
    const { split } = runner;
    if (split.task !== "causal-lm") return;
    const width = split.sequenceLength;
    const vocab = split.vocabSize;
    const rng = integers(0x5eed);
    const next = () => rng.next().value;
    // Rows: PROBE_SEQUENCES of them spread over the set; positions: all, or MAX_PROBE_POSITIONS spread.
    const rows = Array.from({ length: Math.min(PROBE_SEQUENCES, split.count) }, (_, k) =>
      Math.floor((k * split.count) / Math.min(PROBE_SEQUENCES, split.count)),
    );
    const tested = Math.min(MAX_PROBE_POSITIONS, width - 1);
    const positions = Array.from({ length: tested }, (_, k) => Math.floor((k * (width - 1)) / tested));
    for (const [index, row] of rows.entries()) {
      const original = runner.rows(row, 1);
      // Two variants per position: the suffix of another real row (natural text, its own length and
      // padding), and random real tokens (no padding at all). A model cannot tell a test from data.
      const donorRow =
        rows.length > 1 ? (rows[(index + 1) % rows.length] as number) : (row + 1) % split.count;
      const donor = runner.rows(donorRow, 1) as BigInt64Array;
      const variants: Rows[] = [];
      for (const p of positions) {
        const natural = original.slice() as BigInt64Array;
        natural.set(donor.subarray(p + 1), p + 1);
        const random = original.slice() as BigInt64Array;
        for (let t = p + 1; t < width; t++) {
          // Another real token than the one there (never padding), so the suffix surely changes.
          let token = next() % vocab;
          if (token === split.padTokenId || BigInt(token) === random[t]) token = (token + 1) % vocab;
          if (token === split.padTokenId) token = (token + 1) % vocab;
          random[t] = BigInt(token);
        }
        variants.push(natural, random);
      }
      const base = await runner.run(original);
      const changed = await runner.run(concatRows(variants));
      for (let k = 0; k < variants.length; k++) {
        const p = positions[Math.floor(k / 2)] as number;
        const upTo = (p + 1) * vocab;
        const offset = k * runner.outWidth;
        const at = firstDifference(changed.subarray(offset, offset + upTo), base.subarray(0, upTo));
        if (at >= 0) {
          throw new IntegrityFailure(
            "non_causal",
            `the logits at position ${Math.floor(at / vocab)} of row ${row} changed when only tokens after position ${p} ` +
              `changed (token ${at % vocab}: ${base[at]} became ${changed[offset + at]}); a causal LM must not read the future`,
          );
        }
      }
    }
  },
};

/** The checks of each task type, run after the scoring pass (they reuse its first batch). */
export const TASK_CHECKS: Record<DatasetSplit["task"], readonly TaskCheck[]> = {
  classification: [batchIndependence],
  regression: [batchIndependence],
  "causal-lm": [batchIndependence, causality],
};
