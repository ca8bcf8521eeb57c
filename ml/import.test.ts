import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hindiGptSpec } from "../core/spec.examples.js";
import { type BountySpec, bountySpecSchema, type CausalLmTask, type Task, tokenize } from "../core/spec.js";
import type { CausalLmSplit, ClassificationSplit, RegressionSplit } from "./data.js";
import { decodeEvalSet, encodeEvalSet, evalSetFitsSpec } from "./evalset.js";
import {
  DataImportError,
  deriveAlphabet,
  formatOfFileName,
  IMPORT_LIMITS,
  type ImportOptions,
  importDataset,
  randomSplitSalt,
  splitFraction,
} from "./import.js";

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../test/fixtures/data-import/${name}`, import.meta.url)));
const specOf = (name: string): BountySpec =>
  bountySpecSchema.parse(
    JSON.parse(readFileSync(new URL(`../test/fixtures/data-import/${name}`, import.meta.url), "utf8")),
  );

const flowers = specOf("flowers.spec.json");
const houses = specOf("houses.spec.json");
const sentences = specOf("sentences.spec.json");

const SALT = new Uint8Array(32).fill(7);
const OTHER_SALT = new Uint8Array(32).fill(8);
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const csv = (opts: Partial<ImportOptions> = {}): ImportOptions => ({ format: "csv", salt: SALT, ...opts });

const classification = (numFeatures: number, numClasses: number): Task => ({
  type: "classification",
  numFeatures,
  numClasses,
});
const regression = (numFeatures: number, outputDim: number): Task => ({
  type: "regression",
  numFeatures,
  outputDim,
});

/** `n` distinct rows of two features and a label cycling through `labels`. */
function table(n: number, labels: readonly (string | number)[], header = "x,y,label"): string {
  const rows = Array.from({ length: n }, (_, i) => `${i},${(i * 7) % 13},${labels[i % labels.length]}`);
  return `${header}\n${rows.join("\n")}\n`;
}

const fails = (run: () => unknown, message: RegExp | string) => {
  expect(run).toThrow(DataImportError);
  expect(run).toThrow(message);
};

describe("the salted split", () => {
  it("is HMAC-SHA256(salt, key): its first 48 bits as a fraction", () => {
    const salt = randomSplitSalt();
    for (const key of ["", "[[1,2],0]", "नमस्ते", "x".repeat(500)]) {
      const mac = createHmac("sha256", salt).update(key, "utf8").digest();
      expect(splitFraction(salt, key)).toBe(mac.readUIntBE(0, 6) / 2 ** 48);
    }
  });

  it("holds out about the asked share, and the same salt and data give the same split and bytes", () => {
    const data = utf8(table(5000, [0, 1, 2]));
    const a = importDataset(data, classification(2, 3), csv());
    const b = importDataset(data, classification(2, 3), csv());
    expect(a.rows.total).toBe(5000);
    expect(Math.abs(a.rows.heldOut / 5000 - 0.2)).toBeLessThan(0.025);
    expect(encodeEvalSet(a.heldOut)).toEqual(encodeEvalSet(b.heldOut));
    expect(a.trainingFile).toEqual(b.trainingFile);
    const third = importDataset(data, classification(2, 3), csv({ heldOutFraction: 0.33 }));
    expect(Math.abs(third.rows.heldOut / 5000 - 0.33)).toBeLessThan(0.025);
  });

  it("depends on the salt", () => {
    const data = utf8(table(500, [0, 1]));
    const a = importDataset(data, classification(2, 2), csv());
    const b = importDataset(data, classification(2, 2), csv({ salt: OTHER_SALT }));
    expect(a.trainingFile).not.toEqual(b.trainingFile);
  });

  it("does not depend on the order of the rows, and keeps identical rows together", () => {
    const lines = table(400, ["a", "b"]).trim().split("\n");
    const [header, ...rows] = lines as [string, ...string[]];
    // Every row twice (once written differently: 3 and 3.0 are the same number), shuffled.
    const doubled = [...rows, ...rows.map((row) => row.replace(/^(\d+),/, "$1.0,"))].reverse();
    const a = importDataset(utf8(`${header}\n${rows.join("\n")}`), classification(2, 2), csv());
    const b = importDataset(utf8(`${header}\n${doubled.join("\n")}`), classification(2, 2), csv());
    expect(b.rows.heldOut).toBe(2 * a.rows.heldOut);
    const trainA = new Set(text(a.trainingFile).trim().split("\n"));
    for (const row of text(b.trainingFile).trim().split("\n").slice(1)) {
      expect(trainA.has(row.replace(/^(\d+)\.0,/, "$1,"))).toBe(true);
    }
  });

  it("keeps the training and held-out parts disjoint and complete", () => {
    const result = importDataset(fixture("flowers.csv"), flowers.task, csv());
    const train = text(result.trainingFile).trim().split("\n");
    expect(train[0]).toBe("sepal_length,sepal_width,petal_length,petal_width,species");
    expect(train.length - 1).toBe(result.rows.train);
    expect(result.rows.train + result.rows.heldOut).toBe(150);
    // Every held-out row is a row of the input that is not in the training part.
    const input = text(fixture("flowers.csv")).trim().split("\n").slice(1);
    const held = result.heldOut as ClassificationSplit;
    const classes = result.classes as string[];
    const heldRows = Array.from({ length: held.count }, (_, i) => {
      const features = Array.from(held.features.subarray(i * 4, i * 4 + 4), (v) => v.toFixed(1));
      return `${features.join(",")},${classes[held.labels[i] as number]}`;
    });
    for (const row of heldRows) expect(input).toContain(row);
    const trainSet = new Set(train.slice(1));
    for (const row of heldRows) expect(trainSet.has(row)).toBe(false);
  });
});

describe("CSV", () => {
  it("maps class names to ids in sorted order and records them", () => {
    const result = importDataset(utf8(table(60, ["zebra", "ant", "moth"])), classification(2, 3), csv());
    expect(result.classes).toEqual(["ant", "moth", "zebra"]);
    const held = result.heldOut as ClassificationSplit;
    for (let i = 0; i < held.count; i++) {
      const x = held.features[i * 2] as number;
      expect(held.labels[i]).toBe([2, 0, 1][x % 3]);
    }
    expect(evalSetFitsSpec(result.heldOut, { ...flowers, task: classification(2, 3) } as BountySpec)).toEqual(
      [],
    );
  });

  it("takes integer labels as class ids", () => {
    const result = importDataset(utf8(table(60, [0, 1, 2])), classification(2, 3), csv());
    expect(result.classes).toBeUndefined();
    const held = result.heldOut as ClassificationSplit;
    for (let i = 0; i < held.count; i++) expect(held.labels[i]).toBe((held.features[i * 2] as number) % 3);
  });

  it("finds the label column by name, by option, or last", () => {
    const named = `label,x,y\n${Array.from({ length: 40 }, (_, i) => `${i % 2},${i},${i * 2}`).join("\n")}`;
    const a = importDataset(utf8(named), classification(2, 2), csv()).heldOut as ClassificationSplit;
    expect(a.labels[0]).toBe((a.features[0] as number) % 2);
    const chosen = `kind,x,y\n${Array.from({ length: 40 }, (_, i) => `${i % 2},${i},${i * 2}`).join("\n")}`;
    const b = importDataset(utf8(chosen), classification(2, 2), csv({ labelColumns: ["kind"] }));
    expect((b.heldOut as ClassificationSplit).labels[0]).toBe(
      ((b.heldOut as ClassificationSplit).features[0] as number) % 2,
    );
    fails(
      () => importDataset(utf8(chosen), classification(2, 2), csv({ labelColumns: ["species"] })),
      'line 1: no column "species" (the columns are kind, x, y)',
    );
  });

  it("reads regression targets from several columns (the last ones by default)", () => {
    const result = importDataset(fixture("houses.csv"), houses.task, csv());
    const held = result.heldOut as RegressionSplit;
    expect(held.outputDim).toBe(2);
    expect(result.rows.total).toBe(120);
    const input = text(fixture("houses.csv"))
      .trim()
      .split("\n")
      .slice(1)
      .map((row) => row.split(",").map(Number));
    const first = input.find(
      (row) =>
        Math.fround(row[0] as number) === held.features[0] &&
        Math.fround(row[1] as number) === held.features[1],
    );
    expect(first).toBeDefined();
    expect(held.targets[0]).toBe(Math.fround(first?.[3] as number));
    expect(held.targets[1]).toBe(Math.fround(first?.[4] as number));
    expect(evalSetFitsSpec(held, houses)).toEqual([]);
    // Named target columns in any position.
    const named = importDataset(
      fixture("houses.csv"),
      regression(3, 2),
      csv({ labelColumns: ["rooms", "rent"] }),
    );
    expect((named.heldOut as RegressionSplit).numFeatures).toBe(3);
  });

  it("handles quoting, CRLF, a BOM and blank lines", () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${i + 1},"big, ""red"" ${i % 2}"`);
    const data = `\uFEFFx,y,label\r\n\r\n${rows.join("\r\n")}\r\n\r\n`;
    const result = importDataset(utf8(data), classification(2, 2), csv());
    expect(result.rows.total).toBe(30);
    expect(result.classes).toEqual(['big, "red" 0', 'big, "red" 1']);
    expect(text(result.trainingFile)).toContain('"big, ""red"" 1"');
  });

  it("names the line of each problem", () => {
    const good = table(20, ["a", "b"]);
    const task = classification(2, 2);
    const bad = (line: number, replacement: string) => {
      const lines = good.split("\n");
      lines[line - 1] = replacement;
      return utf8(lines.join("\n"));
    };
    fails(
      () => importDataset(bad(5, "1,2"), task, csv()),
      "line 5: expected 3 columns (2 features, 1 label), got 2",
    );
    fails(() => importDataset(bad(6, "1,,a"), task, csv()), 'line 6, column "y": empty value');
    fails(
      () => importDataset(bad(7, "NaN,1,a"), task, csv()),
      'line 7, column "x": NaN is not a finite number',
    );
    fails(() => importDataset(bad(7, "1,-Infinity,a"), task, csv()), "-Infinity is not a finite number");
    fails(
      () => importDataset(bad(8, "1e39,1,a"), task, csv()),
      'line 8, column "x": 1e39 is not a finite float32 number',
    );
    fails(() => importDataset(bad(9, "0x10,1,a"), task, csv()), 'line 9, column "x": "0x10" is not a number');
    fails(
      () => importDataset(bad(9, "1,2,cat"), task, csv()),
      'line 9: label "cat" is not one of the spec\'s 2 classes ("a", "b" came first)',
    );
    fails(() => importDataset(bad(10, '1,"2,a'), task, csv()), "line 21: a quoted value is never closed");
    fails(() => importDataset(bad(4, "1,2,"), task, csv()), 'line 4, column "label": empty label');
    fails(
      () => importDataset(utf8(table(20, [0, 3])), task, csv()),
      "line 3: label 3 is not one of the spec's 2 classes (class ids 0 to 1)",
    );
    fails(
      () => importDataset(utf8(table(20, ["a"])), task, csv()),
      'the labels name 1 classes ("a"); the spec has 2',
    );
  });

  it("checks the header against the spec", () => {
    fails(
      () => importDataset(utf8(table(20, [0, 1])), classification(3, 2), csv()),
      'line 1: the header has 3 columns: 2 features and the label "label"; the spec has 3 features',
    );
    fails(
      () => importDataset(utf8(table(20, [0, 1], "x,x,label")), classification(2, 2), csv()),
      'line 1: the header names column "x" twice',
    );
    fails(
      () => importDataset(utf8(table(20, [0, 1], "1,2,3")), classification(2, 2), csv()),
      "line 1 must be a header row naming the columns",
    );
    fails(
      () => importDataset(utf8("x,y,label\n"), classification(2, 2), csv()),
      "the file has a header but no rows",
    );
    fails(
      () => importDataset(fixture("houses.csv"), regression(3, 2), csv({ labelColumns: ["rent"] })),
      "name 2 target columns, not 1",
    );
  });
});

describe("JSONL", () => {
  it("reads features and labels, and names bad lines", () => {
    const result = importDataset(fixture("flowers.jsonl"), flowers.task, { format: "jsonl", salt: SALT });
    expect(result.classes).toEqual(["setosa", "versicolor", "virginica"]);
    expect(result.rows.total).toBe(150);
    // The same data as the CSV: the same rows held out (the split goes by content).
    const fromCsv = importDataset(fixture("flowers.csv"), flowers.task, csv());
    expect(encodeEvalSet(result.heldOut)).toEqual(encodeEvalSet(fromCsv.heldOut));
    // The training part is JSONL too: lines of the input.
    const input = new Set(text(fixture("flowers.jsonl")).trim().split("\n"));
    const train = text(result.trainingFile).trim().split("\n");
    expect(train.length).toBe(result.rows.train);
    for (const line of train) expect(input.has(line)).toBe(true);

    const jsonl = (lines: string[]) => utf8(lines.join("\n"));
    const ok = Array.from({ length: 20 }, (_, i) => JSON.stringify({ features: [i, i * 2], label: i % 2 }));
    const task = classification(2, 2);
    const opts = { format: "jsonl", salt: SALT } as const;
    fails(() => importDataset(jsonl([...ok, "{not json"]), task, opts), /^line 21: not valid JSON/);
    fails(() => importDataset(jsonl([...ok, "[1,2]"]), task, opts), "line 21: expected an object like");
    fails(
      () => importDataset(jsonl([...ok, '{"features":[1],"label":0}']), task, opts),
      "line 21: expected 2 features, got 1",
    );
    fails(
      () => importDataset(jsonl([...ok, '{"features":[1,"2"],"label":0}']), task, opts),
      'line 21, features[1]: "2" is not a number',
    );
    fails(
      () => importDataset(jsonl([...ok, '{"features":[1,1e400],"label":0}']), task, opts),
      "line 21, features[1]: Infinity is not a finite float32 number",
    );
    fails(
      () => importDataset(jsonl([...ok, '{"features":[1,2]}']), task, opts),
      'line 21: no "label" (or "target")',
    );
    fails(
      () => importDataset(jsonl([...ok, '{"features":[1,2],"label":0.5}']), task, opts),
      "line 21: label 0.5 is neither a class id",
    );
    fails(
      () => importDataset(jsonl([...ok, '{"features":[1,2],"label":"cat"}']), task, opts),
      'line 1: label 0 is a number, but other labels are class names (line 21: "cat")',
    );
  });

  it("reads regression targets as a number or an array", () => {
    const rows = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify(i % 2 ? { features: [i], target: i * 2 } : { features: [i], target: [i * 2] }),
    );
    const held = importDataset(utf8(rows.join("\n")), regression(1, 1), { format: "jsonl", salt: SALT })
      .heldOut as RegressionSplit;
    for (let i = 0; i < held.count; i++) expect(held.targets[i]).toBe((held.features[i] as number) * 2);
    fails(
      () => importDataset(utf8(rows.join("\n")), regression(1, 2), { format: "jsonl", salt: SALT }),
      /line 1: expected 2 targets, got 1|line 2: "targets" must be an array/,
    );
  });
});

describe("text corpora", () => {
  const task = sentences.task as CausalLmTask;

  it("splits documents whole, then cuts them into the spec's sequences", () => {
    const result = importDataset(fixture("sentences.txt"), task, { format: "text", salt: SALT });
    const held = result.heldOut as CausalLmSplit;
    expect(result.rows.total).toBe(240);
    expect(held.sequenceLength).toBe(task.contextLength);
    expect(held.count).toBeGreaterThan(result.rows.heldOut);
    expect(evalSetFitsSpec(held, sentences)).toEqual([]);
    expect(decodeEvalSet(encodeEvalSet(held)).count).toBe(held.count);
    // The training part holds exactly the lines that were not held out.
    const lines = text(fixture("sentences.txt")).trim().split("\n");
    const train = text(result.trainingFile).trim().split("\n");
    expect(train.length).toBe(result.rows.train);
    const heldLines = lines.filter((line) => !train.includes(line));
    const tokens = heldLines.flatMap((line) => tokenize(task, line));
    const heldTokens = Array.from({ length: held.count }, (_, i) =>
      Array.from(
        held.tokens.subarray(i * held.sequenceLength, i * held.sequenceLength + (held.lengths[i] as number)),
        Number,
      ),
    ).flat();
    expect(heldTokens).toEqual(tokens);
  });

  it("reads JSONL {text}, and derives an alphabet from the training part only", () => {
    const lines = text(fixture("sentences.txt")).trim().split("\n");
    const jsonl = utf8(
      `${lines.map((line) => JSON.stringify({ text: line, id: 1 })).join("\n")}\n{"text": ""}\n`,
    );
    const fromJsonl = importDataset(jsonl, task, { format: "jsonl", salt: SALT });
    const fromText = importDataset(fixture("sentences.txt"), task, { format: "text", salt: SALT });
    expect(encodeEvalSet(fromJsonl.heldOut)).toEqual(encodeEvalSet(fromText.heldOut));

    // A character only in held-out lines stays out of the alphabet: add a line with one that the salt
    // holds out, and one that it keeps for training.
    const withMark = (side: "held" | "train") =>
      Array.from({ length: 100 }, (_, i) => `mark ${i} Ω`).find((line) =>
        side === "held" ? splitFraction(SALT, line) < 0.2 : splitFraction(SALT, line) >= 0.2,
      ) as string;
    const alphabet = (extra: string) =>
      deriveAlphabet(utf8(`${lines.join("\n")}\n${extra}\n`), { format: "text", salt: SALT });
    expect(alphabet(withMark("held"))).not.toContain("Ω");
    expect(alphabet(withMark("train"))).toContain("Ω");
    const trainChars = new Set(text(fromText.trainingFile));
    trainChars.delete("\n");
    expect(deriveAlphabet(fixture("sentences.txt"), { format: "text", salt: SALT })).toBe(
      [...trainChars].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number)).join(""),
    );
    expect(deriveAlphabet(jsonl, { format: "jsonl", salt: SALT })).toBe(
      deriveAlphabet(fixture("sentences.txt"), { format: "text", salt: SALT }),
    );
  });

  it("refuses formats that do not fit the task", () => {
    fails(
      () => importDataset(fixture("flowers.csv"), task, csv()),
      "a causal-lm bounty imports a text corpus",
    );
    fails(
      () => importDataset(fixture("sentences.txt"), flowers.task, { format: "text", salt: SALT }),
      "a classification bounty imports CSV or JSONL",
    );
    fails(
      () => importDataset(utf8('{"text": 3}'), task, { format: "jsonl", salt: SALT }),
      'line 1: "text" must be a string',
    );
  });

  it("needs a held-out document of two characters or more", () => {
    const single = utf8(Array.from({ length: 128 }, (_, i) => String.fromCodePoint(0x0900 + i)).join("\n"));
    fails(
      () => importDataset(single, hindiGptSpec.task, { format: "text", salt: SALT }),
      "every held-out document is a single character",
    );
  });
});

describe("limits and bad input", () => {
  const task = classification(2, 2);

  it("refuses empty, blank, binary and non-UTF-8 files, naming the line", () => {
    fails(() => importDataset(new Uint8Array(), task, csv()), "the file is empty");
    fails(() => importDataset(utf8("\n \n\r\n"), task, csv()), "the file holds only blank lines");
    const latin1 = utf8(table(5, ["a", "b"]));
    const bytes = new Uint8Array([...latin1, ...utf8("9,9,caf"), 0xe9, 0x0a]);
    fails(() => importDataset(bytes, task, csv()), "line 7: not UTF-8 text");
    fails(() => importDataset(utf8("x,y,label\n1,2\u00003,a\n"), task, csv()), "line 2: a NUL character");
  });

  it("enforces the size, row and line limits", () => {
    const huge = new Uint8Array(IMPORT_LIMITS.maxBytes + 1);
    fails(() => importDataset(huge, task, csv()), "more than the 64 MiB a data file may have");
    const longLine = `x,y,label\n1,2,${"a".repeat(IMPORT_LIMITS.maxLineChars + 1)}\n`;
    fails(
      () => importDataset(utf8(longLine), task, csv()),
      "line 2: a row longer than the 1,048,576 characters",
    );
    const longText = `short\n${"a".repeat(IMPORT_LIMITS.maxLineChars + 1)}\n`;
    fails(
      () => importDataset(utf8(longText), sentences.task, { format: "text", salt: SALT }),
      "line 2: 1,048,577 characters, more than the 1,048,576 a line may have",
    );
  });

  // A million rows take seconds to parse: each limit is hit once.
  it("enforces the row limit on text and CSV", { timeout: 120_000 }, () => {
    const errorOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error;
      }
      throw new Error("no error");
    };
    const many = utf8(`${"ab\n".repeat(IMPORT_LIMITS.maxRows)}cd\n`);
    const text = errorOf(() => importDataset(many, sentences.task, { format: "text", salt: SALT }));
    expect(text).toBeInstanceOf(DataImportError);
    expect((text as Error).message).toMatch(/^line 1000001: more than 1,000,000 rows/);
    const manyCsv = utf8(`x,y,label\n${"1,2,a\n".repeat(IMPORT_LIMITS.maxRows)}3,4,b\n`);
    const table = errorOf(() => importDataset(manyCsv, task, csv()));
    expect(table).toBeInstanceOf(DataImportError);
    expect((table as Error).message).toMatch(/^line 1000002: more than 1,000,000 rows/);
  });

  it("refuses bad options", () => {
    const data = utf8(table(20, ["a", "b"]));
    fails(
      () => importDataset(data, task, csv({ heldOutFraction: 0.9 })),
      "the held-out share must be between 0.01 and 0.5",
    );
    fails(
      () => importDataset(data, task, csv({ salt: new Uint8Array(16) })),
      "the split salt must be 32 bytes",
    );
    fails(
      () => importDataset(data, task, { format: "jsonl", salt: SALT, labelColumns: ["label"] }),
      "label columns are for CSV files",
    );
    fails(
      () => importDataset(data, task, { format: "xml" as "csv", salt: SALT }),
      "format must be one of csv, jsonl, text",
    );
  });

  it("says when there are too few rows to split", () => {
    // One row: either nothing is held out or nothing is left for training.
    fails(() => importDataset(utf8(table(1, [0])), task, csv()), /too few rows \(1\) to hold out 20%/);
  });

  it("refuses a derived alphabet past 10,000 characters", () => {
    const chars = Array.from({ length: 30_000 }, (_, i) => String.fromCodePoint(0x4e00 + i));
    const corpus = utf8(
      Array.from({ length: 300 }, (_, i) => chars.slice(i * 100, i * 100 + 100).join("")).join("\n"),
    );
    fails(
      () => deriveAlphabet(corpus, { format: "text", salt: SALT }),
      /the training text has 2\d,\d{3} distinct characters; a derived alphabet has at most 10,000/,
    );
  });
});

describe("formatOfFileName", () => {
  it("knows the extensions", () => {
    expect(["a.csv", "b.JSONL", "c.ndjson", "d.txt", "e.text", "f.bin", "csv"].map(formatOfFileName)).toEqual(
      ["csv", "jsonl", "jsonl", "text", "text", undefined, undefined],
    );
  });
});
