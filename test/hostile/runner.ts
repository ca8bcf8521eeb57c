/**
 * Runs the hostile corpus (corpus.ts) the way the worker meets checkpoints:
 * one process, one `Sandbox` reused for every run (jobs/evaluation/
 * evaluator.server.ts builds one and keeps it), `evaluateCheckpoint` for each
 * entry. Every entry must end `invalid` with one of its expected failure
 * codes; honest controls built from the same parts must still score, so a
 * refusal is the attack's doing and the sandbox stays useful. This process's
 * event-loop delay is measured throughout (the worker must keep answering
 * while children decode, allocate and die).
 *
 * Also: the committed copies (checkpoints/*.onnx and manifest.json) and the
 * check that they equal what the generator builds.
 *
 * `npm run hostile` (main.ts) and test/integration/hostile.test.ts both call
 * `runCorpus`.
 */
import { spawnSync } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { exampleSpecs } from "../../core/spec.examples.js";
import {
  DEFAULT_BATCH_SIZE,
  type EvaluationReport,
  evaluateCheckpoint,
} from "../../jobs/evaluation/evaluate-checkpoint.js";
import { type Sandbox, type SandboxLimits, SandboxUnavailable } from "../../jobs/evaluation/sandbox.js";
import { DEFAULT_MODEL_LIMITS, type ModelLimits } from "../../jobs/evaluation/validate.js";
import { heldOutSplit } from "../../ml/data.js";
import { encodeEvalSet } from "../../ml/evalset.js";
import { sha256Hex } from "../../server/hash.js";
import { COMMIT_MAX_BYTES, CONTROLS, CORPUS, type CorpusSpec, type HostileEntry } from "./corpus.js";

/**
 * The run's limits: the production model caps (DEFAULT_MODEL_LIMITS; an entry may lower one), and a
 * small sandbox (512 MiB, 5 s) so memory and time bombs are cut short quickly. 5 s is ten times what
 * the slowest honest run here needs (the language-model checks, ~0.5 s under bubblewrap).
 */
export const CORPUS_SANDBOX_LIMITS: SandboxLimits = { memoryBytes: 512 * 1024 ** 2, timeoutMs: 5_000 };
export const CORPUS_MODEL_LIMITS: ModelLimits = DEFAULT_MODEL_LIMITS;
export const CORPUS_BATCH_SIZE = DEFAULT_BATCH_SIZE;
/**
 * The largest event-loop delay of this process a run accepts. Measured at 30-90 ms on a shared
 * 2-core machine (JIT, GC of the corpus's 200 MB of buffers); a checkpoint decoded in this process
 * instead of the child would stall it for seconds (32 million nodes: about a minute).
 */
export const MAX_EVENT_LOOP_DELAY_MS = 200;

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CHECKPOINTS_DIR = path.join(HERE, "checkpoints");
export const MANIFEST_PATH = path.join(HERE, "manifest.json");

/* ------------------------------------------------------------------------ */
/* Building, and the committed copies                                        */
/* ------------------------------------------------------------------------ */

export interface BuiltEntry {
  entry: HostileEntry;
  bytes: Uint8Array;
  sha256: string;
}

/** Builds every entry (the large ones too: about 130 MB, in well under a second). */
export function buildCorpus(entries: readonly HostileEntry[] = CORPUS): BuiltEntry[] {
  const names = new Set<string>();
  return entries.map((entry) => {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(entry.name) || names.has(entry.name)) {
      throw new Error(`corpus entry name ${JSON.stringify(entry.name)} is not unique kebab-case`);
    }
    names.add(entry.name);
    const bytes = entry.build();
    if (!entry.large && bytes.length > COMMIT_MAX_BYTES) {
      throw new Error(`corpus entry ${entry.name} is ${bytes.length} bytes: mark it large (not committed)`);
    }
    return { entry, bytes, sha256: sha256Hex(bytes) };
  });
}

export interface ManifestEntry {
  name: string;
  /** Relative to test/hostile/, or null for an entry generated at run time (too large to commit). */
  file: string | null;
  spec: CorpusSpec;
  /** The example spec's name (core/spec.examples.ts). */
  specName: string;
  bytes: number;
  sha256: string;
  expect: string[];
  why: string;
  limits?: Partial<ModelLimits>;
  generated?: "at run time";
}

export interface Manifest {
  format: "crowdtrain-hostile-corpus";
  version: 1;
  about: string;
  run: { sandbox: { memoryBytes: number; timeoutMs: number }; model: ModelLimits; batchSize: number };
  entries: ManifestEntry[];
}

const fileOf = (entry: HostileEntry) => (entry.large ? null : `checkpoints/${entry.name}.onnx`);

export function manifestOf(built: readonly BuiltEntry[]): Manifest {
  return {
    format: "crowdtrain-hostile-corpus",
    version: 1,
    about:
      "Hostile checkpoints: each must end `invalid` with one of its `expect` codes when evaluated against its spec " +
      "(core/spec.examples.ts) under `run`'s limits. Built by test/hostile/corpus.ts; replay with `npm run hostile`; " +
      "regenerate with `npm run hostile -- --write`.",
    run: {
      sandbox: { memoryBytes: CORPUS_SANDBOX_LIMITS.memoryBytes, timeoutMs: CORPUS_SANDBOX_LIMITS.timeoutMs },
      model: CORPUS_MODEL_LIMITS,
      batchSize: CORPUS_BATCH_SIZE,
    },
    entries: built.map(({ entry, bytes, sha256 }) => ({
      name: entry.name,
      file: fileOf(entry),
      spec: entry.spec,
      specName: exampleSpecs[entry.spec].name,
      bytes: bytes.length,
      sha256,
      expect: [...entry.expect],
      why: entry.why,
      ...(entry.limits && { limits: entry.limits }),
      ...(entry.large && { generated: "at run time" as const }),
    })),
  };
}

/** Writes checkpoints/*.onnx (the small entries) and manifest.json, and removes stale files. */
export async function writeCommitted(built: readonly BuiltEntry[]): Promise<void> {
  await mkdir(CHECKPOINTS_DIR, { recursive: true });
  const wanted = new Set<string>();
  for (const { entry, bytes } of built) {
    const file = fileOf(entry);
    if (!file) continue;
    wanted.add(path.basename(file));
    await writeFile(path.join(HERE, file), bytes);
  }
  for (const name of await readdir(CHECKPOINTS_DIR)) {
    if (!wanted.has(name)) await rm(path.join(CHECKPOINTS_DIR, name));
  }
  await writeFile(MANIFEST_PATH, `${JSON.stringify(manifestOf(built), null, 2)}\n`);
  // The repository's JSON is biome-formatted (`npm run lint` checks it): format it the same way.
  const biome = createRequire(import.meta.url).resolve("@biomejs/biome/bin/biome");
  const formatted = spawnSync(process.execPath, [biome, "format", "--write", MANIFEST_PATH], {
    encoding: "utf8",
  });
  if (formatted.status !== 0) throw new Error(`biome could not format ${MANIFEST_PATH}: ${formatted.stderr}`);
}

/** Where the committed copies differ from what the generator builds (empty: they match). */
export async function committedDifferences(built: readonly BuiltEntry[]): Promise<string[]> {
  const problems: string[] = [];
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(MANIFEST_PATH, "utf8"));
  } catch (error) {
    return [`manifest.json cannot be read: ${(error as Error).message}`];
  }
  if (JSON.stringify(manifest) !== JSON.stringify(manifestOf(built))) {
    problems.push("manifest.json differs from the generator's manifest");
  }
  const files = new Set(await readdir(CHECKPOINTS_DIR).catch(() => [] as string[]));
  for (const { entry, bytes } of built) {
    const file = fileOf(entry);
    if (!file) continue;
    files.delete(path.basename(file));
    const committed = await readFile(path.join(HERE, file)).catch(() => undefined);
    if (!committed) problems.push(`${file} is missing`);
    else if (!Buffer.from(bytes).equals(committed))
      problems.push(`${file} differs from what ${entry.name} builds`);
  }
  for (const stale of files) problems.push(`checkpoints/${stale} is not an entry of the corpus`);
  return problems;
}

/* ------------------------------------------------------------------------ */
/* Running                                                                   */
/* ------------------------------------------------------------------------ */

export interface EvalSetFile {
  path: string;
  sha256: string;
}

/** The eval set of each example spec (its held-out split), written into `dir`. */
export async function writeEvalSets(dir: string): Promise<Record<CorpusSpec, EvalSetFile>> {
  const out = {} as Record<CorpusSpec, EvalSetFile>;
  for (const spec of Object.keys(exampleSpecs) as CorpusSpec[]) {
    const bytes = encodeEvalSet(heldOutSplit(exampleSpecs[spec]));
    const file = path.join(dir, `${spec}.evalset`);
    await writeFile(file, bytes);
    out[spec] = { path: file, sha256: sha256Hex(bytes) };
  }
  return out;
}

export interface CorpusRow {
  name: string;
  spec: CorpusSpec;
  /** An honest control (must score) rather than a hostile entry (must be invalid). */
  control: boolean;
  /** Failure codes accepted; empty for a control. */
  expect: readonly string[];
  bytes: number;
  /** The report's outcome, or "error" when the evaluation threw. */
  outcome: EvaluationReport["outcome"] | "error";
  failure?: string;
  reason?: string;
  ms: number;
  /** This process's largest event-loop delay during the row (and the harness's work just before it), ms. */
  loopDelayMs: number;
  ok: boolean;
}

export interface CorpusRun {
  rows: CorpusRow[];
  /** Every row ok, and this process stayed responsive (MAX_EVENT_LOOP_DELAY_MS). */
  ok: boolean;
  responsive: boolean;
  /** This process's largest event-loop delay over all runs, ms (monitorEventLoopDelay, 10 ms resolution). */
  maxEventLoopDelayMs: number;
  /** Its 99th percentile, ms. */
  p99EventLoopDelayMs: number;
  totalMs: number;
}

export interface RunCorpusOptions {
  sandbox: Sandbox;
  evalSets: Record<CorpusSpec, EvalSetFile>;
  /** Built entries (buildCorpus); default: the whole corpus. */
  built?: readonly BuiltEntry[];
  /** Honest models that must score, run after the corpus; default: corpus.ts's CONTROLS. */
  controls?: readonly { name: string; spec: CorpusSpec; bytes: Uint8Array }[];
  onRow?: (row: CorpusRow) => void;
}

const nsToMs = (ns: number) => Math.round(ns / 1e4) / 100;
const LOOP_RESOLUTION_MS = 10;

/**
 * The largest lateness of a 10 ms interval timer since the last `take()`: this process's event-loop
 * delay row by row. (monitorEventLoopDelay gives the overall figure; resetting it per row would drop
 * the sample that straddles a reset.)
 */
function lateness() {
  let last = performance.now();
  let max = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last - LOOP_RESOLUTION_MS);
    last = now;
  }, LOOP_RESOLUTION_MS);
  return {
    take(): number {
      const taken = max;
      max = 0;
      return Math.round(Math.max(0, taken) * 100) / 100;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Evaluates every entry, then every control, one after the other through `options.sandbox`. Never
 * throws for a model's doing; rethrows SandboxUnavailable (no sandbox can be made here).
 */
export async function runCorpus(options: RunCorpusOptions): Promise<CorpusRun> {
  const built = options.built ?? buildCorpus();
  const controls =
    options.controls ??
    CONTROLS.map((control) => ({ name: control.name, spec: control.spec, bytes: control.build() }));
  const jobs = [
    ...built.map(({ entry, bytes, sha256 }) => ({ entry, bytes, sha256, control: false })),
    ...controls.map(({ name, spec, bytes }) => ({
      entry: { name, spec, expect: [], why: "", build: () => bytes } as HostileEntry,
      bytes,
      sha256: sha256Hex(bytes),
      control: true,
    })),
  ];

  const overall = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  overall.enable();
  const perRow = lateness();
  const started = performance.now();
  const rows: CorpusRow[] = [];
  try {
    for (const { entry, bytes, sha256, control } of jobs) {
      const t = performance.now();
      let report: EvaluationReport | undefined;
      let error: Error | undefined;
      try {
        report = await evaluateCheckpoint({
          modelBytes: bytes,
          modelSha256: sha256,
          evalSetPath: options.evalSets[entry.spec].path,
          evalSetSha256: options.evalSets[entry.spec].sha256,
          spec: exampleSpecs[entry.spec],
          sandbox: options.sandbox,
          limits: { ...CORPUS_MODEL_LIMITS, ...entry.limits },
          batchSize: CORPUS_BATCH_SIZE,
        });
      } catch (thrown) {
        if (thrown instanceof SandboxUnavailable) throw thrown;
        error = thrown instanceof Error ? thrown : new Error(String(thrown));
      }
      const outcome = report?.outcome ?? "error";
      const ok = control
        ? outcome === "scored"
        : outcome === "invalid" && entry.expect.includes(report?.failure as never);
      const row: CorpusRow = {
        name: entry.name,
        spec: entry.spec,
        control,
        expect: entry.expect,
        bytes: bytes.length,
        outcome,
        ...(report?.failure !== undefined && { failure: report.failure }),
        ...((report?.reason ?? error?.message) !== undefined && { reason: report?.reason ?? error?.message }),
        ...(control && report?.score !== undefined && { reason: `scored ${report.metric} ${report.score}` }),
        ms: Math.round(performance.now() - t),
        loopDelayMs: perRow.take(),
        ok,
      };
      rows.push(row);
      options.onRow?.(row);
    }
  } finally {
    overall.disable();
    perRow.stop();
  }
  const maxEventLoopDelayMs = nsToMs(overall.max);
  const responsive = maxEventLoopDelayMs <= MAX_EVENT_LOOP_DELAY_MS;
  return {
    rows,
    ok: responsive && rows.every((row) => row.ok),
    responsive,
    maxEventLoopDelayMs,
    p99EventLoopDelayMs: nsToMs(overall.percentile(99)),
    totalMs: Math.round(performance.now() - started),
  };
}

/* ------------------------------------------------------------------------ */
/* The table                                                                 */
/* ------------------------------------------------------------------------ */

const COLUMNS = [
  ["name", 36],
  ["expected", 26],
  ["got", 17],
  ["ms", 6],
  ["loop", 5],
  ["", 4],
  ["reason", 0],
] as const;

const cell = (text: string, width: number) =>
  width === 0 ? text : text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);

export function tableHeader(): string {
  return COLUMNS.map(([title, width]) => cell(title, width)).join(" ");
}

/** One line of the table; the reason is cut to `reasonWidth` characters. */
export function tableRow(row: CorpusRow, reasonWidth = 90): string {
  const got = row.failure ?? row.outcome;
  const values = [
    row.name,
    row.control ? "(control: scored)" : row.expect.join("|"),
    got,
    String(row.ms),
    String(Math.round(row.loopDelayMs)),
    row.ok ? "ok" : "FAIL",
    cell((row.reason ?? "").replace(/\s+/g, " "), reasonWidth),
  ];
  return COLUMNS.map(([, width], i) => cell(values[i] as string, width)).join(" ");
}
