import { sha256, stringToBytes } from "viem";
import { describe, expect, it } from "vitest";
import {
  blobsClassifierSpec,
  exampleSpecs,
  HINDI_ALPHABET,
  hindiGptSpec,
  linearRegressionSpec,
} from "./spec.examples.js";
import {
  type BountySpec,
  bountySpecSchema,
  canonicalJson,
  detokenize,
  fromOnchainScore,
  metricIdOf,
  metricNameOf,
  metricsForTask,
  onchainSpecTerms,
  SCORE_SCALE,
  specHash,
  specRequirements,
  tokenize,
  toOnchainScore,
} from "./spec.js";

/** A deep copy with every object's keys in reverse order. */
function reorderKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorderKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reorderKeys(v)]),
    );
  }
  return value;
}

// biome-ignore lint/suspicious/noExplicitAny: tests mutate specs freely to make them invalid.
type Loose = any;
const clone = (spec: BountySpec): Loose => structuredClone(spec);

function issuesOf(input: unknown) {
  const result = bountySpecSchema.safeParse(input);
  expect(result.success, "the spec should be rejected").toBe(false);
  return (result.error?.issues ?? []).map((issue) => ({
    path: issue.path.join("."),
    message: issue.message,
  }));
}

describe("bountySpecSchema", () => {
  it.each(Object.entries(exampleSpecs))("parses the %s example unchanged", (_task, spec) => {
    const parsed = bountySpecSchema.parse(spec);
    expect(parsed).toEqual(spec);
  });

  it("parses a GPU spec and reports its requirements", () => {
    const spec = clone(hindiGptSpec);
    spec.resources = { minVramGb: 24, gpus: 2, maxTrainingMinutes: 600 };
    const parsed = bountySpecSchema.parse(spec);
    expect(specRequirements(parsed)).toEqual({ minVramGb: 24, gpus: 2 });
    expect(specRequirements(bountySpecSchema.parse(blobsClassifierSpec))).toEqual({ minVramGb: 0, gpus: 0 });
  });

  it("accepts optional training data fields and SPDX expressions", () => {
    const spec = clone(linearRegressionSpec);
    spec.license = "MIT OR Apache-2.0";
    spec.trainingData = [
      { uri: "https://example.org/data.bin", sha256: "ab".repeat(32), description: "x" },
      { uri: "builtin:linear?samples=100" },
    ];
    expect(bountySpecSchema.safeParse(spec).success).toBe(true);
  });

  // Each case breaks one thing and names the path (joined with ".") and a piece of the message.
  const cases: [string, BountySpec, (s: Loose) => void, string, RegExp][] = [
    ["version", blobsClassifierSpec, (s) => (s.version = 2), "version", /version must be 1/],
    ["empty name", blobsClassifierSpec, (s) => (s.name = ""), "name", /name cannot be empty/],
    ["blank name", blobsClassifierSpec, (s) => (s.name = "   "), "name", /blank/],
    ["long name", blobsClassifierSpec, (s) => (s.name = "x".repeat(121)), "name", /at most 120/],
    [
      "long description",
      blobsClassifierSpec,
      (s) => (s.description = "x".repeat(5001)),
      "description",
      /5000/,
    ],
    ["license", blobsClassifierSpec, (s) => (s.license = "Apache 2 license"), "license", /SPDX/],
    ["unknown key", blobsClassifierSpec, (s) => (s.extra = 1), "", /extra/],
    [
      "task type",
      blobsClassifierSpec,
      (s) => (s.task.type = "segmentation"),
      "task.type",
      /classification, regression, causal-lm/,
    ],
    ["numClasses", blobsClassifierSpec, (s) => (s.task.numClasses = 1), "task.numClasses", /at least 2/],
    ["numFeatures", blobsClassifierSpec, (s) => (s.task.numFeatures = 1.5), "task.numFeatures", /integer/],
    ["outputDim", linearRegressionSpec, (s) => (s.task.outputDim = 0), "task.outputDim", /at least 1/],
    ["vocabSize", hindiGptSpec, (s) => (s.task.vocabSize = 10), "task.vocabSize", /vocabSize 152/],
    ["padTokenId", hindiGptSpec, (s) => (s.task.padTokenId = 0), "task.padTokenId", /alphabet length, 150/],
    [
      "alphabet",
      hindiGptSpec,
      (s) => (s.task.tokenizer.alphabet = "aba"),
      "task.tokenizer.alphabet",
      /each character once/,
    ],
    ["tokenizer", hindiGptSpec, (s) => (s.task.tokenizer.kind = "bpe"), "task.tokenizer.kind", /"char"/],
    [
      "two outputs",
      blobsClassifierSpec,
      (s) => s.interface.outputs.push(s.interface.outputs[0]),
      "interface.outputs",
      /exactly one/,
    ],
    ["no input", blobsClassifierSpec, (s) => (s.interface.inputs = []), "interface.inputs", /exactly one/],
    [
      "duplicate names",
      blobsClassifierSpec,
      (s) => (s.interface.outputs[0].name = "features"),
      "interface",
      /unique/,
    ],
    [
      "tensor name",
      blobsClassifierSpec,
      (s) => (s.interface.inputs[0].name = "my input"),
      "interface.inputs.0.name",
      /no spaces/,
    ],
    [
      "dtype",
      blobsClassifierSpec,
      (s) => (s.interface.inputs[0].dtype = "float8"),
      "interface.inputs.0.dtype",
      /dtype must be one of/,
    ],
    [
      "bad symbolic dim",
      blobsClassifierSpec,
      (s) => (s.interface.inputs[0].shape = ["bad dim", 8]),
      "interface.inputs.0.shape.0",
      /symbolic dim/,
    ],
    [
      "zero dim",
      blobsClassifierSpec,
      (s) => (s.interface.inputs[0].shape = ["batch", 0]),
      "interface.inputs.0.shape.1",
      /at least 1/,
    ],
    [
      "classification output dim",
      blobsClassifierSpec,
      (s) => (s.interface.outputs[0].shape = ["batch", 5]),
      "interface.outputs.0.shape.1",
      /must be 4/,
    ],
    [
      "classification input dim",
      blobsClassifierSpec,
      (s) => (s.interface.inputs[0].shape = ["batch", 7]),
      "interface.inputs.0.shape.1",
      /must be 8/,
    ],
    [
      "classification input dtype",
      blobsClassifierSpec,
      (s) => (s.interface.inputs[0].dtype = "int64"),
      "interface.inputs.0.dtype",
      /float32/,
    ],
    [
      "classification rank",
      blobsClassifierSpec,
      (s) => (s.interface.outputs[0].shape = ["batch", 2, 2]),
      "interface.outputs.0.shape",
      /2 dims/,
    ],
    [
      "fixed batch dim",
      blobsClassifierSpec,
      (s) => (s.interface.inputs[0].shape = [16, 8]),
      "interface.inputs.0.shape.0",
      /symbolic/,
    ],
    [
      "batch dims differ",
      blobsClassifierSpec,
      (s) => (s.interface.outputs[0].shape = ["n", 4]),
      "interface.outputs.0.shape.0",
      /"batch"/,
    ],
    [
      "regression output dim",
      linearRegressionSpec,
      (s) => (s.interface.outputs[0].shape = ["batch", 3]),
      "interface.outputs.0.shape.1",
      /must be 2/,
    ],
    [
      "lm input dtype",
      hindiGptSpec,
      (s) => (s.interface.inputs[0].dtype = "float32"),
      "interface.inputs.0.dtype",
      /int64/,
    ],
    [
      "lm output vocab",
      hindiGptSpec,
      (s) => (s.interface.outputs[0].shape[2] = 151),
      "interface.outputs.0.shape.2",
      /must be 152/,
    ],
    [
      "lm output rank",
      hindiGptSpec,
      (s) => (s.interface.outputs[0].shape = ["batch", 152]),
      "interface.outputs.0.shape",
      /3 dims/,
    ],
    [
      "lm fixed sequence",
      hindiGptSpec,
      (s) => (s.interface.inputs[0].shape = ["batch", 64]),
      "interface.inputs.0.shape.1",
      /sequence dim must be symbolic/,
    ],
    [
      "lm sequence dims differ",
      hindiGptSpec,
      (s) => (s.interface.outputs[0].shape[1] = "time"),
      "interface.outputs.0.shape.1",
      /"sequence"/,
    ],
    [
      "lm sequence is batch",
      hindiGptSpec,
      (s) => (s.interface.inputs[0].shape = ["batch", "batch"]),
      "interface.inputs.0.shape.1",
      /differ/,
    ],
    [
      "metric for another task",
      blobsClassifierSpec,
      (s) => (s.metric.name = "mse"),
      "metric.name",
      /accuracy or macro_f1/,
    ],
    ["unknown metric", blobsClassifierSpec, (s) => (s.metric.name = "auc"), "metric.name", /must be one of/],
    [
      "accuracy direction",
      blobsClassifierSpec,
      (s) => (s.metric.direction = "lower"),
      "metric.direction",
      /must be "higher"/,
    ],
    [
      "mse direction",
      linearRegressionSpec,
      (s) => (s.metric.direction = "higher"),
      "metric.direction",
      /must be "lower"/,
    ],
    [
      "perplexity direction",
      hindiGptSpec,
      (s) => (s.metric.direction = "higher"),
      "metric.direction",
      /must be "lower"/,
    ],
    ["accuracy above 1", blobsClassifierSpec, (s) => (s.metric.target = 1.5), "metric.target", /\[0, 1\]/],
    ["perplexity below 1", hindiGptSpec, (s) => (s.metric.target = 0.5), "metric.target", /\[1, ∞\]/],
    ["NaN target", hindiGptSpec, (s) => (s.metric.target = Number.NaN), "metric.target", /finite/],
    [
      "infinite target",
      hindiGptSpec,
      (s) => (s.metric.target = Number.POSITIVE_INFINITY),
      "metric.target",
      /finite/,
    ],
    ["huge target", linearRegressionSpec, (s) => (s.metric.target = 1e40), "metric.target", /int128/],
    [
      "direction value",
      blobsClassifierSpec,
      (s) => (s.metric.direction = "up"),
      "metric.direction",
      /"higher" or "lower"/,
    ],
    [
      "negative VRAM",
      blobsClassifierSpec,
      (s) => (s.resources.minVramGb = -1),
      "resources.minVramGb",
      /at least 0/,
    ],
    [
      "VRAM without GPUs",
      blobsClassifierSpec,
      (s) => (s.resources.minVramGb = 8),
      "resources.minVramGb",
      /gpus is 0/,
    ],
    ["fractional GPUs", blobsClassifierSpec, (s) => (s.resources.gpus = 1.5), "resources.gpus", /integer/],
    [
      "no training time",
      blobsClassifierSpec,
      (s) => (s.resources.maxTrainingMinutes = 0),
      "resources.maxTrainingMinutes",
      /at least 1/,
    ],
    ["no training data", blobsClassifierSpec, (s) => (s.trainingData = []), "trainingData", /at least one/],
    ["data URI", blobsClassifierSpec, (s) => (s.trainingData[0].uri = "blobs"), "trainingData.0.uri", /URI/],
    [
      "data hash",
      blobsClassifierSpec,
      (s) => (s.trainingData[0].sha256 = "AB".repeat(32)),
      "trainingData.0.sha256",
      /lowercase hex/,
    ],
  ];

  it.each(cases)("rejects a bad %s, naming the field", (_what, base, breakIt, path, message) => {
    const spec = clone(base);
    breakIt(spec);
    const issues = issuesOf(spec);
    const match = issues.find((issue) => issue.path === path);
    expect(match, `no issue at "${path}" in ${JSON.stringify(issues)}`).toBeDefined();
    expect(match?.message).toMatch(message);
  });

  it("reports cross-field problems only once the fields themselves are valid", () => {
    const spec = clone(blobsClassifierSpec);
    spec.task.numClasses = 1;
    expect(issuesOf(spec)).toEqual([{ path: "task.numClasses", message: "numClasses must be at least 2" }]);
  });

  it("lists the metrics of each task", () => {
    expect(metricsForTask("classification")).toEqual(["accuracy", "macro_f1"]);
    expect(metricsForTask("regression")).toEqual(["mse", "mae"]);
    expect(metricsForTask("causal-lm")).toEqual(["perplexity", "bits_per_token"]);
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every level, keeps array order and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 0, y: [2, 1] }], c: "x" } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":[2,1],"z":0}]},"b":1}',
    );
    expect(canonicalJson([{ b: 2, a: 1 }, [], {}])).toBe('[{"a":1,"b":2},[],{}]');
  });

  it("sorts keys by UTF-16 code units, as JCS does", () => {
    expect(canonicalJson({ b: 1, B: 2, é: 3, a: 4, "€": 5, "1": 6 })).toBe(
      '{"1":6,"B":2,"a":4,"b":1,"é":3,"€":5}',
    );
  });

  it("writes strings and numbers as JSON.stringify does, unicode unescaped", () => {
    expect(canonicalJson({ s: 'हिंदी "q" \\ \n \u0000 😀' })).toBe(
      `{"s":${JSON.stringify('हिंदी "q" \\ \n \u0000 😀')}}`,
    );
    expect(canonicalJson({ s: "हिंदी" })).toBe('{"s":"हिंदी"}');
    expect(canonicalJson([0, -0, 1.5, -2, 1e21, 1e-7, 0.1 + 0.2, true, false, null])).toBe(
      "[0,0,1.5,-2,1e+21,1e-7,0.30000000000000004,true,false,null]",
    );
  });

  it("drops undefined members and writes undefined array items as null, like JSON", () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
  });

  it("round-trips through JSON.parse", () => {
    const value = reorderKeys(hindiGptSpec);
    expect(JSON.parse(canonicalJson(value))).toEqual(hindiGptSpec);
  });

  it("allows a shared (non-cyclic) reference", () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"x":1},"b":[{"x":1}]}');
  });

  it.each([
    ["NaN", { a: Number.NaN }, /finite/],
    ["Infinity", [Number.POSITIVE_INFINITY], /finite/],
    ["-Infinity", { a: { b: Number.NEGATIVE_INFINITY } }, /value\.a\.b/],
    ["a bigint", { a: 1n }, /bigint/],
    ["a function", { f: () => 1 }, /function/],
    ["a symbol", [Symbol("s")], /symbol/],
    ["a Date", { d: new Date(0) }, /Date/],
    ["a Map", new Map(), /Map/],
    ["undefined", undefined, /undefined/],
  ])("rejects %s", (_what, value, message) => {
    expect(() => canonicalJson(value)).toThrow(message);
  });

  it("rejects cycles", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });

  it("hashes to values computed outside JavaScript", () => {
    // printf '%s' '{"a":[true,null,"x"],"b":1}' | sha256sum
    expect(sha256(stringToBytes(canonicalJson({ b: 1, a: [true, null, "x"] })))).toBe(
      "0x54a65415ad370228851a1da4b31b6fd42dc58b19a50d35cae759325f7388ce64",
    );
    // printf '%s' '{"name":"हिंदी","z":{"a":1.5,"b":-2}}' | sha256sum
    expect(sha256(stringToBytes(canonicalJson({ z: { b: -2, a: 1.5 }, name: "हिंदी" })))).toBe(
      "0xecfc94fec409e30c7d40a294a67dba5e19f7a9b1023093d6828c6ed6ef56b294",
    );
  });
});

describe("specHash", () => {
  // The hash below is Python's sha256 of json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False).
  const pinned = {
    version: 1,
    name: "Tiny regressor",
    description: "नमस्ते: a fixed spec whose hash is pinned",
    license: "MIT",
    task: { type: "regression", numFeatures: 3, outputDim: 1 },
    interface: {
      inputs: [{ name: "x", dtype: "float32", shape: ["batch", 3] }],
      outputs: [{ name: "y", dtype: "float32", shape: ["batch", 1] }],
    },
    metric: { name: "mae", target: 0.25, direction: "lower" },
    resources: { minVramGb: 0, gpus: 0, maxTrainingMinutes: 5 },
    trainingData: [{ uri: "builtin:linear?samples=100", sha256: "ab".repeat(32) }],
  } satisfies BountySpec;

  it("matches a hash computed independently", () => {
    expect(specHash(bountySpecSchema.parse(pinned))).toBe(
      "0x0b25cd8df1f0d912b1ed425d06011c979a2c66fc750b0eb6470557415602e6e2",
    );
  });

  it("does not depend on key order", () => {
    for (const spec of Object.values(exampleSpecs)) {
      const reordered = reorderKeys(spec) as BountySpec;
      expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(spec));
      expect(specHash(reordered)).toBe(specHash(spec));
      expect(specHash(bountySpecSchema.parse(reordered))).toBe(specHash(spec));
    }
  });

  it("changes with any field and is a 0x-prefixed bytes32", () => {
    const base = specHash(hindiGptSpec);
    expect(base).toMatch(/^0x[0-9a-f]{64}$/);
    const changed = clone(hindiGptSpec);
    changed.metric.target = 12.999;
    expect(specHash(changed)).not.toBe(base);
    const renamed = clone(hindiGptSpec);
    renamed.interface.inputs[0].name = "ids";
    expect(specHash(renamed)).not.toBe(base);
    const hashes = new Set(Object.values(exampleSpecs).map(specHash));
    expect(hashes.size).toBe(3);
  });
});

describe("on-chain encodings", () => {
  it.each([
    [0, 0n],
    [-0, 0n],
    [0.9, 900_000_000n],
    [1, 1_000_000_000n],
    [13, 13_000_000_000n],
    [123.456789012, 123_456_789_012n],
    [1.0000000005, 1_000_000_001n], // the double is a hair below; its shortest decimal form is a tie
    [-1.0000000005, -1_000_000_001n],
    [2.5e-9, 3n],
    [-2.5e-9, -3n],
    [1.4999e-9, 1n],
    [5e-10, 1n],
    [4.9e-10, 0n],
    [1e-20, 0n],
    [0.1 + 0.2, 300_000_000n],
    [1e21, 10n ** 30n],
    [1.7e29, 17n * 10n ** 37n],
  ])("toOnchainScore(%s) = %s", (value, expected) => {
    expect(toOnchainScore(value)).toBe(expected);
  });

  it("rejects non-finite scores and scores outside int128", () => {
    expect(() => toOnchainScore(Number.NaN)).toThrow(/finite/);
    expect(() => toOnchainScore(Number.POSITIVE_INFINITY)).toThrow(/finite/);
    expect(() => toOnchainScore(1.8e29)).toThrow(/int128/);
    expect(() => toOnchainScore(-1.8e29)).toThrow(/int128/);
  });

  it("fromOnchainScore inverts it", () => {
    expect(SCORE_SCALE).toBe(1_000_000_000n);
    expect(fromOnchainScore(900_000_000n)).toBe(0.9);
    expect(fromOnchainScore(-1_000_000_001n)).toBe(-1.000000001);
    expect(fromOnchainScore(1n)).toBe(1e-9);
    expect(fromOnchainScore(0n)).toBe(0);
    expect(fromOnchainScore(2n ** 127n - 1n)).toBe(Number("170141183460469231731687303715.884105727"));
    for (const value of [0.123456789, 11.024105568, -3.5, 42, 1e-9, 9876543.210987654]) {
      expect(fromOnchainScore(toOnchainScore(value))).toBe(Number(value.toFixed(9)));
    }
  });

  it("encodes metric ids as bytes32 strings", () => {
    expect(metricIdOf("accuracy")).toBe(`0x6163637572616379${"0".repeat(48)}`);
    expect(metricNameOf(metricIdOf("bits_per_token"))).toBe("bits_per_token");
  });

  it("derives the createBounty terms of a spec", () => {
    expect(onchainSpecTerms(hindiGptSpec)).toEqual({
      specHash: specHash(hindiGptSpec),
      metricId: metricIdOf("perplexity"),
      targetScore: 13_000_000_000n,
      direction: 1,
    });
    expect(onchainSpecTerms(blobsClassifierSpec).direction).toBe(0);
  });
});

describe("char tokenizer", () => {
  const task = hindiGptSpec.task;

  it("maps code points to alphabet positions, unknown after padding", () => {
    expect(Array.from(HINDI_ALPHABET)).toHaveLength(150);
    expect(tokenize(task, " 0")).toEqual([0, 1]);
    expect(tokenize(task, "क")).toEqual([HINDI_ALPHABET.indexOf("क")]);
    expect(tokenize(task, "x")).toEqual([151]);
  });

  it("round-trips Hindi text and drops padding", () => {
    const text = "मेरा नाम सीता है। क्या आप ठीक हैं?";
    const ids = tokenize(task, text);
    expect(ids).toHaveLength(Array.from(text).length);
    expect(detokenize(task, [...ids, task.padTokenId, task.padTokenId])).toBe(text);
    expect(detokenize(task, [BigInt(ids[0] as number), 151n])).toBe("म\uFFFD");
  });
});
