import { describe, expect, it } from "vitest";
import { blobsClassifierSpec, hindiGptSpec } from "../../lib/spec.examples.js";
import { parseProposeForm } from "./propose-form";

const terms = {
  token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  goal: "1000",
  bond: "0",
  fundingDays: "7",
  deliveryDays: "14",
  challengeHours: "24",
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
    expect(parsed.terms).toEqual({ ...terms, fundingDays: 7, deliveryDays: 14, challengeHours: 24 });
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
      form({ ...blobs, numClasses: "1", target: "2", metric: "mse", goal: "0", challengeHours: "721" }),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual({
      metric: "a classification bounty is scored by accuracy or macro_f1",
      numClasses: "numClasses must be at least 2",
      goal: "goal must be more than zero",
      challengeHours: "challenge window must be at most 720",
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
