/**
 * Output fingerprints, for copy detection beyond identical hashes.
 *
 * A checkpoint's fingerprint is its outputs on a fixed probe subset of the
 * eval set: PROBE_ROWS rows spread evenly over it (`probeRows`). For
 * classifiers and language models the logits are turned into log-probabilities
 * first (log-softmax), so adding a constant to every logit, which changes
 * nothing a user sees, does not hide a copy. A language model contributes its
 * counted positions only (not padding). The values are then thinned to at most
 * FINGERPRINT_SIZE by a fixed stride and rounded to 1e-5.
 *
 * Two fingerprints match when they have the same length and every pair of
 * values is within `ATOL + RTOL × |earlier|` (`fingerprintsMatch`). That
 * tolerance absorbs re-export, operator reordering and float noise (a model
 * whose weights were nudged by 1e-6 still matches), while two models trained
 * apart differ by far more on some probe value.
 */
import type { DatasetSplit } from "../../ml/data.js";

export const PROBE_ROWS = 16;
export const FINGERPRINT_SIZE = 2_048;
export const FINGERPRINT_ATOL = 1e-3;
export const FINGERPRINT_RTOL = 1e-3;

/** The probe rows of a split of `count` rows: PROBE_ROWS of them (or all), evenly spread, ascending. */
export function probeRows(count: number): number[] {
  const n = Math.min(PROBE_ROWS, count);
  return Array.from({ length: n }, (_, k) => Math.floor((k * count) / n));
}

function logSoftmax(values: Float32Array, start: number, width: number, out: number[]): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < width; j++) max = Math.max(max, values[start + j] as number);
  let sum = 0;
  for (let j = 0; j < width; j++) sum += Math.exp((values[start + j] as number) - max);
  const log = max + Math.log(sum);
  for (let j = 0; j < width; j++) out.push((values[start + j] as number) - log);
}

/**
 * The raw fingerprint values of one row, given that row's output (one row of the batch output). Called
 * for each probe row in order; `finishFingerprint` thins and rounds the concatenation.
 */
export function rowFingerprint(split: DatasetSplit, row: number, output: Float32Array, out: number[]): void {
  if (split.task === "regression") {
    for (const value of output) out.push(value);
  } else if (split.task === "classification") {
    logSoftmax(output, 0, split.numClasses, out);
  } else {
    const length = split.lengths[row] as number;
    for (let t = 0; t + 1 < length; t++) logSoftmax(output, t * split.vocabSize, split.vocabSize, out);
  }
}

/** At most FINGERPRINT_SIZE values by a fixed stride, rounded to 1e-5. */
export function finishFingerprint(values: readonly number[]): number[] {
  const stride = Math.max(1, Math.ceil(values.length / FINGERPRINT_SIZE));
  const out: number[] = [];
  for (let i = 0; i < values.length; i += stride) out.push(Math.round((values[i] as number) * 1e5) / 1e5);
  return out;
}

/** Whether `later` reproduces `earlier` within the documented tolerance. */
export function fingerprintsMatch(later: readonly number[], earlier: readonly number[]): boolean {
  if (later.length !== earlier.length || later.length === 0) return false;
  for (let i = 0; i < later.length; i++) {
    const a = later[i] as number;
    const b = earlier[i] as number;
    if (!(Math.abs(a - b) <= FINGERPRINT_ATOL + FINGERPRINT_RTOL * Math.abs(b))) return false;
  }
  return true;
}
