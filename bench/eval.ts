/**
 * `npm run bench:eval [-- --rows N --hidden H]`: the evaluator's overhead over
 * bare onnxruntime-node, in one run.
 *
 * One model (an MLP classifier, 64 features → H → H → 10 classes, fixed random
 * weights) and one eval set of N rows, generated here, sized so a pass takes
 * a few seconds. Five alternating rounds of:
 * (a) bare: one InferenceSession in this process, the same batches, nothing else;
 * (b) the evaluator's path: hash the checkpoint and the eval set (the checks
 *     against the chain), validate the model, run it in the sandboxed child
 *     (prlimit, a fresh process per run, started ahead as the worker does),
 *     score, fingerprint, build the report.
 * The medians are printed, and the ratio: the median over rounds of (b)/(a)
 * within a round, a paired measure that a machine whose speed drifts between
 * rounds (a shared VM) moves less than a ratio of medians; both are printed.
 * Then the largest event-loop delay
 * of this (the worker's) process during (b). The last line is one JSON object.
 */
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { blobsClassifierSpec } from "../core/spec.examples.js";
import { type BountySpec, bountySpecSchema } from "../core/spec.js";
import { evaluateCheckpoint, reportBytes, Sandbox } from "../jobs/evaluation/index.js";
import type { ClassificationSplit } from "../ml/data.js";
import { encodeEvalSet } from "../ml/evalset.js";
import { buildModel, encodeModel, node, tensor, valueInfo } from "../ml/onnx.js";
import * as ort from "../ml/ort.js";
import { createRng } from "../ml/random.js";
import { sha256Hex, sha256HexYielding } from "../server/hash.js";

const { values } = parseArgs({
  options: { rows: { type: "string", default: "400000" }, hidden: { type: "string", default: "1024" } },
});
const ROWS = Number(values.rows);
const HIDDEN = Number(values.hidden);
if (!Number.isInteger(ROWS) || ROWS < 1_000 || !Number.isInteger(HIDDEN) || HIDDEN < 8) {
  console.error("bench:eval: --rows must be an integer >= 1000 and --hidden >= 8");
  process.exit(2);
}
const FEATURES = 64;
const CLASSES = 10;
const BATCH = 256;
const ROUNDS = 5;
const say = (message: string) => process.stderr.write(`${message}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const spec: BountySpec = bountySpecSchema.parse({
  ...blobsClassifierSpec,
  name: "bench MLP",
  task: { type: "classification", numClasses: CLASSES, numFeatures: FEATURES },
  interface: {
    inputs: [{ name: "features", dtype: "float32", shape: ["batch", FEATURES] }],
    outputs: [{ name: "logits", dtype: "float32", shape: ["batch", CLASSES] }],
  },
  metric: { name: "accuracy", target: 0.5, direction: "higher" },
});

const rng = createRng(42);
const weights = (rows: number, cols: number) =>
  Float32Array.from({ length: rows * cols }, () => (rng.next() - 0.5) * (2 / Math.sqrt(rows)));
const model = encodeModel(
  buildModel({
    graphName: "bench_mlp",
    inputs: [valueInfo("features", "float32", ["batch", FEATURES])],
    outputs: [valueInfo("logits", "float32", ["batch", CLASSES])],
    initializers: [
      tensor("w1", [FEATURES, HIDDEN], weights(FEATURES, HIDDEN)),
      tensor("b1", [HIDDEN], new Float32Array(HIDDEN)),
      tensor("w2", [HIDDEN, HIDDEN], weights(HIDDEN, HIDDEN)),
      tensor("b2", [HIDDEN], new Float32Array(HIDDEN)),
      tensor("w3", [HIDDEN, CLASSES], weights(HIDDEN, CLASSES)),
      tensor("b3", [CLASSES], new Float32Array(CLASSES)),
    ],
    nodes: [
      node("Gemm", ["features", "w1", "b1"], ["h1"]),
      node("Relu", ["h1"], ["a1"]),
      node("Gemm", ["a1", "w2", "b2"], ["h2"]),
      node("Relu", ["h2"], ["a2"]),
      node("Gemm", ["a2", "w3", "b3"], ["logits"]),
    ],
  }),
);
const split: ClassificationSplit = {
  task: "classification",
  count: ROWS,
  numFeatures: FEATURES,
  numClasses: CLASSES,
  features: Float32Array.from({ length: ROWS * FEATURES }, () => rng.next() * 2 - 1),
  labels: Int32Array.from({ length: ROWS }, () => Math.floor(rng.next() * CLASSES)),
};
const dir = os.tmpdir();
const modelPath = path.join(dir, `crowdtrain-bench-eval-${process.pid}.onnx`);
const evalSetPath = path.join(dir, `crowdtrain-bench-eval-${process.pid}.bin`);
await writeFile(modelPath, model);
const evalSetBytes = encodeEvalSet(split);
await writeFile(evalSetPath, evalSetBytes);
const evalSetSha256 = sha256Hex(evalSetBytes);
say(`bench:eval: ${ROWS} rows, MLP ${FEATURES}→${HIDDEN}→${HIDDEN}→${CLASSES}, batches of ${BATCH}`);

// (a) A bare onnxruntime-node loop over the same batches.
async function bare(): Promise<number> {
  const started = performance.now();
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  });
  for (let start = 0; start < ROWS; start += BATCH) {
    const count = Math.min(BATCH, ROWS - start);
    const input = new ort.Tensor(
      "float32",
      split.features.subarray(start * FEATURES, (start + count) * FEATURES),
      [count, FEATURES],
    );
    await session.run({ features: input }, ["logits"]);
  }
  await session.release();
  return (performance.now() - started) / 1_000;
}

// (b) The evaluator's path, as the worker runs it (its sandbox keeps one child started ahead).
const sandbox = new Sandbox({ memoryBytes: 2 * 1024 ** 3, timeoutMs: 600_000 });
/** The largest delay of a 10 ms timer in this process while `run` runs: how long the event loop was blocked. */
let maxLagMs = 0;
async function watchingLag<T>(run: () => Promise<T>): Promise<T> {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    if (process.env.LAG_DEBUG && now - last > 40) say(`lag ${(now - last).toFixed(0)} ms`);
    maxLagMs = Math.max(maxLagMs, now - last - 10);
    last = now;
  }, 10);
  try {
    return await run();
  } finally {
    clearInterval(timer);
  }
}
let score = 0;
async function evaluator(): Promise<number> {
  const started = performance.now();
  const report = await watchingLag(async () => {
    const bytes = await readFile(modelPath);
    const modelSha256 = await sha256HexYielding(bytes); // the checkpoint's hash against the chain's
    const result = await evaluateCheckpoint({
      modelBytes: bytes,
      modelSha256,
      evalSetPath,
      evalSetSha256, // the sandbox checks the bytes it reads against it
      spec,
      sandbox,
      batchSize: BATCH,
    });
    reportBytes(result);
    return result;
  });
  const seconds = (performance.now() - started) / 1_000;
  if (report.outcome !== "scored") throw new Error(`the bench model was not scored: ${report.reason}`);
  score = report.score ?? 0;
  say(`  evaluator stages (ms): ${JSON.stringify(report.timings)}`);
  return seconds;
}

try {
  const bares: number[] = [];
  const evaluators: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // The sandbox's next child is up before either side is timed, so its start-up competes with neither.
    await sandbox.warm();
    bares.push(await bare());
    evaluators.push(await evaluator());
    say(
      `round ${round + 1}: bare ${bares.at(-1)?.toFixed(2)} s, evaluator ${evaluators.at(-1)?.toFixed(2)} s`,
    );
  }
  const bareS = median(bares);
  const evaluatorS = median(evaluators);
  const ratio = median(evaluators.map((seconds, i) => seconds / (bares[i] as number)));
  say(`(a) bare onnxruntime: ${bareS.toFixed(2)} s (median of ${ROUNDS})`);
  say(
    `(b) evaluator:        ${evaluatorS.toFixed(2)} s (median of ${ROUNDS}), ratio ${ratio.toFixed(3)} (median of per-round ratios; ratio of medians ${(evaluatorS / bareS).toFixed(3)})`,
  );
  say(
    `max event-loop delay during (b): ${maxLagMs.toFixed(1)} ms; accuracy of the random MLP ${score.toFixed(3)}`,
  );
  process.stdout.write(
    `${JSON.stringify({
      bench: "eval",
      samples: ROWS,
      bare_s: Number(bareS.toFixed(3)),
      evaluator_s: Number(evaluatorS.toFixed(3)),
      ratio: Number(ratio.toFixed(3)),
      max_event_loop_lag_ms: Number(maxLagMs.toFixed(1)),
    })}\n`,
  );
} finally {
  await sandbox.close();
  for (const file of [modelPath, evalSetPath])
    await import("node:fs/promises").then((fs) => fs.rm(file, { force: true }));
}
