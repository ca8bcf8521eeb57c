/**
 * Output fingerprints, for copy detection beyond identical hashes (ADR 014).
 *
 * A checkpoint's fingerprint is its outputs on a fixed probe subset of the eval
 * set: PROBE_ROWS rows spread evenly over it (`probeRows`).
 *
 * - Classifiers and language models contribute **log-probabilities** (the
 *   log-softmax of the logits): one distribution per probe row, or, for a
 *   language model, per chosen counted position (never padding). A distribution
 *   wider than MAX_ROW_WIDTH keeps MAX_ROW_WIDTH fixed class ids (an even stride).
 * - Regressors contribute their raw outputs, one row per probe row.
 *
 * The values are laid out as a header `[FINGERPRINT_FORMAT, kind, width,
 * stored width]` then rows of `stored width` values, thinned by whole rows to at
 * most FINGERPRINT_SIZE values and rounded to 6 significant digits (a
 * regressor's columns centred first) by `finishFingerprint`.
 *
 * Two fingerprints are compared by a **distance that no cheap output
 * transformation changes** (`fingerprintDistance`): the earlier model's outputs
 * are first put through the best-fitting member of a family of
 * transformations, and what the family cannot explain is the distance:
 *
 * - log-probabilities: a constant added to each class's logits (offsets β, one
 *   per stored class, shared by all rows: a log-prior shift), then temperature
 *   (any logit scaling, before or after), then ε-smoothing,
 *   `log((1-ε)·softmax(s·(z + β)) + ε/K)`, then the best positive rescaling and
 *   another constant per class (offsets γ, added after the smoothing); compared
 *   after centring each row (so adding any constant to a row's logits changes
 *   nothing). s, ε and β are fitted (s in [1/8, 8], ε in [0, 0.1]), the
 *   rescaling and γ in closed form;
 * - regression values: a separate shift and scale per output column.
 *
 * distance = ‖later − fitted(earlier)‖ / ‖later‖ over the centred rows (a
 * relative residual: ~1e-6 for a transformed copy, 0.004..0.012 for weight noise
 * of 1e-2, 0.012..0.1 for convex models trained apart, 0.15..0.5 for language
 * models). `fingerprintsMatch` is `distance ≤ COPY_DISTANCE`, a threshold
 * chosen from the corpus measured by `npm run copies` (scripts/copies.ts; the
 * table is in ADR 014).
 */
import type { DatasetSplit } from "../../ml/data.js";

/** The layout version written as the fingerprint's first value. */
export const FINGERPRINT_FORMAT = 2;
/** Probe rows read from the eval set (all of them when it has fewer). */
export const PROBE_ROWS = 512;
/** Values kept after the header, at most. */
export const FINGERPRINT_SIZE = 4_096;
/** Classes kept per distribution, at most. */
export const MAX_ROW_WIDTH = 256;
/**
 * Fingerprints at most this far apart (relative residual after the fitted transformation) are the
 * same model, by task. Measured by `npm run copies` (ADR 014 has the numbers): weight-noise copies of
 * 1e-2 reach 0.0112 (classification), 0.0146 (regression), 0.0057 (causal-lm); two reference trainings
 * with different seeds are at least 0.0143, 0.0118 and 0.20 apart (causal-lm models trained on
 * another half of the data: 0.147). Classification and causal-lm sit between the two: classification
 * halfway, causal-lm at the same ratio (×5) from each side. Regression's reference model is linear, a
 * convex problem: retrainings with another seed converge to the same optimum, some closer to each
 * other than a noisy copy is to its original. The threshold catches every measured copy; such
 * convergent retrainings fall under the precedence policy (the later one must beat the earlier score
 * by the margin), as ADR 014 explains.
 */
export const COPY_DISTANCE = { classification: 0.0128, regression: 0.0155, "causal-lm": 0.03 } as const;

/**
 * Tasks whose reference trainer solves a convex problem, so that retrainings with another seed reach
 * the same optimum: convergent models, not models trained apart (npm run copies reports them so).
 */
export const CONVEX_TASKS: ReadonlySet<string> = new Set(["regression"]);

/** The fingerprint's second value: what its rows hold. */
const KIND = { classification: 0, regression: 1, "causal-lm": 2 } as const;
const TASK_OF_KIND = ["classification", "regression", "causal-lm"] as const;
const HEADER = 4;
/** Levenberg–Marquardt steps tried after the grid, at most; conjugate-gradient iterations per step. */
const LM_EVALUATIONS = 40;
const CG_ITERATIONS = 15;

/** The probe rows of a split of `count` rows: PROBE_ROWS of them (or all), evenly spread, ascending. */
export function probeRows(count: number): number[] {
  const n = Math.min(PROBE_ROWS, count);
  return Array.from({ length: n }, (_, k) => Math.floor((k * count) / n));
}

/** The stored class ids of a row `width` wide: all, or MAX_ROW_WIDTH of them by an even stride. */
function storedIds(width: number): number[] {
  const m = Math.min(width, MAX_ROW_WIDTH);
  return Array.from({ length: m }, (_, k) => Math.floor((k * width) / m));
}

function pushLogSoftmax(values: Float32Array, start: number, width: number, ids: number[], out: number[]) {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < width; j++) max = Math.max(max, values[start + j] as number);
  let sum = 0;
  for (let j = 0; j < width; j++) sum += Math.exp((values[start + j] as number) - max);
  const log = max + Math.log(sum);
  for (const j of ids) out.push((values[start + j] as number) - log);
}

/** Distributions of a probe row of a language model: evenly spread counted positions, a fair share. */
function lmPositions(split: Extract<DatasetSplit, { task: "causal-lm" }>, row: number): number[] {
  const counted = Math.max(0, (split.lengths[row] as number) - 1);
  const perRow = Math.ceil(
    FINGERPRINT_SIZE / Math.min(split.vocabSize, MAX_ROW_WIDTH) / Math.min(PROBE_ROWS, split.count),
  );
  const n = Math.min(counted, perRow);
  // Offset by the row so that thinning does not keep the same position of every sequence.
  return Array.from({ length: n }, (_, k) => Math.floor(((k + ((row * 0.618) % 1)) * counted) / n));
}

/**
 * The raw fingerprint values of one row, given that row's output (one row of the batch output). Called
 * for each probe row in order, into the same `out`; `finishFingerprint` thins and rounds the whole.
 */
export function rowFingerprint(split: DatasetSplit, row: number, output: Float32Array, out: number[]): void {
  if (split.task === "regression") {
    const ids = storedIds(split.outputDim);
    if (out.length === 0) out.push(FINGERPRINT_FORMAT, KIND.regression, split.outputDim, ids.length);
    for (const j of ids) out.push(output[j] as number);
  } else if (split.task === "classification") {
    const ids = storedIds(split.numClasses);
    if (out.length === 0) out.push(FINGERPRINT_FORMAT, KIND.classification, split.numClasses, ids.length);
    pushLogSoftmax(output, 0, split.numClasses, ids, out);
  } else {
    const ids = storedIds(split.vocabSize);
    if (out.length === 0) out.push(FINGERPRINT_FORMAT, KIND["causal-lm"], split.vocabSize, ids.length);
    for (const t of lmPositions(split, row))
      pushLogSoftmax(output, t * split.vocabSize, split.vocabSize, ids, out);
  }
}

const round = (value: number) => Number(value.toPrecision(6));

/**
 * The header and at most FINGERPRINT_SIZE values (whole rows, by a fixed stride), rounded to 6
 * significant digits. A regressor's columns are centred first (the distance fits a shift per column
 * anyway), so a large constant added to the outputs does not eat the digits.
 */
export function finishFingerprint(values: readonly number[]): number[] {
  if (values.length < HEADER) return [];
  const width = values[3] as number;
  const rows = Math.floor((values.length - HEADER) / width);
  const stride = Math.max(1, Math.ceil((rows * width) / FINGERPRINT_SIZE));
  const kept: number[] = [];
  for (let r = 0; r < rows; r += stride) kept.push(r);
  const centre = new Float64Array(width);
  if (values[1] === KIND.regression) {
    for (const r of kept) {
      for (let j = 0; j < width; j++)
        centre[j] = (centre[j] as number) + (values[HEADER + r * width + j] as number);
    }
    for (let j = 0; j < width; j++) centre[j] = (centre[j] as number) / kept.length;
  }
  const out = values.slice(0, HEADER);
  for (const r of kept) {
    for (let j = 0; j < width; j++)
      out.push(round((values[HEADER + r * width + j] as number) - (centre[j] as number)));
  }
  return out;
}

interface Parsed {
  kind: number;
  width: number;
  stored: number;
  rows: number;
  values: readonly number[];
}

function parse(fingerprint: readonly number[]): Parsed | undefined {
  if (fingerprint.length <= HEADER || fingerprint[0] !== FINGERPRINT_FORMAT) return undefined;
  const [, kind, width, stored] = fingerprint as [number, number, number, number];
  if (!(stored >= 1) || (fingerprint.length - HEADER) % stored !== 0) return undefined;
  return {
    kind,
    width,
    stored,
    rows: (fingerprint.length - HEADER) / stored,
    values: fingerprint.slice(HEADER),
  };
}

/**
 * Regression: per output column, the least-squares shift and scale of the earlier values that best
 * reproduce the later ones; the residual over the later values' spread.
 */
function valuesDistance(later: Parsed, earlier: Parsed): number {
  const { rows, stored } = later;
  let residual = 0;
  let total = 0;
  for (let j = 0; j < stored; j++) {
    let mx = 0;
    let my = 0;
    for (let r = 0; r < rows; r++) {
      mx += earlier.values[r * stored + j] as number;
      my += later.values[r * stored + j] as number;
    }
    mx /= rows;
    my /= rows;
    let sxx = 0;
    let sxy = 0;
    let syy = 0;
    for (let r = 0; r < rows; r++) {
      const x = (earlier.values[r * stored + j] as number) - mx;
      const y = (later.values[r * stored + j] as number) - my;
      sxx += x * x;
      sxy += x * y;
      syy += y * y;
    }
    residual += sxx > 0 ? Math.max(0, syy - (sxy * sxy) / sxx) : syy;
    total += syy;
  }
  return total > 0 ? Math.sqrt(residual / total) : residual === 0 ? 0 : 1;
}

/**
 * Log-probabilities: the relative residual of the later rows against the earlier rows x put through a
 * per-class offset β, temperature s, then ε-smoothing, `log((1−ε)·softmax(s·(x + β)) + ε/K)`, then
 * the best positive rescaling α and a second per-class offset γ (an offset added after the smoothing:
 * a log-prior shift of the smoothed distribution); all compared after centring each row.
 *
 * α and γ are fitted in closed form at every point (least squares on the rows centred per row, then
 * per class). s and ε start from the best point of a grid (with β = 0: without smoothing, γ alone
 * is any offset), then Levenberg–Marquardt fits (α, log s, log ε), then (α, log s, log ε, β)
 * together; its linear systems are solved by preconditioned conjugate gradients (each product with
 * the Jacobian is one pass over the values, no exp or log). Without smoothing β and γ are the same
 * transformation; with it they differ where the smoothing floor ε/K dominates a probability, which is
 * where the fit needs β. Any point of the family gives an upper bound of the distance: a fit that
 * stops early errs towards "not a copy", never the other way.
 */
function logProbDistance(later: Parsed, earlier: Parsed): number {
  const { rows, stored, width } = later;
  const n = rows * stored;
  const x = earlier.values;
  // The later rows, centred per row (their norm is the distance's scale), then per class.
  const y = new Float64Array(n);
  let yy = 0;
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let j = 0; j < stored; j++) mean += later.values[r * stored + j] as number;
    mean /= stored;
    for (let j = 0; j < stored; j++) {
      const v = (later.values[r * stored + j] as number) - mean;
      y[r * stored + j] = v;
      yy += v * v;
    }
  }
  if (!(yy > 0)) return 1;
  const column = new Float64Array(stored);
  for (let i = 0; i < n; i++) column[i % stored] = (column[i % stored] as number) + (y[i] as number);
  let yyCentred = 0;
  for (let i = 0; i < n; i++) {
    y[i] = (y[i] as number) - (column[i % stored] as number) / rows;
    yyCentred += (y[i] as number) ** 2;
  }
  // The normalizer correction when only some classes are stored.
  const widthCorrection = Math.log(width / stored);

  // The last evaluation: the transformed earlier rows u (centred per row and, by `doubleCentre`, per
  // class), and per value: the derivative of u by its log-probability before smoothing (the
  // unsmoothed share of the smoothed probability, 1 without smoothing), the softmax, the logit less
  // its softmax-weighted row mean (its derivative by log s), u's derivative by log ε; then α.
  const u = new Float64Array(n);
  const share = new Float64Array(n);
  const prob = new Float64Array(n);
  const bySlope = new Float64Array(n);
  const byEpsilon = new Float64Array(n);
  let alpha = 0;
  let uu = 0;
  const evaluate = (s: number, epsilon: number, beta: Float64Array): number => {
    let uy = 0;
    uu = 0;
    for (let r = 0; r < rows; r++) {
      const base = r * stored;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < stored; j++) {
        max = Math.max(max, s * ((x[base + j] as number) + (beta[j] as number)));
      }
      let sum = 0;
      let weighted = 0;
      for (let j = 0; j < stored; j++) {
        const z = s * ((x[base + j] as number) + (beta[j] as number));
        const e = Math.exp(z - max);
        prob[base + j] = e;
        sum += e;
        weighted += e * z;
      }
      const logZ = max + Math.log(sum) + widthCorrection;
      const meanLogit = weighted / sum;
      for (let j = 0; j < stored; j++) {
        const z = s * ((x[base + j] as number) + (beta[j] as number));
        prob[base + j] = (prob[base + j] as number) / sum;
        bySlope[base + j] = z - meanLogit;
        let value = z - logZ;
        let kept = 1;
        let dEpsilon = 0;
        if (epsilon > 0) {
          const q = Math.exp(value);
          const smoothed = (1 - epsilon) * q + epsilon / width;
          value = Math.log(smoothed);
          kept = ((1 - epsilon) * q) / smoothed;
          dEpsilon = (epsilon * (1 / width - q)) / smoothed;
        }
        u[base + j] = value;
        share[base + j] = kept;
        byEpsilon[base + j] = dEpsilon;
      }
    }
    doubleCentre(u);
    for (let i = 0; i < n; i++) {
      uy += (u[i] as number) * (y[i] as number);
      uu += (u[i] as number) ** 2;
    }
    if (!(uu > 0) || !(uy > 0)) {
      alpha = 0;
      return 1;
    }
    alpha = uy / uu;
    return Math.min(1, Math.max(0, (yyCentred - (uy * uy) / uu) / yy));
  };
  const classMean = new Float64Array(stored);
  /** Centres `values` per row, then per class, in place. */
  function doubleCentre(values: Float64Array): void {
    classMean.fill(0);
    for (let r = 0; r < rows; r++) {
      const base = r * stored;
      let mean = 0;
      for (let j = 0; j < stored; j++) mean += values[base + j] as number;
      mean /= stored;
      for (let j = 0; j < stored; j++) {
        values[base + j] = (values[base + j] as number) - mean;
        classMean[j] = (classMean[j] as number) + (values[base + j] as number);
      }
    }
    for (let i = 0; i < n; i++) values[i] = (values[i] as number) - (classMean[i % stored] as number) / rows;
  }

  // The Jacobian of the residual's fitted part α·u at the last evaluation, by t = (α, log s, log ε, β),
  // and its transpose. `jacobian` writes a double-centred vector; `transposed` takes one.
  const P = 3 + stored;
  const jacobian = (t: Float64Array, s: number, out: Float64Array): void => {
    for (let r = 0; r < rows; r++) {
      const base = r * stored;
      let shift = 0;
      for (let j = 0; j < stored; j++) shift += (prob[base + j] as number) * (t[3 + j] as number);
      for (let j = 0; j < stored; j++) {
        const i = base + j;
        const logProb = (t[1] as number) * (bySlope[i] as number) + s * ((t[3 + j] as number) - shift);
        out[i] = alpha * ((share[i] as number) * logProb + (t[2] as number) * (byEpsilon[i] as number));
      }
    }
    doubleCentre(out);
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) + (t[0] as number) * (u[i] as number);
  };
  const transposed = (v: Float64Array, s: number, out: Float64Array): void => {
    out.fill(0);
    for (let r = 0; r < rows; r++) {
      const base = r * stored;
      let row = 0;
      for (let j = 0; j < stored; j++) {
        const i = base + j;
        const wv = (share[i] as number) * (v[i] as number);
        row += wv;
        out[0] = (out[0] as number) + (u[i] as number) * (v[i] as number);
        out[1] = (out[1] as number) + alpha * wv * (bySlope[i] as number);
        out[2] = (out[2] as number) + alpha * (byEpsilon[i] as number) * (v[i] as number);
        out[3 + j] = (out[3 + j] as number) + alpha * s * wv;
      }
      for (let j = 0; j < stored; j++) {
        out[3 + j] = (out[3 + j] as number) - alpha * s * (prob[base + j] as number) * row;
      }
    }
  };
  /**
   * The diagonal of JᵀJ (the squared norms of the Jacobian's columns, centred: for β, the centring per
   * class is taken for the class's own column only), for the damping and the preconditioner. A
   * column that barely changes the fit (an offset that γ or the smoothing floor makes moot) is
   * floored, so that its damped step stays small.
   */
  const scales = (s: number, out: Float64Array): void => {
    out.fill(0);
    out[0] = uu;
    const as = alpha * s;
    own.fill(0);
    ownMean.fill(0);
    for (let r = 0; r < rows; r++) {
      const base = r * stored;
      let w1 = 0;
      let w2 = 0;
      for (let j = 0; j < stored; j++) {
        const w = share[base + j] as number;
        w1 += w;
        w2 += w * w;
      }
      for (let j = 0; j < stored; j++) {
        const i = base + j;
        const w = share[i] as number;
        const p = prob[i] as number;
        out[1] = (out[1] as number) + (alpha * w * (bySlope[i] as number)) ** 2;
        out[2] = (out[2] as number) + (alpha * (byEpsilon[i] as number)) ** 2;
        // Column β_j in row r: as·w·(1 − p) at j, −as·w_l·p at every other class l; its row mean.
        const rowMean = (as * (w - p * w1)) / stored;
        const ownValue = as * w * (1 - p) - rowMean;
        out[3 + j] =
          (out[3 + j] as number) +
          as * as * (w * w * (1 - p) ** 2 + p * p * (w2 - w * w)) -
          stored * rowMean ** 2;
        own[j] = (own[j] as number) + (as * w) ** 2;
        ownMean[j] = (ownMean[j] as number) + ownValue;
      }
    }
    let largest = 0;
    for (let j = 0; j < stored; j++) largest = Math.max(largest, own[j] as number);
    for (let j = 0; j < stored; j++) {
      const centred = (out[3 + j] as number) - (ownMean[j] as number) ** 2 / rows;
      out[3 + j] = Math.max(centred, 1e-3 * (own[j] as number), 1e-6 * largest);
    }
  };
  const own = new Float64Array(stored);
  const ownMean = new Float64Array(stored);

  const residual = new Float64Array(n);
  const gradient = new Float64Array(P);
  const diagonal = new Float64Array(P);
  const step = new Float64Array(P);
  const cgR = new Float64Array(P);
  const cgZ = new Float64Array(P);
  const cgP = new Float64Array(P);
  const cgQ = new Float64Array(P);
  const image = new Float64Array(n);
  /**
   * The Levenberg–Marquardt step at the last evaluation with damping λ: (JᵀJ + λ·diag)·t = Jᵀ·residual,
   * by conjugate gradients preconditioned with the (damped) diagonal.
   */
  const solve = (s: number, lambda: number, free: number): void => {
    for (let i = 0; i < n; i++) residual[i] = (y[i] as number) - alpha * (u[i] as number);
    transposed(residual, s, gradient);
    scales(s, diagonal);
    step.fill(0);
    gradient.fill(0, free);
    cgR.set(gradient);
    const precondition = (k: number) =>
      k < free ? 1 / ((diagonal[k] as number) * (1 + lambda) + 1e-300) : 0;
    let rz = 0;
    for (let k = 0; k < P; k++) {
      cgZ[k] = (cgR[k] as number) * precondition(k);
      rz += (cgR[k] as number) * (cgZ[k] as number);
    }
    cgP.set(cgZ);
    for (let iteration = 0; iteration < CG_ITERATIONS && rz > 0; iteration++) {
      jacobian(cgP, s, image);
      transposed(image, s, cgQ);
      cgQ.fill(0, free);
      let pq = 0;
      for (let k = 0; k < P; k++) {
        cgQ[k] = (cgQ[k] as number) + lambda * (diagonal[k] as number) * (cgP[k] as number);
        pq += (cgP[k] as number) * (cgQ[k] as number);
      }
      if (!(pq > 0)) break;
      const a = rz / pq;
      let next = 0;
      for (let k = 0; k < P; k++) {
        step[k] = (step[k] as number) + a * (cgP[k] as number);
        cgR[k] = (cgR[k] as number) - a * (cgQ[k] as number);
        cgZ[k] = (cgR[k] as number) * precondition(k);
        next += (cgR[k] as number) * (cgZ[k] as number);
      }
      if (next < 1e-8 * rz) break;
      for (let k = 0; k < P; k++) cgP[k] = (cgZ[k] as number) + (next / rz) * (cgP[k] as number);
      rz = next;
    }
  };

  // The state of the point the next step starts from, kept while a step is tried.
  const state = [u, share, prob, bySlope, byEpsilon];
  const kept = state.map((values) => new Float64Array(values.length));
  let keptFit = { alpha, uu };
  const save = () => {
    for (const [k, values] of state.entries()) (kept[k] as Float64Array).set(values);
    keptFit = { alpha, uu };
  };
  const restore = () => {
    for (const [k, values] of state.entries()) values.set(kept[k] as Float64Array);
    ({ alpha, uu } = keptFit);
  };

  const LS = { min: Math.log(1 / 8), max: Math.log(8) };
  const LE = { min: Math.log(1e-6), max: Math.log(0.1) };
  const clamp = (value: number, range: typeof LS) => Math.min(range.max, Math.max(range.min, value));
  const zero = new Float64Array(stored);
  let best = evaluate(1, 0, zero);

  // The grid, over log s and log ε, with β = 0 (at ε = 0, s is absorbed by the rescaling): per s, the
  // log-probabilities once, then the fit of each ε from sums alone.
  const GRID = { s: 24, epsilon: 15 };
  const epsilons = Array.from(
    { length: GRID.epsilon + 1 },
    (_, k) => LE.min + (k * (LE.max - LE.min)) / GRID.epsilon,
  );
  const logProb = new Float64Array(n);
  const row = new Float64Array(stored);
  const classSums = new Float64Array(stored);
  let start = { ls: 0, le: LE.min, value: Number.POSITIVE_INFINITY };
  for (let i = 0; i <= GRID.s; i++) {
    const ls = LS.min + (i * (LS.max - LS.min)) / GRID.s;
    const s = Math.exp(ls);
    for (let r = 0; r < rows; r++) {
      const base = r * stored;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < stored; j++) max = Math.max(max, s * (x[base + j] as number));
      let sum = 0;
      for (let j = 0; j < stored; j++) sum += Math.exp(s * (x[base + j] as number) - max);
      const logZ = max + Math.log(sum) + widthCorrection;
      for (let j = 0; j < stored; j++) logProb[base + j] = s * (x[base + j] as number) - logZ;
    }
    for (const le of epsilons) {
      const epsilon = Math.exp(le);
      let uy = 0;
      let uuCentred = 0;
      classSums.fill(0);
      for (let r = 0; r < rows; r++) {
        const base = r * stored;
        let mean = 0;
        for (let j = 0; j < stored; j++) {
          row[j] = Math.log((1 - epsilon) * Math.exp(logProb[base + j] as number) + epsilon / width);
          mean += row[j] as number;
        }
        mean /= stored;
        for (let j = 0; j < stored; j++) {
          const c = (row[j] as number) - mean;
          uy += c * (y[base + j] as number);
          uuCentred += c * c;
          classSums[j] = (classSums[j] as number) + c;
        }
      }
      for (let j = 0; j < stored; j++) uuCentred -= (classSums[j] as number) ** 2 / rows;
      const value = uuCentred > 0 && uy > 0 ? Math.max(0, (yyCentred - (uy * uy) / uuCentred) / yy) : 1;
      if (value < start.value) start = { ls, le, value };
    }
  }
  best = Math.min(best, start.value);

  // Levenberg–Marquardt from the grid's best point: first (α, log s, log ε) alone, then with β.
  let point = {
    ls: start.ls,
    le: start.le,
    beta: zero,
    value: evaluate(Math.exp(start.ls), Math.exp(start.le), zero),
  };
  save();
  for (const free of [3, P]) {
    let lambda = 1e-3;
    let slow = 0;
    for (let iteration = 0; iteration < LM_EVALUATIONS; iteration++) {
      const s = Math.exp(point.ls);
      solve(s, lambda, free);
      const beta = new Float64Array(stored);
      for (let j = 0; j < stored; j++) beta[j] = (point.beta[j] as number) + (step[3 + j] as number);
      const candidate = {
        ls: clamp(point.ls + (step[1] as number), LS),
        le: clamp(point.le + (step[2] as number), LE),
        beta,
        value: 0,
      };
      candidate.value = evaluate(Math.exp(candidate.ls), Math.exp(candidate.le), beta);
      if (candidate.value < point.value) {
        const gain = point.value - candidate.value;
        point = candidate;
        save();
        lambda = Math.max(lambda / 3, 1e-9);
        // Done after three steps in a row that each gain less than 1e-4 of the residual.
        slow = gain < 1e-4 * point.value ? slow + 1 : 0;
        if (slow === 3) break;
      } else {
        lambda *= 4;
        if (lambda > 1e8) break;
        // The next step is solved at the current point again.
        restore();
      }
    }
  }
  best = Math.min(best, point.value);
  return Math.sqrt(best);
}

/**
 * How far `later` is from any cheap output transformation of `earlier` (0: a transformed copy); undefined
 * when the two cannot be compared (another layout or format, e.g. a fingerprint from before format 2).
 */
export function fingerprintDistance(
  later: readonly number[],
  earlier: readonly number[],
): number | undefined {
  const a = parse(later);
  const b = parse(earlier);
  if (!a || !b || a.kind !== b.kind || a.width !== b.width || a.stored !== b.stored || a.rows !== b.rows) {
    return undefined;
  }
  // The same outputs: 0 exactly (the fit would leave rounding, ~1e-8).
  if (a.values.every((value, i) => value === b.values[i])) return 0;
  return a.kind === KIND.regression ? valuesDistance(a, b) : logProbDistance(a, b);
}

/** The copy threshold that applies to a fingerprint (its task's), or undefined for an unknown layout. */
export function copyThreshold(fingerprint: readonly number[]): number | undefined {
  const task = TASK_OF_KIND[parse(fingerprint)?.kind ?? -1];
  return task && COPY_DISTANCE[task];
}

/** Whether `later` is a transformed copy of `earlier`: their distance is at most their task's COPY_DISTANCE. */
export function fingerprintsMatch(later: readonly number[], earlier: readonly number[]): boolean {
  const distance = fingerprintDistance(later, earlier);
  const threshold = copyThreshold(earlier);
  return distance !== undefined && threshold !== undefined && distance <= threshold;
}
