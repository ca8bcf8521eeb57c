/**
 * The copy-detection corpus, reduced (scripts/lib/copy-corpus.ts; `npm run copies` runs it whole):
 * for each built-in task, every transformed copy of the original (per-class logit offsets included)
 * is flagged and no model trained apart from it is, through the evaluator's own run and fingerprint
 * code.
 */
import { describe, expect, it } from "vitest";
import { corpusTable, runCopyCorpus } from "../../scripts/lib/copy-corpus.js";

describe("copy detection corpus", () => {
  it("flags every transformed copy and no model trained apart", { timeout: 180_000 }, async () => {
    const rows = await runCopyCorpus({ reduced: true });
    const wrong = rows.filter((row) => !row.ok);
    expect(wrong, corpusTable(rows)).toEqual([]);
    for (const task of ["classification", "regression", "causal-lm"] as const) {
      const of = rows.filter((row) => row.task === task);
      expect(of.some((row) => row.kind === "copy")).toBe(true);
      expect(of.some((row) => row.kind === "independent")).toBe(true);
    }
    // A constant added to each class's logits (alone, and before temperature and smoothing) is a copy.
    for (const task of ["classification", "causal-lm"] as const) {
      const offsets = rows.filter((row) => row.task === task && row.candidate.startsWith("class offsets"));
      expect(offsets.length).toBeGreaterThanOrEqual(2);
      expect(offsets.every((row) => row.kind === "copy" && row.flagged)).toBe(true);
    }
  });
});
