/**
 * The bounty spec: what a DAO asks to be trained, frozen on-chain by its hash.
 *
 * A spec is JSON validated by `bountySpecSchema` and hashed over its canonical
 * JSON (`specHash`); that hash is the `specHash` of `createBounty`. The metric
 * name becomes the on-chain `metricId` (`metricIdOf`) and the target the
 * on-chain `targetScore` (`toOnchainScore`, int128 with 9 decimals).
 *
 * Conventions every checkpoint follows (the evaluator relies on them):
 * - Exactly one input and one output tensor; their names are the spec's, and
 *   the first dim of both is the same symbolic batch dim (e.g. "batch").
 * - classification: input float32 [batch, numFeatures]; output float32
 *   [batch, numClasses] holding **logits** (unnormalised scores; the predicted
 *   class is the argmax, probabilities are their softmax).
 * - regression: input float32 [batch, numFeatures]; output float32
 *   [batch, outputDim], the predictions.
 * - causal-lm: input int64 [batch, sequence] token ids, right-padded with
 *   `padTokenId`; output float32 [batch, sequence, vocabSize] holding **logits**
 *   where position t predicts token t + 1 from tokens 0..t only. The loss is the
 *   mean next-token cross-entropy over positions whose next token is not
 *   padding; perplexity = exp(loss), bits_per_token = loss / ln 2.
 *   Sequences are at most `contextLength` tokens.
 * - Char tokenizer: token i < alphabet length is the alphabet's i-th Unicode
 *   code point; then padding (`padTokenId` = alphabet length), then "unknown"
 *   (alphabet length + 1) for any code point not in the alphabet; so
 *   `vocabSize` = alphabet length + 2.
 *
 * No I/O and no node: imports: safe in the browser bundle.
 */
import { type Hex, hexToString, sha256, stringToBytes, stringToHex } from "viem";
import { z } from "zod";

/* ------------------------------------------------------------------------ */
/* Metrics                                                                   */
/* ------------------------------------------------------------------------ */

export const TASK_TYPES = ["classification", "regression", "causal-lm"] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export type Direction = "higher" | "lower";

/** Every metric: the task it scores, which direction is better, and its range. */
export const METRICS = {
  accuracy: { task: "classification", direction: "higher", min: 0, max: 1 },
  macro_f1: { task: "classification", direction: "higher", min: 0, max: 1 },
  mse: { task: "regression", direction: "lower", min: 0, max: Number.POSITIVE_INFINITY },
  mae: { task: "regression", direction: "lower", min: 0, max: Number.POSITIVE_INFINITY },
  perplexity: { task: "causal-lm", direction: "lower", min: 1, max: Number.POSITIVE_INFINITY },
  bits_per_token: { task: "causal-lm", direction: "lower", min: 0, max: Number.POSITIVE_INFINITY },
} as const satisfies Record<string, { task: TaskType; direction: Direction; min: number; max: number }>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** The metrics a task may be scored with. */
export function metricsForTask(task: TaskType): MetricName[] {
  return METRIC_NAMES.filter((name) => METRICS[name].task === task);
}

/** Whether higher or lower scores of this metric are better. */
export function metricDirection(name: MetricName): Direction {
  return METRICS[name].direction;
}

/* ------------------------------------------------------------------------ */
/* Schema                                                                    */
/* ------------------------------------------------------------------------ */

export const DTYPES = [
  "float32",
  "float64",
  "float16",
  "int8",
  "uint8",
  "int16",
  "int32",
  "int64",
  "bool",
] as const;
export type Dtype = (typeof DTYPES)[number];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TENSOR_NAME = /^[A-Za-z_][A-Za-z0-9_.:/-]*$/;
// An SPDX license id, or an expression of ids joined by AND / OR / WITH.
const SPDX = /^[A-Za-z0-9][A-Za-z0-9.+-]*(?: (?:AND|OR|WITH) [A-Za-z0-9][A-Za-z0-9.+-]*)*$/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

const positiveInt = (what: string) =>
  z.int({ error: `${what} must be an integer` }).min(1, { error: `${what} must be at least 1` });

/** A dim: a fixed positive size, or a symbolic name such as "batch" or "sequence". */
export const dimSchema = z.union(
  [
    z.int({ error: "a fixed dim is an integer" }).min(1, { error: "a fixed dim is at least 1" }),
    z
      .string()
      .regex(IDENTIFIER, { error: 'a symbolic dim is a name like "batch" (letters, digits, _)' })
      .max(64, { error: "a symbolic dim has at most 64 characters" }),
  ],
  { error: 'a dim is a positive integer or a symbolic name like "batch"' },
);
export type Dim = z.infer<typeof dimSchema>;

export const tensorSpecSchema = z.strictObject({
  name: z
    .string()
    .min(1, { error: "a tensor name cannot be empty" })
    .max(128, { error: "a tensor name has at most 128 characters" })
    .regex(TENSOR_NAME, { error: "a tensor name starts with a letter or _ and has no spaces" }),
  dtype: z.enum(DTYPES, { error: `dtype must be one of ${DTYPES.join(", ")}` }),
  shape: z.array(dimSchema).min(1, { error: "a tensor has at least one dim" }).max(8),
});
export type TensorSpec = z.infer<typeof tensorSpecSchema>;

/** The char tokenizer; see the module comment for its token ids. */
export const charTokenizerSchema = z.strictObject({
  kind: z.literal("char"),
  alphabet: z
    .string()
    .min(1, { error: "the alphabet cannot be empty" })
    .refine((s) => new Set(Array.from(s)).size === Array.from(s).length, {
      error: "the alphabet lists each character once",
    }),
});
export const tokenizerSchema = z.discriminatedUnion("kind", [charTokenizerSchema], {
  error: 'tokenizer.kind must be "char"',
});
export type Tokenizer = z.infer<typeof tokenizerSchema>;

export const classificationTaskSchema = z.strictObject({
  type: z.literal("classification"),
  numClasses: z
    .int({ error: "numClasses must be an integer" })
    .min(2, { error: "numClasses must be at least 2" })
    .max(10_000, { error: "numClasses is at most 10000" }),
  numFeatures: positiveInt("numFeatures"),
});
export const regressionTaskSchema = z.strictObject({
  type: z.literal("regression"),
  numFeatures: positiveInt("numFeatures"),
  outputDim: positiveInt("outputDim"),
});
export const causalLmTaskSchema = z.strictObject({
  type: z.literal("causal-lm"),
  vocabSize: z
    .int({ error: "vocabSize must be an integer" })
    .min(2, { error: "vocabSize must be at least 2" })
    .max(1_000_000, { error: "vocabSize is at most 1000000" }),
  contextLength: positiveInt("contextLength"),
  padTokenId: z
    .int({ error: "padTokenId must be an integer" })
    .min(0, { error: "padTokenId must be at least 0" }),
  tokenizer: tokenizerSchema,
});
export const taskSchema = z.discriminatedUnion(
  "type",
  [classificationTaskSchema, regressionTaskSchema, causalLmTaskSchema],
  { error: `task.type must be one of ${TASK_TYPES.join(", ")}` },
);
export type Task = z.infer<typeof taskSchema>;
export type ClassificationTask = z.infer<typeof classificationTaskSchema>;
export type RegressionTask = z.infer<typeof regressionTaskSchema>;
export type CausalLmTask = z.infer<typeof causalLmTaskSchema>;

export const metricSchema = z.strictObject({
  name: z.enum(METRIC_NAMES as [MetricName, ...MetricName[]], {
    error: `metric name must be one of ${METRIC_NAMES.join(", ")}`,
  }),
  target: z.number({ error: "target must be a finite number" }),
  direction: z.enum(["higher", "lower"], { error: 'direction must be "higher" or "lower"' }),
  /**
   * Optional, in the metric's own units, ≥ 0: how much a later checkpoint whose outputs match an
   * earlier one's (a copy, or a model converged to the same optimum) must beat the earlier score by
   * to count as its own. Absent: 5% of the earlier score (`minImprovementOver`). See ADR 014.
   */
  minImprovement: z
    .number({ error: "minImprovement must be a finite number" })
    .min(0, { error: "minImprovement must be at least 0" })
    .optional(),
});

export const resourcesSchema = z.strictObject({
  /** VRAM each GPU needs, in GB; 0 with `gpus: 0` means it runs on CPU. */
  minVramGb: z
    .number({ error: "minVramGb must be a finite number" })
    .min(0, { error: "minVramGb must be at least 0" })
    .max(10_000, { error: "minVramGb is at most 10000" }),
  gpus: z
    .int({ error: "gpus must be an integer" })
    .min(0, { error: "gpus must be at least 0" })
    .max(1024, { error: "gpus is at most 1024" }),
  maxTrainingMinutes: positiveInt("maxTrainingMinutes").max(525_600, {
    error: "maxTrainingMinutes is at most a year",
  }),
});

export const trainingDataSchema = z.strictObject({
  uri: z.string().max(2048).regex(URI, { error: "uri must be a URI such as builtin:hindi or https://..." }),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, { error: "sha256 is 64 lowercase hex characters" })
    .optional(),
  description: z.string().max(2000).optional(),
});

const specObjectSchema = z.strictObject({
  version: z.literal(1, { error: "version must be 1" }),
  name: z
    .string()
    .min(1, { error: "name cannot be empty" })
    .max(120, { error: "name has at most 120 characters" })
    .regex(/\S/, { error: "name cannot be blank" }),
  description: z.string().max(5000, { error: "description has at most 5000 characters" }),
  license: z.string().max(200).regex(SPDX, { error: 'license must be an SPDX id such as "Apache-2.0"' }),
  task: taskSchema,
  interface: z.strictObject({
    inputs: z.array(tensorSpecSchema),
    outputs: z.array(tensorSpecSchema),
  }),
  metric: metricSchema,
  resources: resourcesSchema,
  trainingData: z
    .array(trainingDataSchema)
    .min(1, { error: "trainingData needs at least one entry" })
    .max(64),
});

type SpecObject = z.infer<typeof specObjectSchema>;
type Issue = { path: (string | number)[]; message: string };

const shapeText = (shape: readonly Dim[]) =>
  `[${shape.map((d) => (typeof d === "string" ? d : String(d))).join(", ")}]`;

/** The cross-field rules: the interface, the metric and the resources must fit the task. */
function specIssues(spec: SpecObject): Issue[] {
  const issues: Issue[] = [];
  const { task, metric } = spec;

  // Task
  if (task.type === "causal-lm") {
    if (task.padTokenId >= task.vocabSize) {
      issues.push({ path: ["task", "padTokenId"], message: "padTokenId must be less than vocabSize" });
    }
    const size = Array.from(task.tokenizer.alphabet).length;
    if (task.vocabSize !== size + 2) {
      issues.push({
        path: ["task", "vocabSize"],
        message: `a char tokenizer with ${size} characters has vocabSize ${size + 2} (alphabet, padding, unknown)`,
      });
    }
    if (task.padTokenId !== size) {
      issues.push({
        path: ["task", "padTokenId"],
        message: `a char tokenizer's padTokenId is the alphabet length, ${size}`,
      });
    }
  }

  // Interface
  const io = spec.interface;
  for (const side of ["inputs", "outputs"] as const) {
    if (io[side].length !== 1) {
      issues.push({ path: ["interface", side], message: `${side} must list exactly one tensor` });
    }
  }
  const names = [...io.inputs, ...io.outputs].map((t) => t.name);
  if (new Set(names).size !== names.length) {
    issues.push({ path: ["interface"], message: "input and output names must be unique" });
  }
  const input = io.inputs[0];
  const output = io.outputs[0];
  if (input && output) {
    const expected =
      task.type === "causal-lm"
        ? {
            input: { dtype: "int64", rank: 2, fixed: [] as (number | undefined)[] },
            output: { dtype: "float32", rank: 3, fixed: [undefined, undefined, task.vocabSize] },
          }
        : {
            input: { dtype: "float32", rank: 2, fixed: [undefined, task.numFeatures] },
            output: {
              dtype: "float32",
              rank: 2,
              fixed: [undefined, task.type === "classification" ? task.numClasses : task.outputDim],
            },
          };
    const check = (side: "inputs" | "outputs", tensor: TensorSpec, want: typeof expected.input) => {
      if (tensor.dtype !== want.dtype) {
        issues.push({
          path: ["interface", side, 0, "dtype"],
          message: `a ${task.type} ${side.slice(0, -1)} has dtype ${want.dtype}`,
        });
      }
      if (tensor.shape.length !== want.rank) {
        issues.push({
          path: ["interface", side, 0, "shape"],
          message: `a ${task.type} ${side.slice(0, -1)} has ${want.rank} dims, not ${shapeText(tensor.shape)}`,
        });
        return;
      }
      want.fixed.forEach((size, i) => {
        if (size !== undefined && tensor.shape[i] !== size) {
          issues.push({
            path: ["interface", side, 0, "shape", i],
            message: `dim ${i} of a ${task.type} ${side.slice(0, -1)} must be ${size}`,
          });
        }
      });
    };
    check("inputs", input, expected.input);
    check("outputs", output, expected.output);

    // The batch dim (and the sequence dim of a language model) is symbolic and shared.
    const shared = task.type === "causal-lm" ? 2 : 1;
    for (let i = 0; i < shared && i < input.shape.length; i++) {
      const dim = input.shape[i];
      const what = i === 0 ? "batch" : "sequence";
      if (typeof dim !== "string") {
        issues.push({
          path: ["interface", "inputs", 0, "shape", i],
          message: `the ${what} dim must be symbolic (e.g. "${what}")`,
        });
      } else if (output.shape.length > i && output.shape[i] !== dim) {
        issues.push({
          path: ["interface", "outputs", 0, "shape", i],
          message: `the output's ${what} dim must be the input's, "${dim}"`,
        });
      }
    }
    if (task.type === "causal-lm" && input.shape.length === 2 && input.shape[0] === input.shape[1]) {
      issues.push({
        path: ["interface", "inputs", 0, "shape", 1],
        message: "the sequence dim must differ from the batch dim",
      });
    }
  }

  // Metric
  const known = METRICS[metric.name];
  if (known.task !== task.type) {
    issues.push({
      path: ["metric", "name"],
      message: `a ${task.type} bounty is scored by ${metricsForTask(task.type).join(" or ")}, not ${metric.name}`,
    });
  } else {
    if (metric.direction !== known.direction) {
      issues.push({
        path: ["metric", "direction"],
        message: `${metric.name} is better when ${known.direction}; direction must be "${known.direction}"`,
      });
    }
    if (!(metric.target >= known.min && metric.target <= known.max)) {
      issues.push({
        path: ["metric", "target"],
        message: `a ${metric.name} target lies in [${known.min}, ${known.max === Number.POSITIVE_INFINITY ? "∞" : known.max}]`,
      });
    }
  }
  if (metric.minImprovement !== undefined && metric.minImprovement > known.max - known.min) {
    issues.push({
      path: ["metric", "minImprovement"],
      message: `minImprovement cannot exceed the range of ${metric.name} (${known.max - known.min})`,
    });
  }
  if (Number.isFinite(metric.target)) {
    try {
      toOnchainScore(metric.target);
    } catch {
      issues.push({
        path: ["metric", "target"],
        message: "target does not fit the on-chain score (int128, 9 decimals)",
      });
    }
  }

  // Resources
  if (spec.resources.gpus === 0 && spec.resources.minVramGb > 0) {
    issues.push({
      path: ["resources", "minVramGb"],
      message: "minVramGb is VRAM per GPU: it must be 0 when gpus is 0 (CPU)",
    });
  }
  return issues;
}

/**
 * A bounty spec, validated: every field, then (once the fields are valid, so no
 * error follows from another) the interface, metric and resources against the task.
 */
export const bountySpecSchema = specObjectSchema.superRefine(
  (spec, ctx) => {
    for (const issue of specIssues(spec)) ctx.addIssue({ code: "custom", ...issue });
  },
  { when: (payload) => payload.issues.length === 0 },
);
export type BountySpec = z.infer<typeof bountySpecSchema>;

/** What the dispatcher matches against a pool: VRAM per GPU (GB) and GPU count (0: CPU). */
export function specRequirements(spec: BountySpec): { minVramGb: number; gpus: number } {
  return { minVramGb: spec.resources.minVramGb, gpus: spec.resources.gpus };
}

/* ------------------------------------------------------------------------ */
/* Copies and precedence                                                     */
/* ------------------------------------------------------------------------ */

/** The default minimum improvement, as a share of the earlier score: 5% (ADR 014 says why). */
export const DEFAULT_MIN_IMPROVEMENT_SHARE = 0.05;

/**
 * How much a later checkpoint matching an earlier one must beat `earlierScore` by: the spec's
 * `metric.minImprovement`, else 5% of |earlierScore|.
 */
export function minImprovementOver(
  metric: Pick<BountySpec["metric"], "direction" | "minImprovement">,
  earlierScore: number,
): number {
  return metric.minImprovement ?? DEFAULT_MIN_IMPROVEMENT_SHARE * Math.abs(earlierScore);
}

/**
 * Whether `later` beats `earlier` by the minimum improvement, in the metric's direction: strictly
 * better, and by at least the margin (so a margin of 0 means "strictly better").
 */
export function beatsByMargin(
  metric: Pick<BountySpec["metric"], "direction" | "minImprovement">,
  later: number,
  earlier: number,
): boolean {
  const gain = metric.direction === "higher" ? later - earlier : earlier - later;
  return gain > 0 && gain >= minImprovementOver(metric, earlier);
}

/** The minimum improvement in plain words, e.g. "at least 5% higher" or "strictly lower" (the bounty page). */
export function minImprovementText(
  metric: Pick<BountySpec["metric"], "direction" | "minImprovement">,
): string {
  const better = metric.direction === "higher" ? "higher" : "lower";
  if (metric.minImprovement === undefined)
    return `at least ${100 * DEFAULT_MIN_IMPROVEMENT_SHARE}% ${better}`;
  if (metric.minImprovement === 0) return `strictly ${better}`;
  return `at least ${metric.minImprovement} ${better}`;
}

/* ------------------------------------------------------------------------ */
/* Char tokenizer                                                            */
/* ------------------------------------------------------------------------ */

/** The "unknown" token id of a causal-lm task's char tokenizer. */
export function unknownTokenId(task: CausalLmTask): number {
  return Array.from(task.tokenizer.alphabet).length + 1;
}

/** Token ids of `text` (no padding): one per Unicode code point, "unknown" when outside the alphabet. */
export function tokenize(task: CausalLmTask, text: string): number[] {
  const alphabet = Array.from(task.tokenizer.alphabet);
  const ids = new Map(alphabet.map((ch, i) => [ch, i]));
  const unknown = alphabet.length + 1;
  return Array.from(text, (ch) => ids.get(ch) ?? unknown);
}

/** The text of token ids; padding is dropped and "unknown" becomes U+FFFD. */
export function detokenize(task: CausalLmTask, ids: Iterable<number | bigint>): string {
  const alphabet = Array.from(task.tokenizer.alphabet);
  let text = "";
  for (const raw of ids) {
    const id = Number(raw);
    if (id === task.padTokenId) continue;
    text += alphabet[id] ?? "\uFFFD";
  }
  return text;
}

/* ------------------------------------------------------------------------ */
/* Canonical JSON and the spec hash                                          */
/* ------------------------------------------------------------------------ */

/**
 * Deterministic JSON: object keys sorted (by UTF-16 code units) at every level,
 * no whitespace, strings and numbers written as JSON.stringify writes them
 * (so -0 is 0). Like JSON, `undefined` object members are dropped and
 * `undefined` array items become null. Non-finite numbers, bigints, functions,
 * symbols, non-plain objects (Date, Map, class instances) and cycles throw.
 * For the values a zod schema produces this is RFC 8785 (JCS).
 */
export function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const write = (v: unknown, where: string): string | undefined => {
    if (v === null) return "null";
    switch (typeof v) {
      case "boolean":
        return v ? "true" : "false";
      case "string":
        return JSON.stringify(v);
      case "number":
        if (!Number.isFinite(v)) throw new TypeError(`canonicalJson: ${where} is ${v}, not a finite number`);
        return JSON.stringify(v);
      case "undefined":
        return undefined;
      case "object":
        break;
      default:
        throw new TypeError(`canonicalJson: ${where} is a ${typeof v}, which JSON cannot hold`);
    }
    const obj = v as object;
    if (seen.has(obj)) throw new TypeError(`canonicalJson: ${where} is a cycle`);
    seen.add(obj);
    let out: string;
    if (Array.isArray(obj)) {
      out = `[${obj.map((item, i) => write(item, `${where}[${i}]`) ?? "null").join(",")}]`;
    } else {
      const proto = Object.getPrototypeOf(obj);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(
          `canonicalJson: ${where} is a ${proto?.constructor?.name ?? "object"}, not a plain object`,
        );
      }
      const members: string[] = [];
      for (const key of Object.keys(obj).sort()) {
        const text = write((obj as Record<string, unknown>)[key], `${where}.${key}`);
        if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
      }
      out = `{${members.join(",")}}`;
    }
    seen.delete(obj);
    return out;
  };
  const text = write(value, "value");
  if (text === undefined) throw new TypeError("canonicalJson: the value is undefined");
  return text;
}

/** sha256 of the spec's canonical JSON (UTF-8): the on-chain `specHash` (bytes32). */
export function specHash(spec: BountySpec): Hex {
  return sha256(stringToBytes(canonicalJson(spec)));
}

/* ------------------------------------------------------------------------ */
/* On-chain encodings                                                        */
/* ------------------------------------------------------------------------ */

/** On-chain scores are int128 fixed point with 9 decimals. */
export const SCORE_DECIMALS = 9;
export const SCORE_SCALE = 10n ** 9n;
const INT128_MAX = 2n ** 127n - 1n;
const INT128_MIN = -(2n ** 127n);

/**
 * A score as the on-chain int128 with 9 decimals, rounded half away from zero.
 * Rounds the number's shortest decimal form (what `String(value)` prints), so
 * `toOnchainScore(1.0000000005) === 1000000001n` although the double is a hair
 * below. Throws on non-finite values and on values outside int128.
 */
export function toOnchainScore(value: number): bigint {
  if (!Number.isFinite(value)) throw new RangeError(`score ${value} is not a finite number`);
  const negative = value < 0;
  const text = String(Math.abs(value));
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!match) throw new RangeError(`score ${value} has an unexpected form`);
  const [, whole = "", fraction = "", exponent = "0"] = match;
  // digits * 10^(pointShift): the decimal point sits `fraction.length - exp` digits from the right.
  const digits = `${whole}${fraction}`;
  const shift = Number(exponent) - fraction.length + SCORE_DECIMALS;
  let scaled: bigint;
  if (shift >= 0) {
    scaled = BigInt(digits) * 10n ** BigInt(shift);
  } else {
    const drop = -shift;
    const kept = digits.length > drop ? BigInt(digits.slice(0, digits.length - drop)) : 0n;
    const first = digits.length >= drop ? digits[digits.length - drop] : "0";
    scaled = kept + (first !== undefined && first >= "5" ? 1n : 0n);
  }
  const result = negative ? -scaled : scaled;
  if (result > INT128_MAX || result < INT128_MIN) throw new RangeError(`score ${value} does not fit int128`);
  return result;
}

/** The number an on-chain score stands for (the nearest double). */
export function fromOnchainScore(score: bigint): number {
  const negative = score < 0n;
  const abs = negative ? -score : score;
  const whole = abs / SCORE_SCALE;
  const fraction = (abs % SCORE_SCALE).toString().padStart(SCORE_DECIMALS, "0");
  return Number(`${negative ? "-" : ""}${whole}.${fraction}`);
}

/** The on-chain `metricId`: the metric name as a right-padded bytes32 string. */
export function metricIdOf(name: MetricName | string): Hex {
  return stringToHex(name, { size: 32 });
}

/** The metric name of an on-chain `metricId`. */
export function metricNameOf(metricId: Hex): string {
  return hexToString(metricId, { size: 32 });
}

/** `BountyBoard.Direction` value of a direction (HigherIsBetter = 0, LowerIsBetter = 1). */
export function onchainDirection(direction: Direction): 0 | 1 {
  return direction === "higher" ? 0 : 1;
}

/** The spec-derived arguments of `createBounty`. */
export function onchainSpecTerms(spec: BountySpec): {
  specHash: Hex;
  metricId: Hex;
  targetScore: bigint;
  direction: 0 | 1;
} {
  return {
    specHash: specHash(spec),
    metricId: metricIdOf(spec.metric.name),
    targetScore: toOnchainScore(spec.metric.target),
    direction: onchainDirection(spec.metric.direction),
  };
}
