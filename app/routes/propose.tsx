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
import { type Address, decodeEventLog, erc20Abi, getAddress, type Hex } from "viem";
import { useAccount, useConfig } from "wagmi";
import { getBlock } from "wagmi/actions";
import { TxStatus } from "~/components/TxStatus";
import { ConnectorList, NetworkGuard } from "~/components/WalletButton";
import { parseAmount, shortHex } from "~/lib/format";
import { usePlatform } from "~/lib/platform";
import { DEFAULT_TENSORS, type FieldErrors, PROPOSE_LIMITS, parseProposeForm } from "~/lib/propose-form";
import { requireCsrf, requireRole, requireUser } from "~/lib/session.server";
import { useTransaction } from "~/lib/use-transaction";
import { boardErrorsAbi } from "~/lib/wallet-errors";
import { platformContracts } from "~/models/deployment.server";
import { services } from "~/services.server";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { EVAL_SET_MAX_BYTES, storeEvalSet } from "../../lib/evalsets.server.js";
import { exampleSpecs } from "../../lib/spec.examples.js";
import { metricsForTask, onchainSpecTerms, TASK_TYPES, type TaskType } from "../../lib/spec.js";
import { registerSpec } from "../../lib/specs.server.js";
import { EvalSetError } from "../../ml/evalset.js";

export const meta: MetaFunction = () => [{ title: "Propose a bounty · Crowdtrain" }];

/** Eval sets uploaded from the browser; larger ones go through `npm run evalset -- register`. */
const UPLOAD_MAX_BYTES = Math.min(EVAL_SET_MAX_BYTES, 64 * 1024 * 1024);

/** GET /propose: signed-in accounts only; the form is for DAOs (checked again on submit and on-chain). */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, "page");
  const isDao = await requireRole(user.address, "DAO_ROLE").then(
    () => true,
    () => false,
  );
  return { address: user.address, isDao };
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
        specHash: Hex;
        evalSetCommitment: Hex;
        metricId: Hex;
        targetScore: string;
        direction: 0 | 1;
      };
    };

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
          request,
          unstable_createMemoryUploadHandler({ maxPartSize: UPLOAD_MAX_BYTES }),
        )
      : await request.formData();
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) {
      return invalid(
        {
          evalSet: `upload at most ${UPLOAD_MAX_BYTES / 2 ** 20} MiB here; use npm run evalset for larger sets`,
        },
        413,
      );
    }
    throw error;
  }
  requireCsrf(request, user, form);
  await requireRole(user.address, "DAO_ROLE");

  const parsed = parseProposeForm(form);
  if (!parsed.ok) return invalid(parsed.errors);
  const { spec, terms } = parsed;
  const { db, chain, artifacts, config } = await services();
  const { board } = await platformContracts(db.db, config.CHAIN_ID);
  if (!board) return invalid({ token: "the board is not deployed on this chain yet" }, 503);

  // The terms against the chain: the token must be accepted, and amounts fit its decimals.
  const token = getAddress(terms.token);
  const [allowed, decimals] = await Promise.all([
    chain.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "isTokenAllowed",
      args: [token],
    }),
    chain.readContract({ address: token, abi: erc20Abi, functionName: "decimals" }).catch(() => undefined),
  ]);
  if (!allowed || decimals === undefined) return invalid({ token: `the board does not accept ${token}` });
  const errors: FieldErrors = {};
  const units = (field: "goal" | "bond") => {
    const value = parseAmount(terms[field], decimals, { allowZero: field === "bond" });
    if (typeof value === "string") errors[field] = value;
    else if (value >= 2n ** 128n) errors[field] = `${field} is too large`;
    return typeof value === "string" ? 0n : value;
  };
  const goal = units("goal");
  const bond = units("bond");
  const file = form.get("evalSet");
  if (!(file instanceof Blob) || file.size === 0) {
    errors.evalSet = "choose the eval-set file (CTEVAL01, built with npm run evalset -- build)";
  }
  if (Object.keys(errors).length > 0 || !(file instanceof Blob)) return invalid(errors);

  const { specHash, metricId, targetScore, direction } = onchainSpecTerms(spec);
  let commitment: Hex;
  try {
    const row = await storeEvalSet(db.db, artifacts, new Uint8Array(await file.arrayBuffer()), {
      spec,
      specHash,
    });
    commitment = row.commitment as Hex;
  } catch (error) {
    if (error instanceof EvalSetError) return invalid({ evalSet: error.message });
    throw error;
  }
  await registerSpec(db.db, spec);
  return json<ActionData>({
    ok: true,
    create: {
      token,
      goal: goal.toString(),
      bond: bond.toString(),
      fundingSeconds: terms.fundingDays * 86_400,
      deliverySeconds: terms.deliveryDays * 86_400,
      challengeWindow: terms.challengeHours * 3_600,
      specHash,
      evalSetCommitment: commitment,
      metricId,
      targetScore: targetScore.toString(),
      direction,
    },
  });
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
  const { address, isDao } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const { contracts, user } = usePlatform();
  const wallet = useAccount();
  const [taskType, setTaskType] = useState<TaskType>("classification");
  const example = exampleSpecs[taskType];
  const errors = actionData && !actionData.ok ? actionData.errors : {};

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
      <Form method="post" encType="multipart/form-data" className="propose" noValidate>
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
              <Field name="alphabet" label="Alphabet (characters, each once)" errors={errors}>
                {(p) => (
                  <textarea
                    {...p}
                    rows={2}
                    defaultValue={exampleSpecs["causal-lm"].task.tokenizer.alphabet}
                  />
                )}
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
          <Field name="trainingDataUri" label="Training data URI" errors={errors}>
            {(p) => (
              <input {...p} key={`data-${taskType}`} defaultValue={example.trainingData[0]?.uri ?? ""} />
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
          <Field name="token" label="Token (address)" errors={errors}>
            {(p) => <input {...p} defaultValue={contracts.testToken ?? ""} spellCheck={false} />}
          </Field>
          <Field name="goal" label="Funding goal (whole tokens)" errors={errors}>
            {(p) => <input {...p} inputMode="decimal" defaultValue="1000" />}
          </Field>
          <Field name="bond" label="Trainer bond (whole tokens)" errors={errors}>
            {(p) => <input {...p} inputMode="decimal" defaultValue="0" />}
          </Field>
          <Field
            name="fundingDays"
            label="Funding period (days)"
            errors={errors}
            hint={`${PROPOSE_LIMITS.fundingDays.min}–${PROPOSE_LIMITS.fundingDays.max}`}
          >
            {(p) => <input {...p} inputMode="numeric" defaultValue="7" />}
          </Field>
          <Field name="deliveryDays" label="Delivery period after funding closes (days)" errors={errors}>
            {(p) => <input {...p} inputMode="numeric" defaultValue="14" />}
          </Field>
          <Field
            name="challengeHours"
            label="Challenge window (hours)"
            errors={errors}
            hint="how long the best score must stand before the bounty can be finalized"
          >
            {(p) => <input {...p} inputMode="numeric" defaultValue="24" />}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Private eval set</legend>
          <Field
            name="evalSet"
            label="Eval-set file (CTEVAL01)"
            errors={errors}
            hint={`at most ${UPLOAD_MAX_BYTES / 2 ** 20} MiB here; build one with npm run evalset -- build`}
          >
            {(p) => <input {...p} type="file" />}
          </Field>
        </fieldset>
        {walletMismatch ? (
          <p role="alert" className="field-error">
            Your wallet ({shortHex(wallet.address ?? "")}) is not the signed-in account ({shortHex(address)}):
            switch accounts in your wallet, or sign in again.
          </p>
        ) : null}
        <button type="submit" disabled={navigation.state !== "idle"}>
          {navigation.state === "submitting" ? "Storing the spec and eval set…" : "Store and propose"}
        </button>
      </Form>
      {actionData?.ok ? (
        <CreateBounty
          key={actionData.create.specHash + actionData.create.evalSetCommitment}
          create={actionData.create}
        />
      ) : null}
    </>
  );
}

type CreateArgs = Extract<ActionData, { ok: true }>["create"];

/** Signs createBounty once the spec and eval set are stored, then waits for the index and opens the bounty. */
function CreateBounty({ create }: { create: CreateArgs }) {
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
          },
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
      for (let attempt = 0; attempt < 60; attempt++) {
        const response = await fetch(`/api/bounties/${bountyId}`, { cache: "no-store" });
        if (response.ok && ((await response.json()) as { indexed: boolean }).indexed) break;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
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
  useEffect(() => {
    if (indexed) navigate(`/bounties/${indexed}`);
  }, [indexed, navigate]);

  return (
    <section className="card" aria-labelledby="create-heading">
      <h2 id="create-heading">Sign the proposal</h2>
      <p className="muted">
        Spec <code>{shortHex(create.specHash, 10, 6)}</code> and eval-set commitment{" "}
        <code>{shortHex(create.evalSetCommitment, 10, 6)}</code> are stored.
      </p>
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
