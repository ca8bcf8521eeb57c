/**
 * The PyTorch example trainer (agent/trainers/examples/torch-char-lm) end to
 * end, with every real part but the chain: the pool agent's command trainer
 * runs it on the "Hindi GPT" spec exactly as the agent would (handing it the
 * public training split as CROWDTRAIN_DATA), it trains in real PyTorch and
 * exports with a plain `torch.onnx.export` (batch dim fixed at 1), and the
 * real evaluator scores that checkpoint in a real sandbox on the held-out split.
 *
 * Needs a python3 with PyTorch: Debian's python3-torch (`.ci/run` installs it)
 * for /usr/bin/python3, or the interpreter named by $PYTHON. Without one the
 * tests fail, saying so; they never skip.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { onnx as OnnxTypes } from "onnx-proto";
import { type DestinationStream, pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommandTrainer } from "../../agent/trainers/command.js";
import type { Progress, TrainContext } from "../../agent/trainers/types.js";
import type { LeaseView } from "../../core/pool-api.js";
import { hindiGptSpec } from "../../core/spec.examples.js";
import { evaluateCheckpoint } from "../../jobs/evaluation/evaluate-checkpoint.js";
import { Sandbox } from "../../jobs/evaluation/sandbox.js";
import { ALLOWED_OPS } from "../../jobs/evaluation/validate.js";
import { heldOutSplit, hindiSplitSentences } from "../../ml/data.js";
import { encodeEvalSet } from "../../ml/evalset.js";
import { decodeModel, onnx } from "../../ml/onnx.js";
import { sha256Hex } from "../../server/hash.js";
import { tempDir } from "../setup/fixtures.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPT = path.join(ROOT, "agent/trainers/examples/torch-char-lm/train.py");
const spec = hindiGptSpec;
const { contextLength: L, vocabSize: V } = spec.task;
/** Training (about 13 s of CPU time, 15 to 40 s on a busy shared machine) and scoring. */
const TRAIN_TIMEOUT_MS = 240_000;
const dir = tempDir("torch-trainer");
let python: string;
let runs = 0;

/** The first interpreter that imports torch: $PYTHON, python3 on the PATH, then Debian's. */
function findTorchPython(): string {
  const candidates = [process.env.PYTHON, "python3", "/usr/bin/python3"].filter(
    (c): c is string => c !== undefined && c !== "",
  );
  const tried: string[] = [];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ["-c", "import torch; print(torch.__version__)"], {
      encoding: "utf8",
    });
    if (probe.status === 0) return candidate;
    const why = probe.error ? probe.error.message : (probe.stderr.trim().split("\n").at(-1) ?? "");
    tried.push(`${candidate}: ${why}`);
  }
  throw new Error(
    `the PyTorch example trainer test needs a python3 with torch, and none was found (${tried.join("; ")}). ` +
      "Install Debian's python3-torch (apt-get install python3-torch; .ci/run does) or set PYTHON to an interpreter with torch.",
  );
}

beforeAll(() => {
  python = findTorchPython();
});

afterAll(() => dir.remove());

/** A lease of the Hindi bounty, a fresh work dir, and the progress and log lines it produces. */
async function leaseContext(signal: AbortSignal, seed?: number) {
  runs++;
  const workDir = path.join(dir.dir, `lease-${runs}`);
  await mkdir(workDir);
  const lease: LeaseView = {
    leaseId: `lease-${runs}`,
    jobId: "job-1",
    attempt: 1,
    expiresAt: Date.now() + 600_000,
    heartbeatIntervalMs: 1_000,
    bounty: {
      chainId: 31_337,
      bountyId: "1",
      board: `0x${"11".repeat(20)}`,
      token: `0x${"22".repeat(20)}`,
      specHash: "0x",
    },
    spec,
  };
  const progress: Progress[] = [];
  const logs: Record<string, unknown>[] = [];
  const sink: DestinationStream = { write: (line) => void logs.push(JSON.parse(line)) };
  const ctx: TrainContext = {
    lease,
    spec,
    workDir,
    signal,
    onProgress: (p) => progress.push(p),
    logger: pino({ level: "info" }, sink),
    ...(seed === undefined ? {} : { seed }),
  };
  return { ctx, progress, logs, workDir };
}

/** The command the pool agent runs with `--command`. */
const template = () => `${JSON.stringify(python)} ${JSON.stringify(SCRIPT)} --spec {spec} --out {out}`;

/** Runs the example directly (not through the agent) for one epoch: the quick determinism check. */
function trainDirectly(seed: number): Buffer {
  const out = path.join(dir.dir, `direct-${++runs}.onnx`);
  const args = ["--spec", "spec.json", "--data", "train.txt", "--out", out, "--epochs", "1", "--seed"];
  const run = spawnSync(python, [SCRIPT, ...args, String(seed)], { encoding: "utf8", cwd: dir.dir });
  if (run.status !== 0) throw new Error(`train.py exited with ${run.status}: ${run.stderr}`);
  return readFileSync(out);
}

describe("the PyTorch example trainer", () => {
  it(
    "trains through the command trainer, exports with the batch dim fixed at 1, and is scored below the target",
    async () => {
      const trainer = createCommandTrainer({ template: template() });
      const { ctx, progress, logs, workDir } = await leaseContext(new AbortController().signal, 1);
      const started = performance.now();
      const bytes = await trainer.train(ctx);
      const trainSeconds = (performance.now() - started) / 1000;

      // The agent handed over exactly the public training half, never a held-out sentence.
      const { train, heldOut } = hindiSplitSentences();
      const text = await readFile(path.join(workDir, "train.txt"), "utf8");
      expect(text).toBe(`${train.join("\n")}\n`);
      for (const sentence of heldOut) expect(text).not.toContain(sentence);

      // Progress: one line per epoch, then 100 % after the export; steps only go up.
      expect(progress.length).toBeGreaterThan(2);
      expect(progress.at(-1)?.percent).toBe(100);
      for (const [i, p] of progress.entries()) {
        expect(Number.isFinite(p.loss)).toBe(true);
        if (i > 0) expect(p.step).toBeGreaterThanOrEqual(progress[i - 1]?.step ?? 0);
      }
      expect(logs.find((l) => l.event === "trainer.exit")).toMatchObject({ code: 0 });

      // What a plain torch.onnx.export gives: every dim fixed, [1, L] int64 -> [1, L, V] float32,
      // with the spec's tensor names, and only ops the evaluator allows.
      const graph = decodeModel(bytes).graph;
      if (!graph) throw new Error("the checkpoint has no graph");
      const shapeOf = (v: OnnxTypes.IValueInfoProto | undefined) => ({
        name: v?.name,
        elemType: v?.type?.tensorType?.elemType,
        dims: v?.type?.tensorType?.shape?.dim?.map((d) => Number(d.dimValue ?? 0)),
      });
      const DataType = onnx.TensorProto.DataType;
      expect(shapeOf(graph.input?.[0])).toEqual({
        name: "input_ids",
        elemType: DataType.INT64,
        dims: [1, L],
      });
      expect(shapeOf(graph.output?.[0])).toEqual({
        name: "logits",
        elemType: DataType.FLOAT,
        dims: [1, L, V],
      });
      const ops = [...new Set((graph.node ?? []).map((n) => n.opType ?? ""))].sort();
      expect(ops.filter((op) => !ALLOWED_OPS.has(op))).toEqual([]);

      // Scored by the real evaluator, on the held-out split, in a real sandbox.
      const evalSetBytes = encodeEvalSet(heldOutSplit(spec));
      const evalSetPath = path.join(dir.dir, "hindi-heldout.bin");
      await writeFile(evalSetPath, evalSetBytes);
      const sandbox = new Sandbox({ memoryBytes: 768 * 1024 ** 2, timeoutMs: 120_000 });
      try {
        const report = await evaluateCheckpoint({
          modelBytes: bytes,
          evalSetPath,
          evalSetSha256: sha256Hex(evalSetBytes),
          spec,
          sandbox,
        });
        process.stderr.write(
          `torch-char-lm: trained in ${trainSeconds.toFixed(1)} s (${progress.at(-1)?.step} steps), ` +
            `held-out perplexity ${report.score?.toFixed(3)}, ops ${ops.join(" ")}\n`,
        );
        expect(report.outcome, `${report.failure}: ${report.reason}`).toBe("scored");
        expect(report.evalSet.samples).toBe(heldOutSplit(spec).count);
        // Measured 9.99, 10.20 and 10.02 for seeds 0, 1 and 7; the spec's target is 13, uniform guessing is 152 and
        // an add-one unigram model about 30. The bound is the bounty's own target: the example fulfils it.
        expect(report.score).toBeGreaterThan(1);
        expect(report.score).toBeLessThanOrEqual(spec.metric.target);
        expect(report.qualifies).toBe(true);
      } finally {
        await sandbox.close();
      }
    },
    TRAIN_TIMEOUT_MS,
  );

  it("stops on SIGTERM when the lease is aborted, before the SIGKILL grace period", async () => {
    const trainer = createCommandTrainer({ template: template(), killGraceMs: 5_000 });
    const controller = new AbortController();
    const { ctx, progress, logs, workDir } = await leaseContext(controller.signal);
    const training = trainer.train(ctx).catch((error: unknown) => error);
    const deadline = Date.now() + 120_000;
    while (progress.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(progress.length, "the trainer reported no progress within 2 min").toBeGreaterThan(0);
    controller.abort(new Error("lease lost"));
    expect(await training).toMatchObject({ message: "lease lost" });
    // It exited by itself with 143 after SIGTERM: no SIGKILL was needed, and no checkpoint was left.
    expect(logs.find((l) => l.event === "trainer.exit")).toMatchObject({ code: 143, signal: null });
    expect(logs.some((l) => l.event === "trainer.kill" && l.signal === "SIGKILL")).toBe(false);
    await expect(readFile(path.join(workDir, "model.onnx"))).rejects.toThrow(/ENOENT/);
  }, 150_000);

  it("gives the same checkpoint bytes for the same seed, and others for another seed", async () => {
    await writeFile(path.join(dir.dir, "spec.json"), JSON.stringify(spec));
    await writeFile(path.join(dir.dir, "train.txt"), `${hindiSplitSentences().train.join("\n")}\n`);
    const a = trainDirectly(3);
    const b = trainDirectly(3);
    const c = trainDirectly(4);
    expect(a.length).toBeGreaterThan(0);
    expect(sha256Hex(b)).toBe(sha256Hex(a));
    expect(sha256Hex(c)).not.toBe(sha256Hex(a));
  }, 150_000);
});
