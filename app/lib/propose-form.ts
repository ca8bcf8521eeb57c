/**
 * The propose form: its fields, the spec and on-chain terms they make, and
 * where each validation problem is shown. The model interface is not typed by
 * hand: a task fixes its tensors' dtypes and shapes (see lib/spec.ts), so the
 * form asks only for their names. Browser-safe: the page and its action share it.
 */
import { z } from "zod";
import {
  type BountySpec,
  bountySpecSchema,
  METRICS,
  type MetricName,
  metricsForTask,
  TASK_TYPES,
  type TaskType,
} from "../../lib/spec.js";

export type FieldErrors = Partial<Record<string, string>>;

/** Tensor names a task's interface gets unless the DAO picks others. */
export const DEFAULT_TENSORS: Record<TaskType, { input: string; output: string }> = {
  classification: { input: "features", output: "logits" },
  regression: { input: "features", output: "prediction" },
  "causal-lm": { input: "input_ids", output: "logits" },
};

export const PROPOSE_LIMITS = {
  fundingDays: { min: 1, max: 365 },
  deliveryDays: { min: 1, max: 365 },
  /** BountyBoard.MAX_CHALLENGE_WINDOW is 30 days. */
  challengeHours: { min: 0, max: 720 },
};

const text = (form: FormData, name: string) => String(form.get(name) ?? "").trim();

/** A number field: NaN (reported as "must be a number") when it is empty or not numeric. */
const num = (form: FormData, name: string) => {
  const value = text(form, name);
  return value === "" ? Number.NaN : Number(value);
};

/** The spec the form describes, before validation (so every problem is found at once). */
export function specFromForm(form: FormData): unknown {
  const taskType = text(form, "taskType") as TaskType;
  const defaults = DEFAULT_TENSORS[taskType] ?? DEFAULT_TENSORS.classification;
  const inputName = text(form, "inputName") || defaults.input;
  const outputName = text(form, "outputName") || defaults.output;
  let task: unknown;
  let inputs: unknown;
  let outputs: unknown;
  if (taskType === "causal-lm") {
    const alphabet = String(form.get("alphabet") ?? "");
    const size = Array.from(alphabet).length;
    task = {
      type: taskType,
      vocabSize: size + 2,
      contextLength: num(form, "contextLength"),
      padTokenId: size,
      tokenizer: { kind: "char", alphabet },
    };
    inputs = [{ name: inputName, dtype: "int64", shape: ["batch", "sequence"] }];
    outputs = [{ name: outputName, dtype: "float32", shape: ["batch", "sequence", size + 2] }];
  } else {
    const numFeatures = num(form, "numFeatures");
    const width = taskType === "regression" ? num(form, "outputDim") : num(form, "numClasses");
    task =
      taskType === "regression"
        ? { type: taskType, numFeatures, outputDim: width }
        : { type: taskType, numClasses: width, numFeatures };
    inputs = [{ name: inputName, dtype: "float32", shape: ["batch", numFeatures] }];
    outputs = [{ name: outputName, dtype: "float32", shape: ["batch", width] }];
  }
  const metric = text(form, "metric") as MetricName;
  const trainingUri = text(form, "trainingDataUri");
  return {
    version: 1,
    name: text(form, "name"),
    description: text(form, "description"),
    license: text(form, "license"),
    task,
    interface: { inputs, outputs },
    metric: { name: metric, target: num(form, "target"), direction: METRICS[metric]?.direction ?? "higher" },
    resources: {
      gpus: num(form, "gpus"),
      minVramGb: num(form, "minVramGb"),
      maxTrainingMinutes: num(form, "maxTrainingMinutes"),
    },
    trainingData: trainingUri ? [{ uri: trainingUri }] : [],
  };
}

/**
 * The form field that shows a spec problem at `path` (zod's issue path). A tensor's shape comes from the
 * task's fields, so a bad dim is shown at the field it came from.
 */
export function fieldOfSpecPath(path: readonly PropertyKey[], taskType: string): string {
  const [head, second, , fourth, fifth] = path.map(String);
  if (head === "interface" && fourth === "shape") {
    if (second === "inputs") return taskType === "causal-lm" ? "contextLength" : "numFeatures";
    if (fifth === "2") return "alphabet";
    return taskType === "regression" ? "outputDim" : "numClasses";
  }
  switch (head) {
    case "task":
      if (second === "type") return "taskType";
      if (second === "tokenizer" || second === "vocabSize" || second === "padTokenId") return "alphabet";
      return second ?? "taskType";
    case "interface":
      return second === "outputs" ? "outputName" : "inputName";
    case "metric":
      return second === "target" ? "target" : "metric";
    case "resources":
      return second ?? "gpus";
    case "trainingData":
      return "trainingDataUri";
    default:
      return head ?? "name";
  }
}

const wholeNumber = (name: string, { min, max }: { min: number; max: number }) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be a whole number` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` });

const tokenAmount = (name: string, allowZero: boolean) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, { error: `${name} is an amount of whole tokens, such as 1000 or 12.5` })
    .refine((v) => allowZero || Number(v) > 0, { error: `${name} must be more than zero` });

/** The on-chain terms of the form, in the person's units (amounts are converted with the token's decimals). */
export const termsSchema = z.object({
  token: z.string().regex(/^0x[0-9a-fA-F]{40}$/, { error: "token must be a 0x-prefixed address" }),
  goal: tokenAmount("goal", false),
  bond: tokenAmount("bond", true),
  fundingDays: wholeNumber("funding period", PROPOSE_LIMITS.fundingDays),
  deliveryDays: wholeNumber("delivery period", PROPOSE_LIMITS.deliveryDays),
  challengeHours: wholeNumber("challenge window", PROPOSE_LIMITS.challengeHours),
});
export type ProposeTerms = z.infer<typeof termsSchema>;

/** Validates the whole form: the spec and the terms, every problem keyed by the field that shows it. */
export function parseProposeForm(
  form: FormData,
): { ok: true; spec: BountySpec; terms: ProposeTerms } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const add = (field: string, message: string) => {
    errors[field] ??= message;
  };
  const taskType = text(form, "taskType");
  if (!(TASK_TYPES as readonly string[]).includes(taskType)) {
    add("taskType", `task type must be one of ${TASK_TYPES.join(", ")}`);
  } else if (!metricsForTask(taskType as TaskType).includes(text(form, "metric") as MetricName)) {
    add("metric", `a ${taskType} bounty is scored by ${metricsForTask(taskType as TaskType).join(" or ")}`);
  }
  const spec = bountySpecSchema.safeParse(specFromForm(form));
  if (!spec.success) {
    for (const issue of spec.error.issues) add(fieldOfSpecPath(issue.path, taskType), issue.message);
  }
  // The target's range is known from the metric alone: say so even while other fields are wrong
  // (the spec schema checks it only once every field is valid).
  const metric = METRICS[text(form, "metric") as MetricName];
  const target = num(form, "target");
  if (metric && Number.isFinite(target) && !(target >= metric.min && target <= metric.max)) {
    const max = metric.max === Number.POSITIVE_INFINITY ? "∞" : metric.max;
    add("target", `a ${text(form, "metric")} target lies in [${metric.min}, ${max}]`);
  }
  const terms = termsSchema.safeParse(Object.fromEntries(form));
  if (!terms.success) {
    for (const issue of terms.error.issues) add(String(issue.path[0] ?? "token"), issue.message);
  }
  if (!spec.success || !terms.success || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, spec: spec.data, terms: terms.data };
}
