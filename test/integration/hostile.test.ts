/**
 * The hostile corpus (test/hostile/corpus.ts), run as the worker meets
 * checkpoints: one process, one Sandbox reused for every run, small limits
 * (512 MiB, 5 s). Every entry must end `invalid` with one of its expected
 * codes, honest controls built from the same parts must score, this process
 * must stay responsive, the committed copies must equal what the generator
 * builds, and afterwards a trained reference model must still score in the
 * same Sandbox: the worker stays useful after everything the corpus throws.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobsClassifierSpec } from "../../core/spec.examples.js";
import { evaluateCheckpoint } from "../../jobs/evaluation/evaluate-checkpoint.js";
import { Sandbox } from "../../jobs/evaluation/sandbox.js";
import { trainReference } from "../../ml/train.js";
import { CONTROLS, CORPUS } from "../hostile/corpus.js";
import {
  type BuiltEntry,
  buildCorpus,
  CORPUS_BATCH_SIZE,
  CORPUS_MODEL_LIMITS,
  CORPUS_SANDBOX_LIMITS,
  type CorpusRun,
  committedDifferences,
  type EvalSetFile,
  MAX_EVENT_LOOP_DELAY_MS,
  runCorpus,
  tableRow,
  writeEvalSets,
} from "../hostile/runner.js";

let dir: string;
let sandbox: Sandbox;
let built: BuiltEntry[];
let evalSets: Awaited<ReturnType<typeof writeEvalSets>>;
let run: CorpusRun;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "crowdtrain-hostile-test-"));
  evalSets = await writeEvalSets(dir);
  built = buildCorpus();
  sandbox = new Sandbox(CORPUS_SANDBOX_LIMITS);
  await sandbox.warm();
  run = await runCorpus({ sandbox, evalSets, built });
}, 240_000);

afterAll(async () => {
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const rowOf = (name: string) => {
  const row = run.rows.find((r) => r.name === name);
  if (!row) throw new Error(`no row for ${name}`);
  return row;
};

describe("the hostile corpus", () => {
  it("has at least 35 entries covering every family of attack", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(35);
    const codes = new Set(CORPUS.flatMap((entry) => entry.expect));
    for (const code of [
      "non_canonical",
      "not_onnx",
      "too_complex",
      "too_large",
      "nondeterministic",
      "op",
      "function",
      "subgraph",
      "external_data",
      "initializers",
      "memory",
      "timeout",
      "non_causal",
      "batch_dependent",
      "output",
      "interface",
    ]) {
      expect(codes, code).toContain(code);
    }
  });

  it("the committed checkpoints and manifest equal what the generator builds", async () => {
    expect(await committedDifferences(built)).toEqual([]);
  });

  it.each(CORPUS.map((entry) => [entry.name, entry.expect] as const))(
    "%s ends invalid with one of %j",
    (name, expected) => {
      const row = rowOf(name);
      expect(row.outcome, tableRow(row, 300)).toBe("invalid");
      expect(expected, tableRow(row, 300)).toContain(row.failure);
    },
  );

  it.each(CONTROLS.map((control) => control.name))("the honest control %s scores", (name) => {
    const row = rowOf(name);
    expect(row.outcome, tableRow(row, 300)).toBe("scored");
  });

  it("keeps this process responsive throughout (all parsing happens in the child)", () => {
    expect(run.maxEventLoopDelayMs).toBeLessThanOrEqual(MAX_EVENT_LOOP_DELAY_MS);
  });

  it("still scores a trained reference model in the same Sandbox afterwards", async () => {
    const modelBytes = await trainReference(blobsClassifierSpec);
    const evalSet: EvalSetFile = evalSets.classification;
    const report = await evaluateCheckpoint({
      modelBytes,
      evalSetPath: evalSet.path,
      evalSetSha256: evalSet.sha256,
      spec: blobsClassifierSpec,
      sandbox,
      limits: CORPUS_MODEL_LIMITS,
      batchSize: CORPUS_BATCH_SIZE,
    });
    expect(report.outcome, report.reason).toBe("scored");
    expect(report.qualifies).toBe(true);
    expect(report.checks).toContain("batch_independence");
  });
});
