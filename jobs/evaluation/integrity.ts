/**
 * Running a model over rows of an eval set, and the checks that a model is
 * honest about the task: each states something an honest model cannot do, and
 * tests it by running the model on inputs built for the purpose.
 *
 * A model must not be able to tell a check from scoring, so every onnxruntime
 * call has the same shape: exactly `batch` rows, where `batch` is the size a
 * model fixes (a plain `torch.onnx.export` fixes it at 1) or else the
 * evaluator's batch size, capped at half the eval set so that there are always
 * two batches to swap rows between. A call with fewer rows to run is filled
 * with other real rows of the eval set (whose outputs are dropped), never with
 * copies. A language model's sequences are right-padded to the length it fixes
 * (outputs past the eval set's width are dropped; a causal model's earlier
 * outputs cannot depend on them, and the causality check makes sure).
 *
 * The checks (`TASK_CHECKS`, one list per task type; a new task adds its own)
 * compare outputs against the ones the scoring pass produced for the same rows
 * (`Watched`), so a model that behaves one way while scored and another way
 * while checked is caught:
 * - every task, `batch_dependent`: a row's outputs must not depend on the other
 *   rows of its batch or on its position in it. A model that reads across the
 *   batch could copy answers from a neighbouring row (overlapping sentences) or
 *   normalise over the test set. Checked on every row of the first two scoring
 *   batches, each run again at another position beside other companions.
 * - causal-lm, `non_causal`: the logits at position t must not depend on
 *   tokens after t. Checked on PROBE_SEQUENCES rows at (nearly) every position
 *   and on up to SAMPLED_SEQUENCES more at a few positions: for each tested position
 *   p, every token after p is replaced, once by another real row's tokens
 *   (natural text, with its own length and padding) and once by random real
 *   tokens, and the logits at 0..p must stay as scored. Variants share their
 *   batches with real rows, natural and random ones never in the same batch.
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
/**
 * Causal LMs: PROBE_SEQUENCES rows tested at up to MAX_PROBE_POSITIONS positions each, and up to
 * SAMPLED_SEQUENCES more rows (all of a small eval set) at SAMPLED_POSITIONS positions each, so a
 * model that reads the future only on some rows is caught too: if it does so on a share f of the
 * rows, it escapes with odds (1 - f)^SAMPLED_SEQUENCES.
 */
export const PROBE_SEQUENCES = 4;
export const MAX_PROBE_POSITIONS = 64;
export const SAMPLED_SEQUENCES = 256;
export const SAMPLED_POSITIONS = 2;

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
  /** A batch size the model fixes, or undefined: batches of `batchSize` (at most half the eval set). */
  fixedBatch?: number;
  /** A sequence length a language model fixes, or undefined. */
  fixedSequence?: number;
  batchSize: number;
}

/** Runs a model over rows in the eval set's layout, every call `batch` rows; see the module comment. */
export class ModelRunner {
  /** Input values per row (features, or tokens of the eval set's width). */
  readonly inWidth: number;
  /** Output values per row, in the eval set's layout. */
  readonly outWidth: number;
  /** Rows in every onnxruntime call. */
  readonly batch: number;
  /** Values per row of the model's input (a language model's fixed sequence length, or inWidth). */
  private readonly modelWidth: number;
  /** Real rows that fill up a call, in a fixed spread order. */
  private fillers = 0;

  constructor(
    readonly split: DatasetSplit,
    private readonly infer: Infer,
    shape: RunnerShape,
  ) {
    this.batch = shape.fixedBatch ?? Math.max(1, Math.min(shape.batchSize, Math.floor(split.count / 2)));
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

  /** The eval set's rows at `indices`, in that order (copies). */
  pick(indices: readonly number[]): Rows {
    return concatRows(indices.map((i) => this.rows(i, 1)));
  }

  /** The model's output expected for `count` rows: dims as the spec's interface has them. */
  private expectedDims(count: number): number[] {
    const s = this.split;
    if (s.task === "classification") return [count, s.numClasses];
    if (s.task === "regression") return [count, s.outputDim];
    return [count, this.modelWidth, s.vocabSize];
  }

  /**
   * Outputs for `rows` (any count), in order, `outWidth` values per row, in calls of exactly `batch`
   * rows. Throws RunnerOutputError when the model's output has another type or shape than the spec's.
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

  /** One call: `n` rows, filled up with other real rows to `batch`, padded to a fixed sequence length. */
  private async runBatch(rows: Rows, n: number): Promise<Float32Array> {
    const input = this.modelInput(rows, n);
    const want = this.expectedDims(this.batch);
    const result = await this.infer(input, [this.batch, this.modelWidth]);
    if (result.dims.join(",") !== want.join(",")) {
      throw new RunnerOutputError(
        `the output is [${result.dims.join(", ")}] for an input of [${this.batch}, ${this.modelWidth}], not [${want.join(", ")}]`,
      );
    }
    return this.evalLayout(result.data, n);
  }

  /** The model's input: `n` rows, then real rows of the eval set up to `batch`, each padded to the model's width. */
  private modelInput(rows: Rows, n: number): Rows {
    if (n === this.batch && this.modelWidth === this.inWidth) return rows;
    const s = this.split;
    const size = this.batch;
    const out: Rows =
      rows instanceof BigInt64Array
        ? new BigInt64Array(size * this.modelWidth)
        : new Float32Array(size * this.modelWidth);
    if (out instanceof BigInt64Array && s.task === "causal-lm") out.fill(BigInt(s.padTokenId));
    for (let r = 0; r < size; r++) {
      // Fillers walk the eval set by a stride coprime with nothing in particular: spread, fixed.
      const row =
        r < n
          ? rows.subarray(r * this.inWidth, (r + 1) * this.inWidth)
          : this.rows((this.fillers++ * 7_919) % s.count, 1);
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

/** Outputs of the scoring pass for some rows, by row index (`outWidth` values each). */
export type Watched = ReadonlyMap<number, Float32Array>;

/** What a check needs: the runner and the scoring pass's outputs of the rows it asked to watch. */
export interface CheckContext {
  runner: ModelRunner;
  watched: Watched;
}

export interface TaskCheck {
  /** The check's name, as reports list the checks passed. */
  name: string;
  code: IntegrityCode;
  /** What an honest model cannot do, in one sentence (for docs and reports). */
  rule: string;
  /** Rows whose scoring outputs the check compares with (the scoring pass keeps them). */
  watch(runner: ModelRunner): number[];
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

/** `items` in a fixed pseudo-random order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rng = integers(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.next().value % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
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

/** The scoring output of `row`; a check only asks for rows it watched. */
function scored(watched: Watched, row: number): Float32Array {
  const output = watched.get(row);
  if (!output) throw new Error(`row ${row} was not watched`);
  return output;
}

export const batchIndependence: TaskCheck = {
  name: "batch_independence",
  code: "batch_dependent",
  rule: "a row's outputs depend on that row alone, not on the other rows of its batch or its place in it",
  watch(runner) {
    // The first two scoring batches (the batch is at most half the eval set, so both are full).
    return runner.batch < 2 ? [] : Array.from({ length: 2 * runner.batch }, (_, i) => i);
  },
  async check({ runner, watched }) {
    const b = runner.batch;
    if (b < 2) return; // one row per call: nothing to read across
    // Two new batches, each half of batch A and half of batch B, shuffled: every row at another
    // position, beside other companions.
    const a = Array.from({ length: b }, (_, i) => i);
    const bRows = a.map((i) => b + i);
    const mixes = [
      shuffled([...a.filter((i) => i % 2 === 0), ...bRows.filter((i) => i % 2 === 1)], 1),
      shuffled([...a.filter((i) => i % 2 === 1), ...bRows.filter((i) => i % 2 === 0)], 2),
    ];
    for (const mix of mixes) {
      const again = await runner.run(runner.pick(mix));
      mix.forEach((row, k) => {
        const before = scored(watched, row);
        const at = firstDifference(again.subarray(k * runner.outWidth, (k + 1) * runner.outWidth), before);
        if (at >= 0) {
          throw new IntegrityFailure(
            "batch_dependent",
            `row ${row}'s output changed when it moved to another place in its batch, beside other rows ` +
              `(value ${at}: ${before[at]} became ${again[k * runner.outWidth + at]}); a row's outputs must depend on that row alone`,
          );
        }
      });
    }
  },
};

/**
 * The causality check's plan: rows with the positions tested in each. PROBE_SEQUENCES rows spread
 * over the set get up to MAX_PROBE_POSITIONS positions; up to SAMPLED_SEQUENCES others (every other
 * row of a small set) get SAMPLED_POSITIONS positions drawn at random (deterministically).
 */
function causalPlan(runner: ModelRunner): { row: number; positions: number[] }[] {
  const { count } = runner.split;
  const width = runner.split.task === "causal-lm" ? runner.split.sequenceLength : 0;
  if (width < 2) return [];
  const full = Math.min(PROBE_SEQUENCES, count);
  const fullRows = Array.from({ length: full }, (_, k) => Math.floor((k * count) / full));
  const tested = Math.min(MAX_PROBE_POSITIONS, width - 1);
  const allPositions = Array.from({ length: tested }, (_, k) => Math.floor((k * (width - 1)) / tested));
  const plan = fullRows.map((row) => ({ row, positions: allPositions }));
  const others = Array.from({ length: count }, (_, i) => i).filter((i) => !fullRows.includes(i));
  const sampled = shuffled(others, 4)
    .slice(0, SAMPLED_SEQUENCES)
    .sort((a, b) => a - b);
  const rng = integers(0xca5a1);
  for (const row of sampled) {
    const positions = new Set<number>();
    while (positions.size < Math.min(SAMPLED_POSITIONS, width - 1))
      positions.add(rng.next().value % (width - 1));
    plan.push({ row, positions: [...positions].sort((a, b) => a - b) });
  }
  return plan;
}

export const causality: TaskCheck = {
  name: "causality",
  code: "non_causal",
  rule: "the logits at position t depend only on tokens 0..t, never on later tokens",
  watch(runner) {
    return causalPlan(runner).map(({ row }) => row);
  },
  async check({ runner, watched }) {
    const { split } = runner;
    if (split.task !== "causal-lm") return;
    const width = split.sequenceLength;
    const vocab = split.vocabSize;
    const rng = integers(0x5eed);
    const next = () => rng.next().value;
    const plan = causalPlan(runner);
    interface Variant {
      row: number;
      p: number;
      tokens: BigInt64Array;
    }
    const natural: Variant[] = [];
    const random: Variant[] = [];
    for (const [index, { row, positions }] of plan.entries()) {
      const original = runner.rows(row, 1) as BigInt64Array;
      // The suffix donor: another planned row (natural text, its own length and padding).
      const donorRow =
        plan.length > 1 ? (plan[(index + 1) % plan.length]?.row as number) : (row + 1) % split.count;
      const donor = runner.rows(donorRow, 1) as BigInt64Array;
      for (const p of positions) {
        const spliced = original.slice();
        spliced.set(donor.subarray(p + 1), p + 1);
        natural.push({ row, p, tokens: spliced });
        const noise = original.slice();
        for (let t = p + 1; t < width; t++) {
          // Another real token than the one there (never padding), so the suffix surely changes.
          let token = next() % vocab;
          if (token === split.padTokenId || BigInt(token) === noise[t]) token = (token + 1) % vocab;
          if (token === split.padTokenId) token = (token + 1) % vocab;
          noise[t] = BigInt(token);
        }
        random.push({ row, p, tokens: noise });
      }
    }
    // At most half of each call is variants; real rows of the set fill the rest.
    const perCall = Math.max(1, Math.ceil(runner.batch / 2));
    const realRows = shuffled(
      Array.from({ length: split.count }, (_, i) => i),
      3,
    );
    let nextReal = 0;
    for (const kind of [natural, random]) {
      for (let from = 0; from < kind.length; from += perCall) {
        const group = kind.slice(from, from + perCall);
        const fill = runner.batch - group.length;
        const reals = Array.from({ length: fill }, () => realRows[nextReal++ % realRows.length] as number);
        const slots = shuffled([...group.map((_, i) => -1 - i), ...reals], from + 7);
        const input = concatRows(
          slots.map((slot) => (slot < 0 ? (group[-1 - slot] as Variant).tokens : runner.rows(slot, 1))),
        );
        const output = await runner.run(input);
        slots.forEach((slot, k) => {
          if (slot >= 0) return;
          const { row, p } = group[-1 - slot] as Variant;
          const upTo = (p + 1) * vocab;
          const base = scored(watched, row);
          const offset = k * runner.outWidth;
          const at = firstDifference(output.subarray(offset, offset + upTo), base.subarray(0, upTo));
          if (at >= 0) {
            throw new IntegrityFailure(
              "non_causal",
              `the logits at position ${Math.floor(at / vocab)} of row ${row} changed when only tokens after position ${p} ` +
                `changed (token ${at % vocab}: ${base[at]} became ${output[offset + at]}); a causal LM must not read the future`,
            );
          }
        });
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
