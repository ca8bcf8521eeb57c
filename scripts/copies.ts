/**
 * `npm run copies`: the copy-detection corpus (scripts/lib/copy-corpus.ts), printed as a table.
 * Exits 1 when any candidate is not as expected: a transformed copy not flagged, or a model trained
 * apart flagged; then the study of the tails (all pairs of seeds, many noise draws) must miss no copy
 * and flag no pair of seeds, except in a convex task, where seeds converge to one optimum (ADR 014). `--task classification|regression|causal-lm` (repeatable) runs some tasks only;
 * `--reduced` runs the test's smaller corpus.
 */
import { parseArgs } from "node:util";
import { TASK_TYPES, type TaskType } from "../core/spec.js";
import { corpusTable, runCopyCorpus, runCopyStudy, studyHolds, studyTable } from "./lib/copy-corpus.js";

const { values } = parseArgs({
  options: { task: { type: "string", multiple: true }, reduced: { type: "boolean", default: false } },
});
const tasks = (values.task ?? [...TASK_TYPES]) as TaskType[];
for (const task of tasks) {
  if (!TASK_TYPES.includes(task)) {
    console.error(`copies: unknown task "${task}" (tasks: ${TASK_TYPES.join(", ")})`);
    process.exit(2);
  }
}
const started = performance.now();
const rows = await runCopyCorpus({
  tasks,
  reduced: values.reduced,
  onRow: (row) => process.stderr.write(`${row.task}: ${row.candidate}: ${row.distance.toExponential(2)}\n`),
});
process.stdout.write(`${corpusTable(rows)}\n`);
// The tails behind the thresholds: all seed pairs against many noise draws (skipped by --reduced).
const study = values.reduced ? [] : await runCopyStudy({ tasks });
if (study.length > 0) process.stdout.write(`\n${studyTable(study)}\n`);
process.stdout.write(`(${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
process.exitCode = rows.every((row) => row.ok) && studyHolds(study) ? 0 : 1;
