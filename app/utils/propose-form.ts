/**
 * The propose form: its fields, the spec and on-chain terms they make, and
 * where each validation problem is shown. The model interface is not typed by
 * hand: a task fixes its tensors' dtypes and shapes (see core/spec.ts), so the
 * form asks only for their names. Browser-safe: the page and its action share it.
 *
 * The data come from one of three sources (`dataSourceOf`): the DAO's own data
 * file (CSV, JSONL or text), split on the server into the private eval set and
 * public training data (ml/import.ts, docs/data-import.md); a ready eval-set
 * file (CTEVAL01) with a training data URI; or, with neither file, a built-in
 * demo data set (`builtin:` URI), whose held-out split anyone can regenerate.
 */
import { z } from "zod";
import { duration } from "../../core/format.js";
import {
  type BountySpec,
  bountySpecSchema,
  METRICS,
  type MetricName,
  metricsForTask,
  specHash,
  TASK_TYPES,
  type TaskType,
} from "../../core/spec.js";

export type FieldErrors = Partial<Record<string, string>>;

/** Tensor names a task's interface gets unless the DAO picks others. */
export const DEFAULT_TENSORS: Record<TaskType, { input: string; output: string }> = {
  classification: { input: "features", output: "logits" },
  regression: { input: "features", output: "prediction" },
  "causal-lm": { input: "input_ids", output: "logits" },
};

/** Seconds per unit of a duration the form takes. */
export const DURATION_UNITS = { min: 60, h: 3_600, d: 86_400 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;

const DAY = 86_400;

/**
 * The form's durations: each a number (`<field>`) in a unit (`<field>Unit`: min, h or d), with its label,
 * its default and its bounds in seconds (the board's limits() may require longer: checked on submit).
 */
export const DURATIONS = {
  fundingPeriod: { label: "Funding period", value: 7, unit: "d", min: 60, max: 365 * DAY },
  deliveryPeriod: {
    label: "Delivery period after funding closes",
    value: 14,
    unit: "d",
    min: 60,
    max: 365 * DAY,
  },
  /** BountyBoard.MAX_CHALLENGE_WINDOW is 30 days. */
  challengeWindow: { label: "Challenge window", value: 24, unit: "h", min: 0, max: 30 * DAY },
  revealPeriod: { label: "Reveal period", value: 24, unit: "h", min: 60, max: 30 * DAY },
  evaluationPeriod: { label: "Evaluation period", value: 24, unit: "h", min: 60, max: 30 * DAY },
  verificationPeriod: { label: "Verification period", value: 48, unit: "h", min: 60, max: 30 * DAY },
} as const satisfies Record<
  string,
  { label: string; value: number; unit: DurationUnit; min: number; max: number }
>;
export type DurationField = keyof typeof DURATIONS;
export const DURATION_FIELDS = Object.keys(DURATIONS) as DurationField[];

/**
 * A duration field's value in whole seconds (fractions allowed: "1.5 h"), or a sentence saying what is
 * wrong. Empty: its default.
 */
export function durationSeconds(form: FormData, field: DurationField): number | string {
  const { label, value, unit, min, max } = DURATIONS[field];
  const raw = String(form.get(field) ?? "").trim();
  const unitName = String(form.get(`${field}Unit`) ?? "").trim() || unit;
  if (!Object.hasOwn(DURATION_UNITS, unitName)) return `The ${label.toLowerCase()}'s unit is min, h or d.`;
  if (raw !== "" && !/^\d+(\.\d+)?$/.test(raw))
    return `The ${label.toLowerCase()} is a number, such as ${value}.`;
  // Empty: the default, in the default's own unit (whatever unit is picked beside it).
  const seconds = Math.round(
    raw === "" ? value * DURATION_UNITS[unit] : Number(raw) * DURATION_UNITS[unitName as DurationUnit],
  );
  if (seconds < min) return `The ${label.toLowerCase()} must be at least ${duration(min)}.`;
  if (seconds > max) return `The ${label.toLowerCase()} must be at most ${duration(max)}.`;
  return seconds;
}

export const PROPOSE_LIMITS = {
  /**
   * Bytes of an uploaded data file or eval set: ml/import.ts's IMPORT_LIMITS.maxBytes (kept equal by the
   * form's test), well below jobs/evalsets/evalsets.ts's EVAL_SET_MAX_BYTES (1 GiB).
   */
  uploadMaxBytes: 64 * 1024 * 1024,
  /** The held-out share of a data file: ml/import.ts's IMPORT_LIMITS (kept equal by the form's test). */
  heldOut: { min: 0.01, max: 0.5, default: 0.2 },
};

/** Formats of a DAO's data file; ml/import.ts's DATA_FORMATS (kept equal by the form's test). */
export const DATA_FILE_FORMATS = ["csv", "jsonl", "text"] as const;
export type DataFileFormat = (typeof DATA_FILE_FORMATS)[number];

/** What the form may override in the spec: values that come from the DAO's data file. */
export interface SpecOverrides {
  /** A char tokenizer's alphabet, derived from the data (used when the alphabet field is empty). */
  alphabet?: string;
  /** The training data entries, when the platform publishes the training part. */
  trainingData?: BountySpec["trainingData"];
}

/**
 * A field's text with its line breaks as LF: a browser submits a textarea's newlines as CRLF, while the
 * same form read in the page (the spec hash preview) has LF, and the spec (so its hash) must not depend on
 * which one read it.
 */
const raw = (form: FormData, name: string) => String(form.get(name) ?? "").replace(/\r\n/g, "\n");
const text = (form: FormData, name: string) => raw(form, name).trim();

/** A number field: NaN (reported as "must be a number") when it is empty or not numeric. */
const num = (form: FormData, name: string) => {
  const value = text(form, name);
  return value === "" ? Number.NaN : Number(value);
};

/** The spec the form describes, before validation (so every problem is found at once). */
export function specFromForm(form: FormData, overrides: SpecOverrides = {}): unknown {
  const taskType = text(form, "taskType") as TaskType;
  const defaults = DEFAULT_TENSORS[taskType] ?? DEFAULT_TENSORS.classification;
  const inputName = text(form, "inputName") || defaults.input;
  const outputName = text(form, "outputName") || defaults.output;
  let task: unknown;
  let inputs: unknown;
  let outputs: unknown;
  if (taskType === "causal-lm") {
    const typed = raw(form, "alphabet");
    const alphabet = typed === "" && overrides.alphabet !== undefined ? overrides.alphabet : typed;
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
    trainingData: overrides.trainingData ?? (trainingUri ? [{ uri: trainingUri }] : []),
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

/** How messages name the amounts. */
export const AMOUNT_LABELS = {
  goal: "The funding goal",
  bond: "The trainer bond",
  disputeBond: "The dispute bond",
} as const;

const tokenAmount = (label: string, allowZero: boolean) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, { error: `${label} is an amount of whole tokens, such as 1000 or 12.5.` })
    .refine((v) => allowZero || Number(v) > 0, { error: `${label} must be more than zero.` });

/**
 * The on-chain terms of the form but its durations (`durationSeconds`), in the person's units: amounts are
 * converted with the token's decimals on submit. Messages name each field as its label does.
 */
export const termsSchema = z.object({
  token: z.string().regex(/^0x[0-9a-fA-F]{40}$/, { error: "Pick a token the board accepts." }),
  goal: tokenAmount(AMOUNT_LABELS.goal, false),
  bond: tokenAmount(AMOUNT_LABELS.bond, true),
  /** Who resolves disputes; empty: the DAO itself (never an evaluator, checked on submit and on-chain). */
  arbiter: z
    .string()
    .trim()
    .regex(/^(0x[0-9a-fA-F]{40})?$/, {
      error: "The arbiter is a 0x-prefixed address, or empty for your own.",
    })
    .default(""),
  disputeBond: tokenAmount(AMOUNT_LABELS.disputeBond, true).default("0"),
  allowOverfunding: z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean()).default(false),
});
export type ProposeTerms = z.infer<typeof termsSchema> & {
  /** Each duration in seconds. */
  periods: Record<DurationField, number>;
};

/**
 * Validates the whole form: the spec and the terms, every problem keyed by the field that shows it.
 * `overrides` supplies what the DAO's data file decides (see `SpecOverrides`).
 */
export function parseProposeForm(
  form: FormData,
  overrides: SpecOverrides = {},
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
  if (taskType === "causal-lm" && raw(form, "alphabet") === "" && !overrides.alphabet) {
    add("alphabet", ALPHABET_NEEDED);
  }
  const spec = bountySpecSchema.safeParse(specFromForm(form, overrides));
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
  const periods = {} as Record<DurationField, number>;
  for (const field of DURATION_FIELDS) {
    const seconds = durationSeconds(form, field);
    if (typeof seconds === "string") add(field, seconds);
    else periods[field] = seconds;
  }
  if (!spec.success || !terms.success || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, spec: spec.data, terms: { ...terms.data, periods } };
}

const ALPHABET_NEEDED =
  "type the alphabet, or leave it empty and upload a text corpus (or pick builtin:hindi) to use its characters";

/** What the form can tell of its spec hash while it is typed (`previewSpecHash`). */
export type SpecHashPreview =
  | { kind: "hash"; specHash: `0x${string}` }
  /** The spec is not valid yet: the first problem, at the field that shows it. */
  | { kind: "incomplete"; field: string; message: string }
  /** Part of the spec comes from the data, which the server reads when the form is stored. */
  | { kind: "fromData"; reason: string };

/**
 * The hash the proposal will freeze on-chain, from the form as typed, computed in the browser before
 * anything is stored or signed. Where the server completes the spec from the data (an uploaded data file's
 * published training part, or a language model's alphabet read from its data), the hash is known only once
 * it is stored: the page shows it then, before the wallet signs.
 */
export function previewSpecHash(form: FormData): SpecHashPreview {
  // The server refuses a form without a data source, or with two: so does the preview.
  const source = dataSourceOf(form);
  if (!source.ok) {
    const [field, message] = Object.entries(source.errors)[0] ?? [];
    return { kind: "incomplete", field: field ?? "dataFile", message: message ?? "choose the data" };
  }
  if (source.source.kind === "upload") {
    return {
      kind: "fromData",
      reason:
        "your data file's training part is published with the spec, which names it by address and sha256",
    };
  }
  const taskType = text(form, "taskType");
  if (taskType === "causal-lm" && raw(form, "alphabet") === "") {
    // Only a text corpus gives one: builtin:hindi here (an uploaded file was answered above).
    if (source.source.kind === "builtin" && /^builtin:hindi(\?|$)/.test(source.source.uri)) {
      return { kind: "fromData", reason: "the alphabet is read from the data" };
    }
    return { kind: "incomplete", field: "alphabet", message: ALPHABET_NEEDED };
  }
  const spec = bountySpecSchema.safeParse(specFromForm(form));
  if (!spec.success) {
    const [issue] = spec.error.issues;
    return {
      kind: "incomplete",
      field: issue ? fieldOfSpecPath(issue.path, taskType) : "name",
      message: issue?.message ?? "the spec is not valid",
    };
  }
  return { kind: "hash", specHash: specHash(spec.data) };
}

/** Where the bounty's data come from; see the module comment. */
export type DataSource =
  | {
      kind: "upload";
      file: File;
      /** Undefined: from the file name (the server decides). */
      format: DataFileFormat | undefined;
      labelColumns: string[];
      heldOutFraction: number;
    }
  | { kind: "evalSet"; file: File }
  | { kind: "builtin"; uri: string };

/** A chosen file (an empty one too: that is the DAO's mistake to be told); a form without one sends a nameless, empty part. */
const fileField = (form: FormData, name: string) => {
  const value = form.get(name);
  if (!(value instanceof Blob)) return undefined;
  const named = "name" in value && typeof value.name === "string" && value.name !== "";
  return value.size > 0 || named ? (value as File) : undefined;
};

/** The data source the form chose, from which files it carries; problems keyed by field. */
export function dataSourceOf(
  form: FormData,
): { ok: true; source: DataSource } | { ok: false; errors: FieldErrors } {
  const dataFile = fileField(form, "dataFile");
  const evalSet = fileField(form, "evalSet");
  if (dataFile && evalSet) {
    return {
      ok: false,
      errors: { dataFile: "upload your data file or a ready eval-set file, not both" },
    };
  }
  if (evalSet) return { ok: true, source: { kind: "evalSet", file: evalSet } };
  if (!dataFile) {
    const uri = text(form, "trainingDataUri");
    if (uri.startsWith("builtin:")) return { ok: true, source: { kind: "builtin", uri } };
    return {
      ok: false,
      errors: {
        dataFile:
          "upload your data file (CSV, JSONL or text), or use a built-in demo data set or a ready eval set below",
      },
    };
  }
  const errors: FieldErrors = {};
  const format = text(form, "dataFormat");
  if (format !== "" && !(DATA_FILE_FORMATS as readonly string[]).includes(format)) {
    errors.dataFormat = `the format is one of ${DATA_FILE_FORMATS.join(", ")}, or empty to go by the file name`;
  }
  const { min, max } = PROPOSE_LIMITS.heldOut;
  const share = text(form, "heldOut");
  const heldOutFraction = share === "" ? PROPOSE_LIMITS.heldOut.default : Number(share);
  if (!(heldOutFraction >= min && heldOutFraction <= max)) {
    errors.heldOut = `the held-out share is a number from ${min} to ${max}, such as 0.2 for 20%`;
  }
  const labelColumns = text(form, "labelColumn")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    source: {
      kind: "upload",
      file: dataFile,
      format: format === "" ? undefined : (format as DataFileFormat),
      labelColumns,
      heldOutFraction,
    },
  };
}
