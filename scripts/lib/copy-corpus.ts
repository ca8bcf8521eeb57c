/**
 * The copy-detection corpus (`npm run copies`, test/integration/copies.test.ts):
 * for each built-in task, an original model, models trained apart from it and
 * transformed copies of it, each fingerprinted by the evaluator's own code
 * (`evaluateInProcess` of jobs/evaluation/child.ts: onnxruntime-node in this
 * process) and compared with the original's fingerprint.
 *
 * - independent (must not match): other seeds, other halves of the training
 *   data, longer training, other architectures and trainers (closed-form
 *   models, a bigram language model, other hidden sizes);
 * - copy (must match): a byte copy, re-exported bytes, a renamed and reordered
 *   graph, identity and add-zero wrappers, weight noise up to 1e-2 relative,
 *   logit scaling ×0.5..×2, temperature, ε-smoothing up to 1e-2, per-class logit
 *   offsets ±0.1..±1 (before or after the smoothing), output shifts and scalings
 *   of a regressor, and combinations.
 *
 * Every candidate passes the evaluator's validation and integrity checks (it would be scored).
 */

import { exampleSpecs } from "../../core/spec.examples.js";
import { type BountySpec, beatsByMargin, type TaskType } from "../../core/spec.js";
import {
  CONVEX_TASKS,
  COPY_DISTANCE,
  DEFAULT_MODEL_LIMITS,
  evaluateInProcess,
  fingerprintDistance,
  fingerprintsMatch,
} from "../../jobs/evaluation/index.js";
import {
  type CausalLmSplit,
  type ClassificationSplit,
  type DatasetSplit,
  loadDataset,
  type RegressionSplit,
} from "../../ml/data.js";
import { encodeEvalSet } from "../../ml/evalset.js";
import { primaryMetric } from "../../ml/metrics.js";
import { decodeModel, encodeModel, type ModelProto, node, onnx, tensor } from "../../ml/onnx.js";
import { createRng } from "../../ml/random.js";
import { trainReferenceModel } from "../../ml/train.js";
import { affineToOnnx } from "../../ml/trainers/affine.js";
import { CAUSAL_LM_DEFAULTS, trainCausalLm, windowLmToOnnx } from "../../ml/trainers/causal-lm.js";
import { trainClassifier } from "../../ml/trainers/classification.js";
import { trainRegressor } from "../../ml/trainers/regression.js";
import { sha256Hex } from "../../server/hash.js";

export type CandidateKind = "copy" | "independent";

export interface CorpusRow {
  task: TaskType;
  candidate: string;
  kind: CandidateKind;
  /** fingerprintDistance to the original (0: identical up to the fitted transformation). */
  distance: number;
  /** 1 − distance. */
  similarity: number;
  flagged: boolean;
  expected: boolean;
  ok: boolean;
  score: number;
  /** The improvement over the original's score, as a share of it (negative: worse). */
  gain: number;
  /** Whether the score beats the original's by the spec's (default) minimum improvement. */
  beatsOriginal: boolean;
}

export interface CorpusOptions {
  tasks?: readonly TaskType[];
  /** Fewer trainings and transformations (the test's corpus). */
  reduced?: boolean;
  onRow?: (row: CorpusRow) => void;
}

interface Candidate {
  name: string;
  kind: CandidateKind;
  bytes: () => Promise<Uint8Array> | Uint8Array;
}

/* ------------------------------------------------------------------------ */
/* Model surgery                                                             */
/* ------------------------------------------------------------------------ */

const FLOAT = onnx.TensorProto.DataType.FLOAT;
type TensorProto = ReturnType<typeof tensor>;
type NodeProto = ReturnType<typeof node>;

function floatsOf(t: TensorProto): Float32Array {
  const raw = t.rawData as Uint8Array;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

function edit(bytes: Uint8Array, change: (model: ModelProto) => void): Uint8Array {
  const model = decodeModel(bytes);
  change(model);
  return encodeModel(model);
}

/** Every float initializer multiplied element-wise by (1 + σ·N(0, 1)). */
function weightNoise(bytes: Uint8Array, sigma: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  return edit(bytes, (model) => {
    model.graph?.initializer?.forEach((init, i, all) => {
      if (init.dataType !== FLOAT || !init.rawData) return;
      const values = floatsOf(init).map((v) => v * (1 + sigma * rng.normal()));
      all[i] = tensor(init.name ?? "", (init.dims ?? []).map(Number), values);
    });
  });
}

/** Producer and metadata changed: other bytes, same graph. */
function reexported(bytes: Uint8Array): Uint8Array {
  return edit(bytes, (model) => {
    model.producerName = "definitely-my-own-work";
    model.metadataProps = [{ key: "author", value: "someone else" }];
  });
}

/** Every initializer, intermediate tensor and node renamed; initializers in reverse order. */
function renamedReordered(bytes: Uint8Array): Uint8Array {
  return edit(bytes, (model) => {
    const graph = model.graph;
    if (!graph) return;
    const keep = new Set([...(graph.input ?? []), ...(graph.output ?? [])].map((v) => v.name ?? ""));
    const names = new Map<string, string>();
    const rename = (name: string) => {
      if (name === "" || keep.has(name)) return name;
      let renamed = names.get(name);
      if (!renamed) {
        renamed = `v${names.size.toString(36)}_${sha256Hex(name).slice(0, 6)}`;
        names.set(name, renamed);
      }
      return renamed;
    };
    for (const init of graph.initializer ?? []) init.name = rename(init.name ?? "");
    (graph.node ?? []).forEach((n, i) => {
      n.input = (n.input ?? []).map(rename);
      n.output = (n.output ?? []).map(rename);
      n.name = `op${i}`;
    });
    graph.initializer = [...(graph.initializer ?? [])].reverse();
    graph.name = "my_model";
  });
}

/**
 * The original's output renamed to an inner tensor, then `nodes(inner, out)` appended; `initializers`
 * added (their names prefixed "wrap_").
 */
function wrapped(
  bytes: Uint8Array,
  output: string,
  build: (inner: string, out: string) => { nodes: NodeProto[]; initializers: TensorProto[] },
): Uint8Array {
  return edit(bytes, (model) => {
    const graph = model.graph;
    if (!graph) return;
    // Names unique to this wrapper, so that wrappers nest.
    const prefix = `w${graph.node?.length ?? 0}_`;
    const own = (name: string) => (name.startsWith("wrap_") ? prefix + name.slice(5) : name);
    const inner = own("wrap_inner");
    for (const n of graph.node ?? []) n.output = (n.output ?? []).map((o) => (o === output ? inner : o));
    const { nodes, initializers } = build(inner, output);
    for (const n of nodes) {
      n.input = (n.input ?? []).map(own);
      n.output = (n.output ?? []).map(own);
      n.name = prefix + (n.name ?? "");
    }
    for (const init of initializers) init.name = own(init.name ?? "");
    graph.node = [...(graph.node ?? []), ...nodes];
    graph.initializer = [...(graph.initializer ?? []), ...initializers];
  });
}

const scalar = (name: string, value: number) => tensor(name, [], Float32Array.of(value));

function identityWrapper(bytes: Uint8Array, output: string): Uint8Array {
  return wrapped(bytes, output, (inner, out) => ({
    nodes: [node("Identity", [inner], ["wrap_a"]), node("Identity", ["wrap_a"], [out])],
    initializers: [],
  }));
}

function addZero(bytes: Uint8Array, output: string): Uint8Array {
  return wrapped(bytes, output, (inner, out) => ({
    nodes: [node("Add", [inner, "wrap_zero"], [out])],
    initializers: [scalar("wrap_zero", 0)],
  }));
}

/** out = inner × scale + shift (a logit scaling, or a regressor's output scaling and shift). */
function affineOutput(bytes: Uint8Array, output: string, scale: number, shift: number): Uint8Array {
  return wrapped(bytes, output, (inner, out) => ({
    nodes: [
      node("Mul", [inner, "wrap_scale"], ["wrap_scaled"]),
      node("Add", ["wrap_scaled", "wrap_shift"], [out]),
    ],
    initializers: [scalar("wrap_scale", scale), scalar("wrap_shift", shift)],
  }));
}

/** A regressor's outputs shifted by a different amount per column. */
function columnShift(bytes: Uint8Array, output: string, shifts: number[]): Uint8Array {
  return wrapped(bytes, output, (inner, out) => ({
    nodes: [node("Add", [inner, "wrap_shift"], [out])],
    initializers: [tensor("wrap_shift", [shifts.length], Float32Array.from(shifts))],
  }));
}

/**
 * logits + b: a fixed offset per class (a log-prior shift), amplitude `amplitude` with random signs
 * (fixed seed). It moves the argmax only where two classes are within 2·amplitude of each other.
 */
function classOffsets(bytes: Uint8Array, output: string, classes: number, amplitude: number): Uint8Array {
  const rng = createRng(OFFSET_SEED);
  const offsets = Float32Array.from({ length: classes }, () => (rng.next() < 0.5 ? -amplitude : amplitude));
  return wrapped(bytes, output, (inner, out) => ({
    nodes: [node("Add", [inner, "wrap_offsets"], [out])],
    initializers: [tensor("wrap_offsets", [classes], offsets)],
  }));
}

/** logits / T. */
function temperature(bytes: Uint8Array, output: string, t: number): Uint8Array {
  return wrapped(bytes, output, (inner, out) => ({
    nodes: [node("Div", [inner, "wrap_t"], [out])],
    initializers: [scalar("wrap_t", t)],
  }));
}

/** log((1 − ε)·softmax(logits / T) + ε/K): smoothed probabilities, as logits. */
function smoothed(bytes: Uint8Array, output: string, epsilon: number, classes: number, t = 1): Uint8Array {
  return wrapped(bytes, output, (inner, out) => ({
    nodes: [
      node("Div", [inner, "wrap_t"], ["wrap_tempered"]),
      node("Softmax", ["wrap_tempered"], ["wrap_p"], { axis: { int: -1 } }),
      node("Mul", ["wrap_p", "wrap_keep"], ["wrap_kept"]),
      node("Add", ["wrap_kept", "wrap_floor"], ["wrap_smoothed"]),
      node("Log", ["wrap_smoothed"], [out]),
    ],
    initializers: [
      scalar("wrap_t", t),
      scalar("wrap_keep", 1 - epsilon),
      scalar("wrap_floor", epsilon / classes),
    ],
  }));
}

/* ------------------------------------------------------------------------ */
/* Other trainings                                                           */
/* ------------------------------------------------------------------------ */

/** Rows [from, to) of a split. */
function rowsOf<S extends DatasetSplit>(split: S, from: number, to: number): S {
  const n = to - from;
  if (split.task === "classification") {
    const F = split.numFeatures;
    return {
      ...split,
      count: n,
      features: split.features.slice(from * F, to * F),
      labels: split.labels.slice(from, to),
    } satisfies ClassificationSplit as S;
  }
  if (split.task === "regression") {
    const F = split.numFeatures;
    const D = split.outputDim;
    return {
      ...split,
      count: n,
      features: split.features.slice(from * F, to * F),
      targets: split.targets.slice(from * D, to * D),
    } satisfies RegressionSplit as S;
  }
  const L = split.sequenceLength;
  return {
    ...split,
    count: n,
    tokens: split.tokens.slice(from * L, to * L),
    lengths: split.lengths.slice(from, to),
  } satisfies CausalLmSplit as S;
}

/** Trains the task's reference trainer on half `half` (0 or 1) of the training split. */
async function trainHalf(spec: BountySpec, half: 0 | 1, seed: number): Promise<Uint8Array> {
  const { train } = loadDataset(spec);
  const mid = Math.floor(train.count / 2);
  const part = half === 0 ? rowsOf(train, 0, mid) : rowsOf(train, mid, train.count);
  const options = { seed };
  if (part.task === "classification") return (await trainClassifier(spec, part, options)).toOnnx();
  if (part.task === "regression") return (await trainRegressor(spec, part, options)).toOnnx();
  return (await trainCausalLm(spec, part, options)).toOnnx();
}

/** Nearest class mean (closed form, no optimizer): logits_k = μ_k·x − |μ_k|²/2. */
function nearestCentroid(spec: BountySpec): Uint8Array {
  const { train } = loadDataset(spec) as { train: ClassificationSplit };
  const { numFeatures: F, numClasses: C } = train;
  const mean = new Float64Array(C * F);
  const count = new Float64Array(C);
  for (let i = 0; i < train.count; i++) {
    const c = train.labels[i] as number;
    count[c] = (count[c] as number) + 1;
    for (let f = 0; f < F; f++)
      mean[c * F + f] = (mean[c * F + f] as number) + (train.features[i * F + f] as number);
  }
  const weights = new Float32Array(F * C);
  const bias = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    let norm = 0;
    for (let f = 0; f < F; f++) {
      const m = (mean[c * F + f] as number) / (count[c] as number);
      weights[f * C + c] = m;
      norm += m * m;
    }
    bias[c] = -norm / 2;
  }
  return affineToOnnx({ numFeatures: F, numOutputs: C, weights, bias }, spec, {
    "crowdtrain.trainer": "corpus/nearest-centroid",
  });
}

/** Ordinary least squares by the normal equations (closed form, no optimizer). */
function leastSquares(spec: BountySpec): Uint8Array {
  const { train } = loadDataset(spec) as { train: RegressionSplit };
  const { numFeatures: F, outputDim: D } = train;
  const P = F + 1;
  const xtx: Float64Array[] = Array.from({ length: P }, () => new Float64Array(P + D));
  for (let i = 0; i < train.count; i++) {
    const x = [...train.features.subarray(i * F, (i + 1) * F), 1];
    for (let a = 0; a < P; a++) {
      const row = xtx[a] as Float64Array;
      for (let b = 0; b < P; b++) row[b] = (row[b] as number) + (x[a] as number) * (x[b] as number);
      for (let d = 0; d < D; d++)
        row[P + d] = (row[P + d] as number) + (x[a] as number) * (train.targets[i * D + d] as number);
    }
  }
  // Gauss-Jordan elimination with partial pivoting.
  for (let col = 0; col < P; col++) {
    let pivot = col;
    for (let r = col + 1; r < P; r++) {
      if (
        Math.abs((xtx[r] as Float64Array)[col] as number) >
        Math.abs((xtx[pivot] as Float64Array)[col] as number)
      )
        pivot = r;
    }
    const p = xtx[pivot] as Float64Array;
    xtx[pivot] = xtx[col] as Float64Array;
    xtx[col] = p;
    const div = p[col] as number;
    for (let k = 0; k < P + D; k++) p[k] = (p[k] as number) / div;
    for (let r = 0; r < P; r++) {
      if (r === col) continue;
      const row = xtx[r] as Float64Array;
      const factor = row[col] as number;
      for (let k = 0; k < P + D; k++) row[k] = (row[k] as number) - factor * (p[k] as number);
    }
  }
  const weights = new Float32Array(F * D);
  const bias = new Float32Array(D);
  for (let d = 0; d < D; d++) {
    for (let f = 0; f < F; f++) weights[f * D + d] = (xtx[f] as Float64Array)[P + d] as number;
    bias[d] = (xtx[F] as Float64Array)[P + d] as number;
  }
  return affineToOnnx({ numFeatures: F, numOutputs: D, weights, bias }, spec, {
    "crowdtrain.trainer": "corpus/least-squares",
  });
}

/** A bigram model from counts (add-0.1 smoothing), as a window LM of context 1 with one-hot hidden units. */
function bigramLm(spec: BountySpec): Uint8Array {
  const { train } = loadDataset(spec) as { train: CausalLmSplit };
  const { vocabSize: V, sequenceLength: S, padTokenId } = train;
  const counts = new Float64Array(V * V).fill(0.1);
  for (let i = 0; i < train.count; i++) {
    const length = train.lengths[i] as number;
    for (let t = 0; t + 1 < length; t++) {
      const a = Number(train.tokens[i * S + t]);
      const b = Number(train.tokens[i * S + t + 1]);
      counts[a * V + b] = (counts[a * V + b] as number) + 1;
    }
  }
  const outWeights = new Float32Array(V * V);
  for (let a = 0; a < V; a++) {
    let total = 0;
    for (let b = 0; b < V; b++) total += counts[a * V + b] as number;
    for (let b = 0; b < V; b++) outWeights[a * V + b] = Math.log((counts[a * V + b] as number) / total);
  }
  const embeddings = new Float32Array(V * V);
  for (let a = 0; a < V; a++) embeddings[a * V + a] = 1;
  return windowLmToOnnx(
    {
      vocabSize: V,
      padTokenId,
      context: 1,
      hidden: V,
      embeddings,
      hiddenBias: new Float32Array(V),
      outWeights,
      outBias: new Float32Array(V),
    },
    spec,
    { "crowdtrain.trainer": "corpus/bigram" },
  );
}

/** The reference window LM with another hidden size (its defaults, changed for this one training). */
async function windowLmWithHidden(spec: BountySpec, hidden: number, seed: number): Promise<Uint8Array> {
  const saved = CAUSAL_LM_DEFAULTS.hidden;
  CAUSAL_LM_DEFAULTS.hidden = hidden;
  try {
    return (await trainReferenceModel(spec, { seed })).toOnnx();
  } finally {
    CAUSAL_LM_DEFAULTS.hidden = saved;
  }
}

/* ------------------------------------------------------------------------ */
/* The corpus                                                                */
/* ------------------------------------------------------------------------ */

const ORIGINAL_SEED = 1;
/** The seed of the class offsets' signs. */
const OFFSET_SEED = 7;

function candidatesOf(spec: BountySpec, original: Uint8Array, reduced: boolean): Candidate[] {
  const task = spec.task;
  const output = spec.interface.outputs[0]?.name ?? "";
  const trained = (seed: number, epochs?: number) => async () =>
    (await trainReferenceModel(spec, { seed, ...(epochs !== undefined && { epochs }) })).toOnnx();
  const list: Candidate[] = [];
  const copy = (name: string, bytes: () => Uint8Array) => list.push({ name, kind: "copy", bytes });
  const independent = (name: string, bytes: () => Promise<Uint8Array> | Uint8Array) =>
    list.push({ name, kind: "independent", bytes });

  // Trained apart.
  for (const seed of reduced ? [2] : [2, 3, 4, 5, 6]) independent(`seed ${seed}`, trained(seed));
  independent("first half of the data", () => trainHalf(spec, 0, ORIGINAL_SEED));
  if (!reduced) independent("second half of the data", () => trainHalf(spec, 1, ORIGINAL_SEED));
  if (task.type === "classification") {
    if (!reduced) independent("3× the epochs", trained(ORIGINAL_SEED + 10, 60));
    independent("nearest centroid (closed form)", () => nearestCentroid(spec));
  } else if (task.type === "regression") {
    if (!reduced) independent("3× the epochs", trained(ORIGINAL_SEED + 10, 60));
    independent("least squares (closed form)", () => leastSquares(spec));
  } else {
    if (!reduced) independent("2× the epochs", trained(ORIGINAL_SEED + 10, 16));
    independent("hidden 16", () => windowLmWithHidden(spec, 16, 2));
    if (!reduced) independent("hidden 64", () => windowLmWithHidden(spec, 64, 3));
    independent("bigram counts", () => bigramLm(spec));
  }

  // Transformed copies.
  copy("byte copy", () => original);
  copy("re-exported (producer, metadata)", () => reexported(original));
  copy("renamed and reordered graph", () => renamedReordered(original));
  copy("identity wrapper", () => identityWrapper(original, output));
  if (!reduced) copy("add-zero wrapper", () => addZero(original, output));
  for (const sigma of reduced ? [1e-2] : [1e-3, 3e-3, 1e-2]) {
    for (const seed of reduced || sigma < 1e-2 ? [1] : [1, 2, 3, 4, 5, 6]) {
      copy(`weight noise ${sigma} (draw ${seed})`, () => weightNoise(original, sigma, seed));
    }
  }
  if (task.type === "regression") {
    copy("outputs + 0.5", () => affineOutput(original, output, 1, 0.5));
    if (!reduced) copy("outputs × 1.01", () => affineOutput(original, output, 1.01, 0));
    copy("outputs × 2 − 3", () => affineOutput(original, output, 2, -3));
    if (!reduced)
      copy("outputs × 0.5, column shifts", () =>
        columnShift(affineOutput(original, output, 0.5, 0), output, [1, -2]),
      );
    copy("weight noise 1e-2, then outputs × 1.5 + 1", () =>
      affineOutput(weightNoise(original, 1e-2, 4), output, 1.5, 1),
    );
  } else {
    const classes = task.type === "classification" ? task.numClasses : task.vocabSize;
    for (const scale of reduced ? [0.5, 2] : [0.5, 0.8, 1.01, 1.25, 2]) {
      copy(`logits × ${scale}`, () => affineOutput(original, output, scale, 0));
    }
    copy("logits + 3", () => affineOutput(original, output, 1, 3));
    for (const t of reduced ? [0.99] : [0.99, 1.5])
      copy(`temperature ${t}`, () => temperature(original, output, t));
    for (const epsilon of reduced ? [1e-2] : [1e-3, 3e-3, 1e-2]) {
      copy(`ε-smoothing ${epsilon}`, () => smoothed(original, output, epsilon, classes));
    }
    copy("temperature 1.3, then ε-smoothing 1e-2", () => smoothed(original, output, 1e-2, classes, 1.3));
    if (!reduced) {
      copy("weight noise 1e-2, temperature 0.8, ε-smoothing 5e-3", () =>
        smoothed(weightNoise(original, 1e-2, 5), output, 5e-3, classes, 0.8),
      );
    }
    // A per-class constant added to the logits (a log-prior shift), alone and before or after the
    // temperature and the smoothing.
    for (const amplitude of reduced ? [0.5] : [0.1, 0.5, 1]) {
      copy(`class offsets ±${amplitude}`, () => classOffsets(original, output, classes, amplitude));
    }
    copy("class offsets ±1, then temperature 1.3, ε-smoothing 1e-2", () =>
      smoothed(classOffsets(original, output, classes, 1), output, 1e-2, classes, 1.3),
    );
    if (!reduced) {
      copy("class offsets ±0.5, then temperature 0.8, ε-smoothing 5e-3", () =>
        smoothed(classOffsets(original, output, classes, 0.5), output, 5e-3, classes, 0.8),
      );
      copy("ε-smoothing 1e-2, then class offsets ±0.5", () =>
        classOffsets(smoothed(original, output, 1e-2, classes), output, classes, 0.5),
      );
      copy("class offsets ±0.5, then logits × 1.25", () =>
        affineOutput(classOffsets(original, output, classes, 0.5), output, 1.25, 0),
      );
      copy("weight noise 1e-2, class offsets ±1", () =>
        classOffsets(weightNoise(original, 1e-2, 6), output, classes, 1),
      );
    }
  }
  return list;
}

/** Runs the corpus of each task (all three by default) and returns one row per candidate. */
export async function runCopyCorpus(options: CorpusOptions = {}): Promise<CorpusRow[]> {
  const tasks = options.tasks ?? (["classification", "regression", "causal-lm"] as const);
  const rows: CorpusRow[] = [];
  for (const task of tasks) {
    const spec: BountySpec = exampleSpecs[task];
    const evalSet = encodeEvalSet(loadDataset(spec).heldOut);
    const evalSetSha256 = sha256Hex(evalSet);
    // The evaluator's own path: validation, the run, the integrity checks, the metric, the fingerprint.
    const run = async (model: Uint8Array) => {
      const done = await evaluateInProcess({
        model,
        evalSet,
        evalSetSha256,
        spec,
        batchSize: 256,
        limits: DEFAULT_MODEL_LIMITS,
      });
      return { fingerprint: done.fingerprint, score: primaryMetric(spec.metric.name, done.result) };
    };
    const original = (await trainReferenceModel(spec, { seed: ORIGINAL_SEED })).toOnnx();
    const reference = await run(original);
    for (const candidate of candidatesOf(spec, original, options.reduced ?? false)) {
      const measured = await run(await candidate.bytes());
      const distance = fingerprintDistance(measured.fingerprint, reference.fingerprint) ?? Number.NaN;
      const flagged = fingerprintsMatch(measured.fingerprint, reference.fingerprint);
      const expected = candidate.kind === "copy";
      const row: CorpusRow = {
        task,
        candidate: candidate.name,
        kind: candidate.kind,
        distance,
        similarity: 1 - distance,
        flagged,
        expected,
        ok: flagged === expected,
        score: measured.score,
        gain:
          ((spec.metric.direction === "higher" ? 1 : -1) * (measured.score - reference.score)) /
          Math.abs(reference.score),
        beatsOriginal: beatsByMargin(spec.metric, measured.score, reference.score),
      };
      rows.push(row);
      options.onRow?.(row);
    }
  }
  return rows;
}

export interface StudyRow {
  task: TaskType;
  /** Distances between every ordered pair of reference models trained with different seeds. */
  seedPairs: number[];
  /** Distances from a reference model to a weight-noise (1e-2) copy of it, several models and draws. */
  noiseCopies: number[];
  /** Seed pairs flagged, noise copies not flagged, at the task's threshold. */
  pairsFlagged: number;
  copiesMissed: number;
}

/**
 * The tails behind the thresholds: every ordered pair among `seeds` reference trainings (models trained
 * apart, which must not match) against `draws` weight-noise copies of 1e-2 of each of the first few
 * (which must).
 */
export async function runCopyStudy(
  options: {
    tasks?: readonly TaskType[];
    seeds?: number;
    draws?: number;
    /** The noise seed of the first draw (1000; another value gives other draws). */
    firstDraw?: number;
  } = {},
): Promise<StudyRow[]> {
  const tasks = options.tasks ?? (["classification", "regression", "causal-lm"] as const);
  const out: StudyRow[] = [];
  for (const task of tasks) {
    const spec: BountySpec = exampleSpecs[task];
    const seeds = options.seeds ?? (task === "causal-lm" ? 4 : 16);
    const draws = options.draws ?? 8;
    const evalSet = encodeEvalSet(loadDataset(spec).heldOut);
    const evalSetSha256 = sha256Hex(evalSet);
    const fingerprintOf = async (model: Uint8Array) =>
      (
        await evaluateInProcess({
          model,
          evalSet,
          evalSetSha256,
          spec,
          batchSize: 256,
          limits: DEFAULT_MODEL_LIMITS,
        })
      ).fingerprint;
    const models: Uint8Array[] = [];
    const fingerprints: number[][] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const model = (await trainReferenceModel(spec, { seed })).toOnnx();
      models.push(model);
      fingerprints.push(await fingerprintOf(model));
    }
    const seedPairs: number[] = [];
    fingerprints.forEach((earlier, i) => {
      fingerprints.forEach((later, j) => {
        if (i !== j) seedPairs.push(fingerprintDistance(later, earlier) ?? Number.NaN);
      });
    });
    const noiseCopies: number[] = [];
    for (const [i, model] of models.slice(0, 4).entries()) {
      for (let draw = 0; draw < draws; draw++) {
        const copy = await fingerprintOf(weightNoise(model, 1e-2, (options.firstDraw ?? 1_000) + draw));
        noiseCopies.push(fingerprintDistance(copy, fingerprints[i] as number[]) ?? Number.NaN);
      }
    }
    const threshold = COPY_DISTANCE[task];
    out.push({
      task,
      seedPairs,
      noiseCopies,
      pairsFlagged: seedPairs.filter((d) => !(d > threshold)).length,
      copiesMissed: noiseCopies.filter((d) => !(d <= threshold)).length,
    });
  }
  return out;
}

/**
 * Whether the study holds: no copy missed anywhere, and no pair of seeds flagged except in a convex
 * task, whose seeds converge to one optimum (flagged pairs there are the convergent case of ADR 014).
 */
export function studyHolds(rows: readonly StudyRow[]): boolean {
  return rows.every((r) => r.copiesMissed === 0 && (r.pairsFlagged === 0 || CONVEX_TASKS.has(r.task)));
}

/** The study as text: per task, the tails of both distributions and the errors at the threshold. */
export function studyTable(rows: readonly StudyRow[]): string {
  const e = (v: number) => v.toExponential(2);
  const quantile = (values: number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  };
  return rows
    .map(
      (r) =>
        `${r.task}: ${r.seedPairs.length} seed pairs: min ${e(Math.min(...r.seedPairs))}, p5 ${e(quantile(r.seedPairs, 0.05))}, ` +
        `median ${e(quantile(r.seedPairs, 0.5))}; ${r.noiseCopies.length} weight-noise 1e-2 copies: median ` +
        `${e(quantile(r.noiseCopies, 0.5))}, max ${e(Math.max(...r.noiseCopies))}; at ${COPY_DISTANCE[r.task]}: ` +
        `${r.pairsFlagged} pairs flagged${CONVEX_TASKS.has(r.task) && r.pairsFlagged > 0 ? " (convergent: a convex task's seeds reach one optimum; the later must beat the earlier by the margin)" : ""}, ${r.copiesMissed} copies missed`,
    )
    .join("\n");
}

/** The rows as a fixed-width text table, with the threshold and the closest calls of each kind. */
export function corpusTable(rows: readonly CorpusRow[]): string {
  const header = [
    "task",
    "candidate",
    "kind",
    "distance",
    "similarity",
    "flagged",
    "expected",
    "ok",
    "score",
    "gain",
    "beats",
  ];
  const cells = rows.map((r) => [
    r.task,
    r.candidate,
    r.kind,
    r.distance.toExponential(2),
    r.similarity.toFixed(5),
    r.flagged ? "yes" : "no",
    r.expected ? "yes" : "no",
    r.ok ? "ok" : "WRONG",
    r.score.toPrecision(5),
    `${(100 * r.gain).toFixed(1)}%`,
    r.beatsOriginal ? "yes" : "no",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  const wrong = rows.filter((r) => !r.ok).length;
  const summary = [...new Set(rows.map((r) => r.task))].map((task) => {
    const of = (kind: CandidateKind) =>
      rows.filter((r) => r.task === task && r.kind === kind).map((r) => r.distance);
    return `${task}: copy if distance ≤ ${COPY_DISTANCE[task]}; farthest copy ${Math.max(...of("copy")).toExponential(2)}, nearest model trained apart ${Math.min(...of("independent")).toExponential(2)}`;
  });
  return [
    line(header),
    ...cells.map(line),
    "",
    ...summary,
    `${rows.length - wrong} of ${rows.length} rows as expected${wrong > 0 ? `; ${wrong} WRONG` : ""}`,
  ].join("\n");
}
