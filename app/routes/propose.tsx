import {
  type ActionFunctionArgs,
  json,
  type LoaderFunctionArgs,
  MaxPartSizeExceededError,
  type MetaFunction,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigate, useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { type Address, decodeEventLog, getAddress, type Hex } from "viem";
import { useAccount, useConfig } from "wagmi";
import { getBlock } from "wagmi/actions";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { BOARD_ROLES } from "../../core/board.js";
import { duration, parseAmount, shortHex } from "../../core/format.js";
import { withRetries } from "../../core/retry.js";
import { exampleSpecs } from "../../core/spec.examples.js";
import {
  type BountySpec,
  bountySpecSchema,
  metricsForTask,
  onchainSpecTerms,
  TASK_TYPES,
  type TaskType,
} from "../../core/spec.js";
import { EvalSetError } from "../../ml/evalset.js";
import { TxStatus } from "../components/TxStatus.js";
import { ConnectorList, NetworkGuard } from "../components/WalletButton.js";
import { usePlatform } from "../hooks/platform.js";
import { useTransaction } from "../hooks/use-transaction.js";
import { platformContracts } from "../models/deployment.server.js";
import {
  builtinAlphabet,
  builtinEvalSet,
  type DataFormat,
  DataImportError,
  deriveAlphabet,
  formatOfFileName,
  type ImportResult,
  importDataset,
  randomSplitSalt,
  sha256Hex,
  storeEvalSet,
  storeImportedData,
} from "../models/eval-set.server.js";
import { registerSpecAndDispatch } from "../models/spec.server.js";
import { allowedTokens, indexedToken } from "../models/token.server.js";
import { services } from "../services.server.js";
import { apiError, BodyTooLarge, readForm, withBodyCap } from "../utils/api.server.js";
import {
  AMOUNT_LABELS,
  DATA_FILE_FORMATS,
  DEFAULT_TENSORS,
  DURATION_UNITS,
  DURATIONS,
  type DurationField,
  dataSourceOf,
  type FieldErrors,
  PROPOSE_LIMITS,
  parseProposeForm,
  previewSpecHash,
  type SpecHashPreview,
  type SpecOverrides,
} from "../utils/propose-form.js";
import { requireCsrf, requireRole, requireUser } from "../utils/session.server.js";
import { boardErrorsAbi } from "../utils/wallet-errors.js";

export const meta: MetaFunction = () => [{ title: "Propose a bounty · Crowdtrain" }];

/** The index has not caught up with a transaction yet (polled again). */
class NotIndexedYet extends Error {}

/**
 * Data files and eval sets uploaded from the browser; larger ones go through `npm run evalset`.
 * The page's code takes it from the form module: whatever it used of jobs/evalsets/evalsets.ts would pull
 * that module, and with it ml/import.ts's CSV parser (which needs Node's Buffer), into the browser.
 */
const { uploadMaxBytes: UPLOAD_MAX_BYTES } = PROPOSE_LIMITS;
/** The whole form: one file at most UPLOAD_MAX_BYTES and the fields (server/web.ts lets as much in). */
const FORM_MAX_BYTES = UPLOAD_MAX_BYTES + 2 ** 20;

/** GET /propose: signed-in accounts only; the form is for DAOs (checked again on submit and on-chain). */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, "page");
  const isDao = await requireRole(user.address, "DAO_ROLE").then(
    () => true,
    () => false,
  );
  // The fee the DAO accepts is the one shown here: createBounty reverts if it rose since (maxFeeBps).
  const { db, chain, config } = await services();
  const { board } = await platformContracts(db.db, config.CHAIN_ID);
  const feeBps = board
    ? await chain
        .readContract({ address: board, abi: bountyBoardAbi, functionName: "feeConfig" })
        .then(([bps]) => bps)
        .catch(() => null)
    : null;
  // The token picker: the board's allowlist, as the index holds it.
  const tokens = await allowedTokens(db.db, config.CHAIN_ID);
  return { address: user.address, isDao, feeBps, tokens };
}

type ActionData =
  | { ok: false; errors: FieldErrors }
  | {
      ok: true;
      create: {
        token: Address;
        goal: string;
        bond: string;
        fundingSeconds: number;
        deliverySeconds: number;
        challengeWindow: number;
        arbiter: Address;
        disputeBond: string;
        revealPeriod: number;
        evaluationPeriod: number;
        verificationPeriod: number;
        allowOverfunding: boolean;
        specHash: Hex;
        evalSetCommitment: Hex;
        metricId: Hex;
        targetScore: string;
        direction: 0 | 1;
      };
      /** The DAO's data file, when it was split here: the published training part and the counts. */
      imported: ImportedSummary | null;
    };

/** What the page shows of an imported data file once it is split and stored. */
interface ImportedSummary {
  fileName: string;
  format: DataFormat;
  trainingUrl: string;
  trainingSha256: string;
  trainingFileName: string;
  rows: ImportResult["rows"];
  classes: string[] | null;
}

const CHAIN_UNAVAILABLE =
  "the chain's RPC did not answer, so the board's rules could not be checked; nothing was stored: try again in a moment";
const invalid = (errors: FieldErrors, status = 400) => json<ActionData>({ ok: false, errors }, { status });

/**
 * POST /propose (multipart, with the session's CSRF token): validates the spec and the terms, stores the
 * eval set privately and the spec, and answers the arguments the DAO's wallet then signs into
 * createBounty. A bad field is a 400 naming it; nothing is stored unless everything is valid.
 */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, "page");
  let form: FormData;
  try {
    form = request.headers.get("content-type")?.startsWith("multipart/form-data")
      ? await unstable_parseMultipartFormData(
          // Every part is capped, and so is the whole (however many parts a chunked body brings).
          withBodyCap(request, FORM_MAX_BYTES),
          unstable_createMemoryUploadHandler({ maxPartSize: UPLOAD_MAX_BYTES }),
        )
      : await readForm(withBodyCap(request, FORM_MAX_BYTES));
  } catch (error) {
    if (error instanceof Response) throw error;
    if (error instanceof BodyTooLarge) {
      return invalid({ form: `the form is larger than ${FORM_MAX_BYTES / 2 ** 20} MiB in all` }, 413);
    }
    if (error instanceof MaxPartSizeExceededError) {
      const field = error.field === "dataFile" ? "dataFile" : "evalSet";
      return invalid(
        {
          [field]: `upload at most ${UPLOAD_MAX_BYTES / 2 ** 20} MiB here; for larger ${field === "dataFile" ? "data, sample it, or split it with npm run evalset -- import" : "sets use npm run evalset -- register"}`,
        },
        413,
      );
    }
    throw apiError(
      400,
      `the form could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  requireCsrf(request, user, form);
  await requireRole(user.address, "DAO_ROLE");

  // What the data decide before the spec can be checked: the file's format, and the alphabet of a
  // corpus when the DAO left it empty. The split salt is fresh per submission and never kept.
  const dataErrors: FieldErrors = {};
  const source = dataSourceOf(form);
  if (!source.ok) Object.assign(dataErrors, source.errors);
  const overrides: SpecOverrides = {};
  const deriveFromData = form.get("taskType") === "causal-lm" && String(form.get("alphabet") ?? "") === "";
  let upload: { bytes: Uint8Array; name: string; format: DataFormat; salt: Uint8Array } | undefined;
  if (source.ok && source.source.kind === "upload") {
    const { file, heldOutFraction } = source.source;
    const format = source.source.format ?? formatOfFileName(file.name);
    if (!format) {
      dataErrors.dataFormat = `choose the format: the file name "${file.name}" does not end in .csv, .jsonl or .txt`;
    } else {
      upload = {
        bytes: new Uint8Array(await file.arrayBuffer()),
        name: file.name,
        format,
        salt: randomSplitSalt(),
      };
      // A placeholder until the training part is published (its address depends on its bytes).
      overrides.trainingData = [{ uri: "crowdtrain:training-part" }];
      if (deriveFromData) {
        try {
          overrides.alphabet = deriveAlphabet(upload.bytes, { format, salt: upload.salt, heldOutFraction });
        } catch (error) {
          if (!(error instanceof DataImportError)) throw error;
          dataErrors.dataFile = error.message;
        }
      }
    }
  } else if (source.ok && source.source.kind === "builtin" && deriveFromData) {
    try {
      overrides.alphabet = builtinAlphabet(source.source.uri);
    } catch (error) {
      dataErrors.trainingDataUri = `${(error as Error).message}; type the alphabet`;
    }
  }
  const parsed = parseProposeForm(form, overrides);
  if (!parsed.ok || Object.keys(dataErrors).length > 0) {
    const errors = { ...(parsed.ok ? {} : parsed.errors), ...dataErrors };
    // The alphabet was to come from the data file, whose problem is shown beside it.
    if (dataErrors.dataFile && deriveFromData) delete errors.alphabet;
    return invalid(errors);
  }
  const { terms } = parsed;
  let spec: BountySpec = parsed.spec;
  const { db, chain, artifacts, config, log } = await services();
  const { board } = await platformContracts(db.db, config.CHAIN_ID);
  if (!board) return invalid({ token: "the board is not deployed on this chain yet" }, 503);

  // The terms against the chain: the token must be accepted, and amounts fit its decimals.
  const token = getAddress(terms.token);
  // The index is the one source of a token's allowlist state and decimals (the board checks again on-chain).
  const indexed = await indexedToken(db.db, config.CHAIN_ID, token);
  const decimals = indexed?.allowed ? (indexed.decimals ?? undefined) : undefined;
  if (decimals === undefined) return invalid({ token: `the board does not accept ${token}` });
  const errors: FieldErrors = {};
  const units = (field: "goal" | "bond" | "disputeBond") => {
    const value = parseAmount(terms[field], decimals, { allowZero: field !== "goal" });
    if (typeof value === "string") errors[field] = value;
    else if (value >= 2n ** 128n) errors[field] = `${AMOUNT_LABELS[field]} is too large for the board.`;
    return typeof value === "string" ? 0n : value;
  };
  const goal = units("goal");
  const bond = units("bond");
  const disputeBond = units("disputeBond");
  // A bond above the goal would ask a trainer to stake more than the bounty pays.
  if (!errors.goal && !errors.bond && bond > goal) {
    errors.bond = "The trainer bond may not be more than the funding goal.";
  }
  // The arbiter (the DAO itself by default) may not be an evaluator: whoever scores may not judge disputes.
  const arbiter = terms.arbiter ? getAddress(terms.arbiter) : getAddress(user.address);
  const readLimits = () =>
    chain.readContract({ address: board, abi: bountyBoardAbi, functionName: "limits" });
  let arbiterIsEvaluator: boolean;
  let limits: Awaited<ReturnType<typeof readLimits>>;
  try {
    [arbiterIsEvaluator, limits] = await Promise.all([
      chain.readContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "hasRole",
        args: [BOARD_ROLES.EVALUATOR_ROLE, arbiter],
      }),
      readLimits(),
    ]);
  } catch (error) {
    // The RPC is down or slow (its calls time out): nothing was stored; the form keeps what was typed.
    log.warn({ err: error }, "propose: the chain did not answer");
    return invalid({ form: CHAIN_UNAVAILABLE }, 503);
  }
  if (arbiterIsEvaluator) {
    errors.arbiter = `${arbiter} is an evaluator: pick an arbiter who does not score (your own address, a Safe or a Timelock)`;
  }
  const minimum = (field: DurationField, minSeconds: number) => {
    if (terms.periods[field] < minSeconds) {
      errors[field] =
        `The board requires a ${DURATIONS[field].label.toLowerCase()} of at least ${duration(minSeconds)}.`;
    }
  };
  minimum("challengeWindow", limits.minChallengeWindow);
  minimum("revealPeriod", limits.minRevealPeriod);
  minimum("evaluationPeriod", limits.minEvaluationPeriod);
  minimum("verificationPeriod", limits.minVerificationPeriod);
  // And at most the board's maximums (the funding period with ten minutes to spare: the wallet counts it from
  // the later of the browser's clock and the chain's).
  const maximum = (field: DurationField, maxSeconds: number, spare: number) => {
    if (terms.periods[field] > maxSeconds - spare) {
      errors[field] =
        `The board allows a ${DURATIONS[field].label.toLowerCase()} of at most ${duration(maxSeconds - spare)}.`;
    }
  };
  maximum("fundingPeriod", Number(limits.maxFundingPeriod), 600);
  maximum("deliveryPeriod", Number(limits.maxDeliveryPeriod), 0);

  // The eval set, from the source the form chose (all checked before anything is stored).
  let evalSetBytes: Uint8Array | undefined;
  let imported: ImportResult | undefined;
  if (source.ok && source.source.kind === "upload" && upload) {
    try {
      imported = importDataset(upload.bytes, spec.task, {
        format: upload.format,
        salt: upload.salt,
        heldOutFraction: source.source.heldOutFraction,
        labelColumns: source.source.labelColumns,
      });
    } catch (error) {
      if (!(error instanceof DataImportError)) throw error;
      errors.dataFile = error.message;
    }
  } else if (source.ok && source.source.kind === "evalSet") {
    evalSetBytes = new Uint8Array(await source.source.file.arrayBuffer());
  } else if (source.ok && source.source.kind === "builtin") {
    try {
      evalSetBytes = builtinEvalSet(spec);
    } catch (error) {
      errors.trainingDataUri = (error as Error).message;
    }
  }
  if (Object.keys(errors).length > 0) return invalid(errors);

  let summary: ImportedSummary | null = null;
  if (imported && upload) {
    // The training part is published by the platform: the spec names it by address and sha256.
    const trainingSha256 = sha256Hex(imported.trainingFile);
    const trainingUrl = `${config.PUBLIC_URL ?? new URL(request.url).origin}/artifacts/${trainingSha256}`;
    const published = bountySpecSchema.safeParse({
      ...spec,
      trainingData: [
        { uri: trainingUrl, sha256: trainingSha256, description: trainingDescription(upload.name, imported) },
      ],
    });
    if (!published.success) {
      const issues = published.error.issues.map((issue) => issue.message).join("; ");
      return invalid({ dataFile: `the published training data does not fit the spec: ${issues}` });
    }
    spec = published.data;
    summary = {
      fileName: upload.name,
      format: imported.format,
      trainingUrl,
      trainingSha256,
      trainingFileName: trainingFileName(upload.name, imported.format),
      rows: imported.rows,
      classes: imported.classes ?? null,
    };
  }
  const { specHash, metricId, targetScore, direction } = onchainSpecTerms(spec);
  let commitment: Hex;
  try {
    const row = imported
      ? (await storeImportedData(db.db, artifacts, imported, { spec, specHash })).row
      : await storeEvalSet(db.db, artifacts, evalSetBytes ?? new Uint8Array(), { spec, specHash });
    commitment = row.commitment as Hex;
  } catch (error) {
    if (error instanceof EvalSetError)
      return invalid(imported ? { dataFile: error.message } : { evalSet: error.message });
    throw error;
  }
  await registerSpecAndDispatch(await services(), spec);
  if (summary) {
    log.info(
      { specHash, commitment, format: summary.format, rows: summary.rows, training: summary.trainingSha256 },
      "data file split into an eval set and training data",
    );
  }
  return json<ActionData>({
    ok: true,
    create: {
      token,
      goal: goal.toString(),
      bond: bond.toString(),
      fundingSeconds: terms.periods.fundingPeriod,
      deliverySeconds: terms.periods.deliveryPeriod,
      challengeWindow: terms.periods.challengeWindow,
      arbiter,
      disputeBond: disputeBond.toString(),
      revealPeriod: terms.periods.revealPeriod,
      evaluationPeriod: terms.periods.evaluationPeriod,
      verificationPeriod: terms.periods.verificationPeriod,
      allowOverfunding: terms.allowOverfunding,
      specHash,
      evalSetCommitment: commitment,
      metricId,
      targetScore: targetScore.toString(),
      direction,
    },
    imported: summary,
  });
}

const FORMAT_EXTENSION: Record<DataFormat, string> = { csv: "csv", jsonl: "jsonl", text: "txt" };

/** The download name of the training part: the data file's name with `-train`. */
function trainingFileName(fileName: string, format: DataFormat): string {
  const stem =
    fileName
      .replace(/\.[^./\\]*$/, "")
      .replace(/[^\w.-]+/g, "-")
      .slice(0, 80) || "data";
  return `${stem}-train.${FORMAT_EXTENSION[format]}`;
}

/** The spec's description of a published training part (at most the spec's 2000 characters). */
function trainingDescription(fileName: string, imported: ImportResult): string {
  const { rows, classes } = imported;
  let text =
    `The public training part of ${JSON.stringify(fileName.slice(0, 100))} (${imported.format}): ` +
    `${rows.train} of its ${rows.total} rows; the other ${rows.heldOut}, chosen by a secret salt, are the private eval set.`;
  if (classes) {
    const ids = ` Class ids: ${classes.map((name, id) => `${id} = ${name}`).join(", ")}.`;
    text += ids.length <= 2000 - text.length ? ids : " Class ids: the label names in sorted order.";
  }
  return text;
}

/** A duration: a number and its unit (minutes, hours or days), as DURATIONS describes the field. */
function DurationInput({
  field,
  errors,
  hint,
}: {
  field: DurationField;
  errors: FieldErrors;
  hint?: string;
}) {
  const { label, value, unit } = DURATIONS[field];
  return (
    <Field name={field} label={label} errors={errors} {...(hint ? { hint } : {})}>
      {(p) => (
        <span className="flex gap-2">
          <input {...p} inputMode="decimal" defaultValue={String(value)} className="w-24" />
          <select name={`${field}Unit`} defaultValue={unit} aria-label={`${label}, unit`}>
            {Object.keys(DURATION_UNITS).map((u) => (
              <option key={u} value={u}>
                {u === "min" ? "minutes" : u === "h" ? "hours" : "days"}
              </option>
            ))}
          </select>
        </span>
      )}
    </Field>
  );
}

function Field({
  name,
  label,
  errors,
  hint,
  children,
}: {
  name: string;
  label: string;
  errors: FieldErrors;
  hint?: string;
  children: (props: {
    id: string;
    name: string;
    "aria-invalid"?: boolean;
    "aria-describedby"?: string;
  }) => React.ReactNode;
}) {
  const id = `propose-${name}`;
  const error = errors[name];
  const described = [error ? `${id}-error` : "", hint ? `${id}-hint` : ""].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        name,
        ...(error ? { "aria-invalid": true } : {}),
        ...(described ? { "aria-describedby": described } : {}),
      })}
      {hint ? (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      ) : null}
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}

export default function Propose() {
  const { address, isDao, feeBps, tokens } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const { contracts, user } = usePlatform();
  const wallet = useAccount();
  const [taskType, setTaskType] = useState<TaskType>("classification");
  const example = exampleSpecs[taskType];
  const errors = actionData && !actionData.ok ? actionData.errors : {};
  const formRef = useRef<HTMLFormElement>(null);
  // The spec hash as typed, computed in the browser (null before hydration: the server cannot know it).
  const [preview, setPreview] = useState<SpecHashPreview | null>(null);
  const refreshPreview = () => {
    if (formRef.current) setPreview(previewSpecHash(new FormData(formRef.current)));
  };
  // Again once a task switch has re-rendered its fields with their defaults.
  // biome-ignore lint/correctness/useExhaustiveDependencies: recomputed from the form's DOM, not from props
  useEffect(refreshPreview, [taskType]);

  if (!isDao) {
    return (
      <section className="card narrow">
        <h1>Propose a bounty</h1>
        <p role="alert">
          Your account <code>{address}</code> does not hold the DAO role on this board. Only DAOs may propose
          bounties; ask the board's admin to grant the role to your DAO's account.
        </p>
      </section>
    );
  }
  const walletMismatch =
    wallet.address !== undefined && wallet.address.toLowerCase() !== address.toLowerCase();
  return (
    <>
      <h1>Propose a bounty</h1>
      <p className="muted">
        The spec and the private eval set are stored first; then your wallet signs <code>createBounty</code>{" "}
        with their hashes, which freezes them on-chain.
      </p>
      <Form
        ref={formRef}
        method="post"
        encType="multipart/form-data"
        className="propose"
        noValidate
        onChange={refreshPreview}
      >
        <input type="hidden" name="csrf" value={user?.csrf ?? ""} />
        <fieldset>
          <legend>The model</legend>
          <Field name="name" label="Name" errors={errors}>
            {(p) => <input {...p} defaultValue="" placeholder={example.name} maxLength={120} />}
          </Field>
          <Field name="description" label="Description" errors={errors}>
            {(p) => <textarea {...p} rows={3} placeholder={example.description} />}
          </Field>
          <Field name="license" label="License (SPDX)" errors={errors}>
            {(p) => <input {...p} defaultValue="Apache-2.0" />}
          </Field>
          <Field name="taskType" label="Task" errors={errors}>
            {(p) => (
              <select {...p} value={taskType} onChange={(e) => setTaskType(e.target.value as TaskType)}>
                {TASK_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {taskType === "causal-lm" ? (
            <>
              <Field
                name="alphabet"
                label="Alphabet (characters, each once)"
                errors={errors}
                hint="leave empty to use the characters of your data file's training part (or of builtin:hindi)"
              >
                {(p) => <textarea {...p} rows={2} defaultValue="" />}
              </Field>
              <Field name="contextLength" label="Context length (tokens)" errors={errors}>
                {(p) => <input {...p} inputMode="numeric" defaultValue="64" />}
              </Field>
            </>
          ) : (
            <>
              <Field name="numFeatures" label="Input features" errors={errors}>
                {(p) => <input {...p} inputMode="numeric" defaultValue="8" />}
              </Field>
              {taskType === "classification" ? (
                <Field name="numClasses" label="Classes" errors={errors}>
                  {(p) => <input {...p} inputMode="numeric" defaultValue="4" />}
                </Field>
              ) : (
                <Field name="outputDim" label="Outputs" errors={errors}>
                  {(p) => <input {...p} inputMode="numeric" defaultValue="2" />}
                </Field>
              )}
            </>
          )}
          <Field name="inputName" label="Input tensor name" errors={errors}>
            {(p) => <input {...p} key={`in-${taskType}`} defaultValue={DEFAULT_TENSORS[taskType].input} />}
          </Field>
          <Field name="outputName" label="Output tensor name" errors={errors}>
            {(p) => <input {...p} key={`out-${taskType}`} defaultValue={DEFAULT_TENSORS[taskType].output} />}
          </Field>
          <Field name="metric" label="Metric" errors={errors}>
            {(p) => (
              <select {...p} key={`metric-${taskType}`} defaultValue={example.metric.name}>
                {metricsForTask(taskType).map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            name="target"
            label="Target score"
            errors={errors}
            hint="a checkpoint qualifies once it meets it"
          >
            {(p) => (
              <input
                {...p}
                key={`target-${taskType}`}
                inputMode="decimal"
                defaultValue={String(example.metric.target)}
              />
            )}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Resources</legend>
          <Field name="gpus" label="GPUs (0: CPU)" errors={errors}>
            {(p) => <input {...p} inputMode="numeric" defaultValue="0" />}
          </Field>
          <Field name="minVramGb" label="VRAM per GPU (GB)" errors={errors}>
            {(p) => <input {...p} inputMode="decimal" defaultValue="0" />}
          </Field>
          <Field name="maxTrainingMinutes" label="Training time limit (minutes)" errors={errors}>
            {(p) => <input {...p} inputMode="numeric" defaultValue="10" />}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Funding and deadlines</legend>
          <Field
            name="token"
            label="Token"
            errors={errors}
            hint={tokens.length > 0 ? "the tokens the board accepts" : "its address (none is indexed yet)"}
          >
            {(p) =>
              tokens.length > 0 ? (
                <select {...p} defaultValue={contracts.testToken ?? tokens[0]?.token}>
                  {tokens.map((t) => (
                    <option key={t.token} value={t.token}>
                      {t.symbol ?? shortHex(t.token)}
                      {t.name && t.name !== t.symbol ? ` (${t.name})` : ""}
                      {t.decimals !== null ? `, ${t.decimals} decimals` : ""} · {shortHex(t.token)}
                    </option>
                  ))}
                </select>
              ) : (
                <input {...p} defaultValue={contracts.testToken ?? ""} spellCheck={false} />
              )
            }
          </Field>
          <Field name="goal" label="Funding goal (whole tokens)" errors={errors}>
            {(p) => <input {...p} inputMode="decimal" defaultValue="1000" />}
          </Field>
          <Field name="bond" label="Trainer bond (whole tokens)" errors={errors}>
            {(p) => <input {...p} inputMode="decimal" defaultValue="0" />}
          </Field>
          <DurationInput field="fundingPeriod" errors={errors} hint="1 min to 365 d" />
          <DurationInput field="deliveryPeriod" errors={errors} />
          <DurationInput
            field="challengeWindow"
            errors={errors}
            hint="how long the best score must stand before the bounty can be finalized"
          />
        </fieldset>
        <fieldset>
          <legend>Disputes and verification</legend>
          <Field
            name="arbiter"
            label="Arbiter (address)"
            errors={errors}
            hint="resolves disputes; empty: your own address (a Safe or Timelock is better); never an evaluator"
          >
            {(p) => <input {...p} placeholder={address} spellCheck={false} />}
          </Field>
          <Field name="disputeBond" label="Dispute bond (whole tokens)" errors={errors}>
            {(p) => <input {...p} inputMode="decimal" defaultValue="0" />}
          </Field>
          <DurationInput
            field="revealPeriod"
            errors={errors}
            hint="for a trainer to reveal a committed checkpoint, and for you to reveal the eval set after finalization"
          />
          <DurationInput field="evaluationPeriod" errors={errors} />
          <DurationInput
            field="verificationPeriod"
            errors={errors}
            hint="after the eval set's reveal, anyone may re-check the scores and dispute before the payout unlocks"
          />
          <Field name="allowOverfunding" label="Allow funding past the goal" errors={errors}>
            {(p) => <input {...p} type="checkbox" />}
          </Field>
          <p className="muted" style={{ gridColumn: "1 / -1", margin: 0 }}>
            Platform fee: {feeBps === null ? "unknown (the board is not reachable)" : `${feeBps / 100}%`} of
            what the bounty raises, taken when the payout unlocks. Your proposal accepts at most this fee.
          </p>
        </fieldset>
        <fieldset>
          <legend>Your data</legend>
          <p className="muted" style={{ gridColumn: "1 / -1", margin: 0 }}>
            Upload the data the model is for. A secret random share of its rows (20% unless you say otherwise)
            becomes the private eval set: stored here, committed on-chain, revealed after the bounty ends. The
            other rows are published as the bounty's training data.
          </p>
          <Field
            name="dataFile"
            label="Data file (CSV, JSONL or text)"
            errors={errors}
            hint={
              taskType === "causal-lm"
                ? `a text corpus, one document per line, or JSONL {"text": …}; at most ${UPLOAD_MAX_BYTES / 2 ** 20} MiB`
                : `CSV with a header row (the label: a column named label or target, else the last), or JSONL {"features": […], "${taskType === "regression" ? "target" : "label"}": …}; at most ${UPLOAD_MAX_BYTES / 2 ** 20} MiB`
            }
          >
            {(p) => <input {...p} type="file" accept=".csv,.jsonl,.ndjson,.txt,.text" />}
          </Field>
          <Field name="dataFormat" label="Format" errors={errors}>
            {(p) => (
              <select {...p} defaultValue="">
                <option value="">from the file name</option>
                {DATA_FILE_FORMATS.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {taskType === "causal-lm" ? null : (
            <Field
              name="labelColumn"
              label="Label column (CSV, optional)"
              errors={errors}
              hint={
                taskType === "regression"
                  ? "the target columns' names, separated by commas; default: the last columns"
                  : "its name in the header; default: label, target, or the last column"
              }
            >
              {(p) => <input {...p} key={`label-${taskType}`} defaultValue="" spellCheck={false} />}
            </Field>
          )}
          <Field
            name="heldOut"
            label="Held-out share"
            errors={errors}
            hint={`${PROPOSE_LIMITS.heldOut.min} to ${PROPOSE_LIMITS.heldOut.max}: the share of rows kept private`}
          >
            {(p) => (
              <input {...p} inputMode="decimal" defaultValue={String(PROPOSE_LIMITS.heldOut.default)} />
            )}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Or: a built-in demo data set, or a ready eval set</legend>
          <Field
            name="trainingDataUri"
            label="Training data URI"
            errors={errors}
            hint="used without a data file; builtin: data are generated, so anyone can regenerate the held-out rows: demo only"
          >
            {(p) => (
              <input {...p} key={`data-${taskType}`} defaultValue={example.trainingData[0]?.uri ?? ""} />
            )}
          </Field>
          <Field
            name="evalSet"
            label="Eval-set file (CTEVAL01)"
            errors={errors}
            hint={`optional with builtin: data; at most ${UPLOAD_MAX_BYTES / 2 ** 20} MiB; build one with npm run evalset`}
          >
            {(p) => <input {...p} type="file" />}
          </Field>
        </fieldset>
        {errors.form ? (
          <p role="alert" className="field-error" id="propose-form-error">
            {errors.form}
          </p>
        ) : null}
        {walletMismatch ? (
          <p role="alert" className="field-error">
            Your wallet ({shortHex(wallet.address ?? "")}) is not the signed-in account ({shortHex(address)}):
            switch accounts in your wallet, or sign in again.
          </p>
        ) : null}
        <SpecHashLine preview={preview} form={formRef} />
        <button type="submit" disabled={navigation.state !== "idle"}>
          {navigation.state === "submitting" ? "Storing the spec and eval set…" : "Store and propose"}
        </button>
      </Form>
      {actionData?.ok ? (
        <CreateBounty
          key={actionData.create.specHash + actionData.create.evalSetCommitment}
          create={actionData.create}
          imported={actionData.imported}
          maxFeeBps={feeBps ?? 0}
        />
      ) : null}
    </>
  );
}

/** The spec hash the proposal will freeze, as the form is typed (see `previewSpecHash`). */
function SpecHashLine({
  preview,
  form,
}: {
  preview: SpecHashPreview | null;
  form: React.RefObject<HTMLFormElement | null>;
}) {
  let text: React.ReactNode;
  if (preview === null) {
    text = "computed here as you type, once the page has loaded.";
  } else if (preview.kind === "hash") {
    text = <code className="break-all">{preview.specHash}</code>;
  } else if (preview.kind === "incomplete") {
    // The field as its label names it.
    const label =
      form.current?.querySelector(`label[for="propose-${preview.field}"]`)?.textContent ?? preview.field;
    text = `not yet: ${label}: ${preview.message.replace(/\.$/, "")}.`;
  } else {
    text = `shown once the form is stored, before your wallet signs: ${preview.reason}.`;
  }
  return (
    <p className="muted" style={{ gridColumn: "1 / -1", margin: 0 }} id="spec-hash-preview">
      Spec hash to freeze on-chain: {text}
    </p>
  );
}

type CreateArgs = Extract<ActionData, { ok: true }>["create"];

/** Signs createBounty once the spec and eval set are stored, then waits for the index and opens the bounty. */
function CreateBounty({
  create,
  imported,
  maxFeeBps,
}: {
  create: CreateArgs;
  imported: ImportedSummary | null;
  maxFeeBps: number;
}) {
  const config = useConfig();
  const navigate = useNavigate();
  const { contracts } = usePlatform();
  const { status } = useAccount();
  const { state, run, busy } = useTransaction();
  const [indexed, setIndexed] = useState<string | null>(null);
  const started = useRef(false);

  async function propose() {
    const board = contracts.board;
    if (!board) return;
    await run(async (tx) => {
      // Deadlines count from the chain's clock (a dev chain's may run ahead of the wall clock).
      const block = await getBlock(config);
      const now = BigInt(Math.max(Math.floor(Date.now() / 1000), Number(block.timestamp)));
      const fundingDeadline = now + BigInt(create.fundingSeconds);
      const receipt = await tx.send("Proposing", {
        address: board,
        abi: boardErrorsAbi,
        functionName: "createBounty",
        args: [
          {
            token: create.token,
            goal: BigInt(create.goal),
            fundingDeadline,
            deliveryDeadline: fundingDeadline + BigInt(create.deliverySeconds),
            specHash: create.specHash,
            evalSetCommitment: create.evalSetCommitment,
            metricId: create.metricId,
            targetScore: BigInt(create.targetScore),
            direction: create.direction,
            bond: BigInt(create.bond),
            challengeWindow: create.challengeWindow,
            arbiter: create.arbiter,
            disputeBond: BigInt(create.disputeBond),
            revealPeriod: create.revealPeriod,
            evaluationPeriod: create.evaluationPeriod,
            verificationPeriod: create.verificationPeriod,
            allowOverfunding: create.allowOverfunding,
          },
          // The fee shown on the form: the call reverts if the board's rose since.
          maxFeeBps,
        ],
      });
      let bountyId: string | undefined;
      for (const log of receipt.logs) {
        try {
          const event = decodeEventLog({ abi: bountyBoardAbi, data: log.data, topics: log.topics });
          if (event.eventName === "BountyCreated") bountyId = String(event.args.bountyId);
        } catch {
          // another event (or another contract's)
        }
      }
      if (!bountyId) throw new Error("the transaction mined but created no bounty");
      tx.progress(`Bounty #${bountyId} created; waiting for the index`);
      // Up to a minute; past that the bounty page itself says it is not indexed yet.
      await withRetries(
        async () => {
          const response = await fetch(`/api/bounties/${bountyId}`, { cache: "no-store" });
          if (!(response.ok && ((await response.json()) as { indexed: boolean }).indexed)) {
            throw new NotIndexedYet(`bounty #${bountyId} is not indexed yet`);
          }
        },
        { retries: 60, minDelayMs: 250, maxDelayMs: 1_000, isTransient: () => true },
      ).catch(() => undefined);
      setIndexed(bountyId);
      return `Bounty #${bountyId} is live.`;
    });
  }

  // Ask the wallet as soon as the stored hashes are back (once per submission).
  useEffect(() => {
    if (!started.current && status === "connected") {
      started.current = true;
      void propose();
    }
  });
  const navigated = useRef(false);
  useEffect(() => {
    if (!indexed || navigated.current) return;
    navigated.current = true;
    navigate(`/bounties/${indexed}`);
  }, [indexed, navigate]);

  return (
    <section className="card" aria-labelledby="create-heading">
      <h2 id="create-heading">Sign the proposal</h2>
      <p className="muted">
        The spec and the private eval set are stored; your wallet signs these into createBounty.
      </p>
      <dl className="facts">
        <dt>Spec hash</dt>
        <dd>
          <code>{create.specHash}</code>
        </dd>
        <dt>Eval-set commitment</dt>
        <dd>
          <code>{create.evalSetCommitment}</code>
        </dd>
        {imported ? (
          <>
            <dt>Private eval set</dt>
            <dd>
              {imported.rows.heldOut} of the {imported.rows.total} rows of {imported.fileName}, chosen by a
              secret salt
            </dd>
            <dt>Public training data</dt>
            <dd>
              <a href={imported.trainingUrl} download={imported.trainingFileName}>
                Download {imported.trainingFileName}
              </a>{" "}
              ({imported.rows.train} rows; sha256{" "}
              <code>{shortHex(`0x${imported.trainingSha256}`, 10, 6)}</code>), published at{" "}
              <code>{imported.trainingUrl}</code> and named in the spec
            </dd>
            {imported.classes ? (
              <>
                <dt>Class ids</dt>
                <dd>{imported.classes.map((name, id) => `${id} = ${name}`).join(", ")}</dd>
              </>
            ) : null}
          </>
        ) : null}
      </dl>
      {status === "connected" ? (
        <>
          <NetworkGuard />
          <button type="button" onClick={() => void propose()} disabled={busy}>
            Sign createBounty again
          </button>
        </>
      ) : (
        <ConnectorList />
      )}
      <TxStatus state={state} />
    </section>
  );
}
