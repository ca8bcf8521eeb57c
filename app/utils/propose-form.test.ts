import { describe, expect, it } from "vitest";
import { blobsClassifierSpec, hindiGptSpec } from "../../core/spec.examples.js";
import { specHash } from "../../core/spec.js";
import { DATA_FORMATS, DEFAULT_HELD_OUT, IMPORT_LIMITS } from "../../ml/import.js";
import {
  DATA_FILE_FORMATS,
  dataSourceOf,
  PROPOSE_LIMITS,
  parseProposeForm,
  previewSpecHash,
} from "./propose-form.js";

const terms = {
  token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  goal: "1000",
  bond: "0",
  fundingPeriod: "7",
  deliveryPeriod: "14",
  challengeWindow: "24",
};

function form(fields: Record<string, string>) {
  const data = new FormData();
  for (const [name, value] of Object.entries({ ...terms, ...fields })) data.set(name, value);
  return data;
}

const blobs = {
  name: blobsClassifierSpec.name,
  description: blobsClassifierSpec.description,
  license: blobsClassifierSpec.license,
  taskType: "classification",
  numFeatures: "8",
  numClasses: "4",
  inputName: "features",
  outputName: "logits",
  metric: "accuracy",
  target: "0.9",
  trainingDataUri: "builtin:blobs",
  gpus: "0",
  minVramGb: "0",
  maxTrainingMinutes: "5",
};

describe("parseProposeForm", () => {
  it("makes the example classifier's spec, its interface derived from the task", () => {
    const parsed = parseProposeForm(form(blobs));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect({ ...parsed.spec, trainingData: [] }).toEqual({ ...blobsClassifierSpec, trainingData: [] });
    expect(parsed.terms).toEqual({
      token: terms.token,
      goal: "1000",
      bond: "0",
      arbiter: "",
      disputeBond: "0",
      allowOverfunding: false,
      // Seconds: days and hours by default, the reveal, evaluation and verification periods defaulted.
      periods: {
        fundingPeriod: 7 * 86_400,
        deliveryPeriod: 14 * 86_400,
        challengeWindow: 24 * 3_600,
        revealPeriod: 24 * 3_600,
        evaluationPeriod: 24 * 3_600,
        verificationPeriod: 48 * 3_600,
      },
    });
  });

  it("takes each duration in minutes, hours or days, and says what is wrong with one in words", () => {
    const parsed = parseProposeForm(
      form({
        ...blobs,
        fundingPeriod: "90",
        fundingPeriodUnit: "min",
        challengeWindow: "1.5",
        verificationPeriod: "2",
        verificationPeriodUnit: "d",
      }),
    );
    expect(parsed.ok && parsed.terms.periods).toMatchObject({
      fundingPeriod: 90 * 60,
      challengeWindow: 5_400,
      verificationPeriod: 2 * 86_400,
    });
    // A cleared field is its default in the default's unit, whatever unit is picked.
    const cleared = parseProposeForm(form({ ...blobs, fundingPeriod: "", fundingPeriodUnit: "min" }));
    expect(cleared.ok && cleared.terms.periods.fundingPeriod).toBe(7 * 86_400);
    const bad = parseProposeForm(
      form({
        ...blobs,
        fundingPeriod: "a week",
        deliveryPeriod: "366",
        challengeWindow: "31",
        challengeWindowUnit: "d",
        revealPeriod: "30",
        revealPeriodUnit: "s",
      }),
    );
    expect(bad.ok ? {} : bad.errors).toEqual({
      fundingPeriod: "The funding period is a number, such as 7.",
      deliveryPeriod: "The delivery period after funding closes must be at most 365 d.",
      challengeWindow: "The challenge window must be at most 30 d.",
      revealPeriod: "The reveal period's unit is min, h or d.",
    });
  });

  it("makes a char-level language model's vocabulary from its alphabet", () => {
    const parsed = parseProposeForm(
      form({
        ...blobs,
        name: hindiGptSpec.name,
        taskType: "causal-lm",
        alphabet: hindiGptSpec.task.tokenizer.alphabet,
        contextLength: "64",
        inputName: "input_ids",
        metric: "perplexity",
        target: "13",
      }),
    );
    expect(parsed.ok && parsed.spec.task).toEqual(hindiGptSpec.task);
    expect(parsed.ok && parsed.spec.interface).toEqual(hindiGptSpec.interface);
  });

  it("names every bad field at once, each at the field that caused it", () => {
    const parsed = parseProposeForm(
      form({ ...blobs, numClasses: "1", target: "2", metric: "mse", goal: "0", challengeWindow: "721" }),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual({
      metric: "a classification bounty is scored by accuracy or macro_f1",
      numClasses: "numClasses must be at least 2",
      goal: "The funding goal must be more than zero.",
      challengeWindow: "The challenge window must be at most 30 d.",
    });
  });

  it("reports a target out of its metric's range even while another field is wrong", () => {
    const parsed = parseProposeForm(form({ ...blobs, numFeatures: "x", target: "1.5" }));
    expect(parsed.ok ? {} : parsed.errors).toMatchObject({
      numFeatures: expect.stringMatching(/numFeatures/),
      target: "a accuracy target lies in [0, 1]",
    });
  });
});

describe("the data source", () => {
  const file = (name: string, content = "x,y,label\n1,2,0\n") => new File([content], name);
  const withFiles = (fields: Record<string, string>, files: Record<string, File>) => {
    const data = form({ ...blobs, ...fields });
    for (const [name, value] of Object.entries(files)) data.set(name, value);
    return data;
  };

  it("is the DAO's data file when one is uploaded, with its format, label columns and held-out share", () => {
    const source = dataSourceOf(
      withFiles(
        { dataFormat: "", labelColumn: " price, rent ,", heldOut: "0.25" },
        { dataFile: file("d.csv") },
      ),
    );
    expect(source.ok && source.source).toMatchObject({
      kind: "upload",
      format: undefined,
      labelColumns: ["price", "rent"],
      heldOutFraction: 0.25,
    });
    const defaults = dataSourceOf(withFiles({ dataFormat: "jsonl" }, { dataFile: file("d.json") }));
    expect(defaults.ok && defaults.source).toMatchObject({
      kind: "upload",
      format: "jsonl",
      heldOutFraction: 0.2,
    });
    // An empty file that was chosen is still the data file (the import says it is empty).
    expect(dataSourceOf(withFiles({}, { dataFile: file("empty.csv", "") })).ok).toBe(true);
  });

  it("is a ready eval set, or with neither file a built-in data set", () => {
    const evalSet = dataSourceOf(withFiles({}, { evalSet: file("set.bin"), dataFile: new File([], "") }));
    expect(evalSet.ok && evalSet.source.kind).toBe("evalSet");
    expect(dataSourceOf(form(blobs))).toEqual({
      ok: true,
      source: { kind: "builtin", uri: "builtin:blobs" },
    });
  });

  it("says what is missing or wrong, at the field", () => {
    expect(dataSourceOf(form({ ...blobs, trainingDataUri: "https://example.org/data.csv" }))).toEqual({
      ok: false,
      errors: {
        dataFile:
          "upload your data file (CSV, JSONL or text), or use a built-in demo data set or a ready eval set below",
      },
    });
    expect(dataSourceOf(withFiles({}, { dataFile: file("d.csv"), evalSet: file("s.bin") }))).toEqual({
      ok: false,
      errors: { dataFile: "upload your data file or a ready eval-set file, not both" },
    });
    expect(
      dataSourceOf(withFiles({ dataFormat: "xml", heldOut: "0.9" }, { dataFile: file("d.csv") })),
    ).toEqual({
      ok: false,
      errors: {
        dataFormat: "the format is one of csv, jsonl, text, or empty to go by the file name",
        heldOut: "the held-out share is a number from 0.01 to 0.5, such as 0.2 for 20%",
      },
    });
    expect(dataSourceOf(withFiles({ heldOut: "a fifth" }, { dataFile: file("d.csv") })).ok).toBe(false);
  });

  it("keeps its limits and formats equal to the import module's", () => {
    expect(DATA_FILE_FORMATS).toEqual(DATA_FORMATS);
    expect(PROPOSE_LIMITS.uploadMaxBytes).toBe(IMPORT_LIMITS.maxBytes);
    expect(PROPOSE_LIMITS.heldOut).toEqual({
      min: IMPORT_LIMITS.minHeldOut,
      max: IMPORT_LIMITS.maxHeldOut,
      default: DEFAULT_HELD_OUT,
    });
  });
});

describe("spec overrides from the data", () => {
  const lm = {
    ...blobs,
    name: "Simple English",
    taskType: "causal-lm",
    alphabet: "",
    contextLength: "32",
    inputName: "input_ids",
    metric: "perplexity",
    target: "8",
  };

  it("takes a derived alphabet when the field is empty, and the published training data", () => {
    const trainingData = [{ uri: "https://example.org/artifacts/ab", sha256: "a".repeat(64) }];
    const parsed = parseProposeForm(form(lm), { alphabet: " .abc", trainingData });
    expect(parsed.ok && parsed.spec.task).toMatchObject({
      vocabSize: 7,
      padTokenId: 5,
      tokenizer: { alphabet: " .abc" },
    });
    expect(parsed.ok && parsed.spec.trainingData).toEqual(trainingData);
    // A typed alphabet wins.
    const typed = parseProposeForm(form({ ...lm, alphabet: "xy" }), { alphabet: " .abc" });
    expect(typed.ok && typed.spec.task).toMatchObject({ vocabSize: 4 });
  });

  it("asks for an alphabet when there is none to derive", () => {
    const parsed = parseProposeForm(form(lm));
    expect(parsed.ok ? {} : parsed.errors).toEqual({
      alphabet:
        "type the alphabet, or leave it empty and upload a text corpus (or pick builtin:hindi) to use its characters",
    });
  });
});

describe("previewSpecHash", () => {
  it("is the hash the stored proposal freezes, for a spec the form alone decides", () => {
    const parsed = parseProposeForm(form(blobs));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const preview = previewSpecHash(form(blobs));
    expect(preview).toEqual({ kind: "hash", specHash: specHash(parsed.spec) });
    // Any change to the spec changes it; the terms (funding, periods) are not part of the spec.
    expect(previewSpecHash(form({ ...blobs, target: "0.91" }))).not.toEqual(preview);
    expect(previewSpecHash(form({ ...blobs, goal: "5000" }))).toEqual(preview);
  });

  it("names the first field the spec still lacks", () => {
    expect(previewSpecHash(form({ ...blobs, name: "" }))).toMatchObject({
      kind: "incomplete",
      field: "name",
    });
    expect(previewSpecHash(form({ ...blobs, numFeatures: "x" }))).toMatchObject({
      kind: "incomplete",
      field: "numFeatures",
    });
  });

  it("reads line breaks as a browser submits them (CRLF) and as the page reads them (LF) alike", () => {
    const typed = previewSpecHash(form({ ...blobs, description: "Two lines:\nthe second." }));
    const submitted = parseProposeForm(form({ ...blobs, description: "Two lines:\r\nthe second." }));
    if (!submitted.ok) throw new Error(JSON.stringify(submitted.errors));
    expect(submitted.spec.description).toBe("Two lines:\nthe second.");
    expect(typed).toEqual({ kind: "hash", specHash: specHash(submitted.spec) });
  });

  it("says what the server would refuse about the data: none, or two files", () => {
    expect(previewSpecHash(form({ ...blobs, trainingDataUri: "" }))).toMatchObject({
      kind: "incomplete",
      field: "dataFile",
    });
    const both = form(blobs);
    both.set("dataFile", new File(["a,label\n1,0\n"], "data.csv"));
    both.set("evalSet", new File(["x"], "set.evalset"));
    expect(previewSpecHash(both)).toMatchObject({ kind: "incomplete", field: "dataFile" });
  });

  it("waits for the data where the server completes the spec from it", () => {
    const withFile = form(blobs);
    withFile.set("dataFile", new File(["a,label\n1,0\n"], "data.csv"));
    expect(previewSpecHash(withFile)).toMatchObject({ kind: "fromData" });
    const lm = { ...blobs, taskType: "causal-lm", metric: "perplexity", target: "20", alphabet: "" };
    // No text corpus to read an alphabet from: the server would ask for one, and so does the preview.
    expect(previewSpecHash(form(lm))).toMatchObject({ kind: "incomplete", field: "alphabet" });
    expect(previewSpecHash(form({ ...lm, trainingDataUri: "builtin:hindi" }))).toMatchObject({
      kind: "fromData",
      reason: expect.stringMatching(/alphabet/),
    });
  });
});
