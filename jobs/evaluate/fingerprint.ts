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
 * - log-probabilities: temperature (any logit scaling, before or after)
 *   followed by ε-smoothing, `log((1-ε)·softmax(s·z) + ε/K)`, compared after
 *   centring each row (so adding any constant to a row's logits changes
 *   nothing) and after the best positive rescaling; s and ε are fitted
 *   (s in [1/8, 8], ε in [0, 0.1]);
 * - regression values: a separate shift and scale per output column.
 *
 * distance = ‖later − fitted(earlier)‖ / ‖later‖ over the centred rows (a
 * relative residual: ~1e-6 for a transformed copy, 0.005..0.018 for weight noise
 * of 1e-2, 0.012..0.13 for convex models trained apart, 0.2..0.6 for language models). `fingerprintsMatch` is `distance ≤ COPY_DISTANCE`, a threshold
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
 * 1e-2 reach 0.0136 (classification), 0.0146 (regression), 0.018 (causal-lm); two reference trainings
 * with different seeds are at least 0.0161, 0.0118 and 0.27 apart. Classification and causal-lm sit
 * between the two. Regression's reference model is linear, a convex problem: retrainings with another
 * seed converge to the same optimum, some closer to each other than a noisy copy is to its original.
 * The threshold catches every measured copy; such convergent retrainings fall under the precedence
 * policy (the later one must beat the earlier score by the margin), as ADR 014 explains.
 */
export const COPY_DISTANCE = { classification: 0.0148, regression: 0.0155, "causal-lm": 0.06 } as const;

/**
 * Tasks whose reference trainer solves a convex problem, so that retrainings with another seed reach
 * the same optimum: convergent models, not models trained apart (npm run copies reports them so).
 */
export const CONVEX_TASKS: ReadonlySet<string> = new Set(["regression"]);

/** The fingerprint's second value: what its rows hold. */
const KIND = { classification: 0, regression: 1, "causal-lm": 2 } as const;
const TASK_OF_KIND = ["classification", "regression", "causal-lm"] as const;
const HEADER = 4;

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
 * Log-probabilities: the relative residual of the later rows (centred) against the earlier rows put
 * through temperature s, then ε-smoothing, centred and rescaled by the best positive factor.
 */
function logProbDistance(later: Parsed, earlier: Parsed): number {
  const { rows, stored, width } = later;
  const n = rows * stored;
  // The later rows, centred; and the normalizer correction when only some classes are stored.
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
  const widthCorrection = Math.log(width / stored);
  const u = new Float64Array(stored);
  const residualOf = (s: number, epsilon: number): number => {
    let uy = 0;
    let uu = 0;
    for (let r = 0; r < rows; r++) {
      const base = r * stored;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < stored; j++) max = Math.max(max, s * (earlier.values[base + j] as number));
      let sum = 0;
      for (let j = 0; j < stored; j++) sum += Math.exp(s * (earlier.values[base + j] as number) - max);
      const logZ = max + Math.log(sum) + widthCorrection;
      let mean = 0;
      for (let j = 0; j < stored; j++) {
        const tempered = s * (earlier.values[base + j] as number) - logZ;
        const value =
          epsilon === 0 ? tempered : Math.log((1 - epsilon) * Math.exp(tempered) + epsilon / width);
        u[j] = value;
        mean += value;
      }
      mean /= stored;
      for (let j = 0; j < stored; j++) {
        const c = (u[j] as number) - mean;
        uy += c * (y[base + j] as number);
        uu += c * c;
      }
    }
    if (!(uu > 0) || uy <= 0) return 1;
    return Math.max(0, 1 - (uy * uy) / (uu * yy));
  };

  // A coarse grid over log s and log ε (at ε = 0, s is absorbed by the rescaling), then Nelder-Mead
  // from the best grid point: s and ε both flatten the distribution, so the valley runs diagonally.
  const LS = { min: Math.log(1 / 8), max: Math.log(8), steps: 24 };
  const LE = { min: Math.log(1e-6), max: Math.log(0.1), steps: 15 };
  const clamp = (v: number, r: typeof LS) => Math.min(r.max, Math.max(r.min, v));
  const at = (p: readonly [number, number]) => residualOf(Math.exp(p[0]), Math.exp(p[1]));
  let best = { point: [0, Number.NEGATIVE_INFINITY] as [number, number], value: residualOf(1, 0) };
  const dls = (LS.max - LS.min) / LS.steps;
  const dle = (LE.max - LE.min) / LE.steps;
  for (let i = 0; i <= LS.steps; i++) {
    for (let k = 0; k <= LE.steps; k++) {
      const point: [number, number] = [LS.min + i * dls, LE.min + k * dle];
      const value = at(point);
      if (value < best.value) best = { point, value };
    }
  }
  if (Number.isFinite(best.point[1])) {
    const [x0, y0] = best.point;
    const simplex = [
      { point: best.point, value: best.value },
      ...(
        [
          [x0 + dls, y0],
          [x0, y0 + dle],
        ] as [number, number][]
      ).map((p) => {
        const point: [number, number] = [clamp(p[0], LS), clamp(p[1], LE)];
        return { point, value: at(point) };
      }),
    ];
    for (let iteration = 0; iteration < 80; iteration++) {
      simplex.sort((a, b) => a.value - b.value);
      const [lo, mid, hi] = simplex as [(typeof simplex)[0], (typeof simplex)[0], (typeof simplex)[0]];
      const cx = (lo.point[0] + mid.point[0]) / 2;
      const cy = (lo.point[1] + mid.point[1]) / 2;
      const along = (t: number): { point: [number, number]; value: number } => {
        const point: [number, number] = [
          clamp(cx + t * (hi.point[0] - cx), LS),
          clamp(cy + t * (hi.point[1] - cy), LE),
        ];
        return { point, value: at(point) };
      };
      const reflected = along(-1);
      if (reflected.value < lo.value) {
        const expanded = along(-2);
        simplex[2] = expanded.value < reflected.value ? expanded : reflected;
      } else if (reflected.value < mid.value) {
        simplex[2] = reflected;
      } else {
        const contracted = along(reflected.value < hi.value ? -0.5 : 0.5);
        if (contracted.value < Math.min(hi.value, reflected.value)) {
          simplex[2] = contracted;
        } else {
          // Shrink towards the best point.
          for (const vertex of [mid, hi]) {
            vertex.point = [(vertex.point[0] + lo.point[0]) / 2, (vertex.point[1] + lo.point[1]) / 2];
            vertex.value = at(vertex.point);
          }
        }
      }
    }
    for (const vertex of simplex) if (vertex.value < best.value) best = vertex;
  }
  return Math.sqrt(best.value);
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
