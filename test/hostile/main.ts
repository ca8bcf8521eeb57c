/**
 * `npm run hostile`: evaluates the hostile corpus (corpus.ts) in this one
 * process through one Sandbox, as the worker would, and prints a table (entry,
 * expected codes, the code got, ms, this process's largest event-loop delay
 * during the run, ok, the reason) and a last line of JSON. Exits 0 only if
 * every entry ended `invalid` with an expected code, every control scored, and
 * the committed copies match the generator.
 *
 * `npm run hostile -- --write` (re)writes the committed copies: the small
 * entries as checkpoints/<name>.onnx and manifest.json. `--only a,b` runs just
 * those entries (no controls; the committed check still covers all).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Sandbox } from "../../jobs/evaluation/sandbox.js";
import {
  buildCorpus,
  CORPUS_SANDBOX_LIMITS,
  committedDifferences,
  MAX_EVENT_LOOP_DELAY_MS,
  runCorpus,
  tableHeader,
  tableRow,
  writeCommitted,
  writeEvalSets,
} from "./runner.js";

const out = (line: string) => process.stdout.write(`${line}\n`);

const { values } = parseArgs({ options: { write: { type: "boolean" }, only: { type: "string" } } });

const buildStarted = performance.now();
const built = buildCorpus();
const buildMs = Math.round(performance.now() - buildStarted);

if (values.write) {
  await writeCommitted(built);
  const committed = built.filter(({ entry }) => !entry.large);
  out(
    `wrote ${committed.length} checkpoints (${committed.reduce((sum, b) => sum + b.bytes.length, 0)} bytes) ` +
      `and manifest.json; ${built.length - committed.length} large entries are generated at run time`,
  );
  process.exit(0);
}

const drift = await committedDifferences(built);
for (const problem of drift) out(`committed corpus: ${problem}`);

const only = values.only?.split(",").filter(Boolean);
const selected = only ? built.filter(({ entry }) => only.includes(entry.name)) : built;
const dir = await mkdtemp(path.join(os.tmpdir(), "crowdtrain-hostile-"));
const sandbox = new Sandbox(CORPUS_SANDBOX_LIMITS);
let ok = false;
try {
  const evalSets = await writeEvalSets(dir);
  await sandbox.warm();
  out(
    `${selected.length} entries built in ${buildMs} ms; one Sandbox (${CORPUS_SANDBOX_LIMITS.memoryBytes / 1024 ** 2} MiB, ` +
      `${CORPUS_SANDBOX_LIMITS.timeoutMs / 1000} s per run)`,
  );
  out(tableHeader());
  const run = await runCorpus({
    sandbox,
    evalSets,
    built: selected,
    ...(only && { controls: [] }),
    onRow: (row) => out(tableRow(row)),
  });
  const failed = run.rows.filter((row) => !row.ok).map((row) => row.name);
  ok = run.ok && drift.length === 0;
  out(
    `${run.rows.length - failed.length}/${run.rows.length} rows ok in ${(run.totalMs / 1000).toFixed(1)} s; ` +
      `largest event-loop delay of this process ${run.maxEventLoopDelayMs} ms (p99 ${run.p99EventLoopDelayMs} ms, ` +
      `limit ${MAX_EVENT_LOOP_DELAY_MS} ms)`,
  );
  out(
    JSON.stringify({
      ok,
      entries: run.rows.filter((row) => !row.control).length,
      controls: run.rows.filter((row) => row.control).length,
      failed,
      committedMatches: drift.length === 0,
      responsive: run.responsive,
      maxEventLoopDelayMs: run.maxEventLoopDelayMs,
      p99EventLoopDelayMs: run.p99EventLoopDelayMs,
      totalMs: run.totalMs,
      buildMs,
      codes: Object.fromEntries(run.rows.map((row) => [row.name, row.failure ?? row.outcome])),
    }),
  );
} finally {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
