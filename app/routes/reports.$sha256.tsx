/**
 * GET /reports/:sha256: an evaluation report (jobs/evaluation/evaluate-checkpoint.ts' EvaluationReport,
 * stored as a public artifact by its hash) rendered for people: outcome, score against the target, the
 * checks the model passed, the model's shape, the eval set, and how it was run; the raw JSON is one link
 * away. 400 for a malformed hash, 404 for an artifact that is not a report (a checkpoint is never read
 * here: artifacts with an owning pool are checkpoints).
 */
import { text } from "node:stream/consumers";
import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { formatScore, formatUtc, shortHex } from "../../core/format.js";
import { isEvaluationReport, isSha256 } from "../models/artifact.server.js";
import { services } from "../services.server.js";

/** Reports are a few kB; anything much larger is not one. */
const MAX_REPORT_BYTES = 1 << 20;

/** The fields the page shows; others are kept in the JSON. */
const reportSchema = z.object({
  format: z.literal("crowdtrain-evaluation-report"),
  version: z.number(),
  outcome: z.enum(["scored", "copy", "invalid"]),
  reason: z.string().optional(),
  failure: z.string().optional(),
  copyOf: z.string().optional(),
  submission: z
    .object({ bountyId: z.string(), submissionId: z.string(), uri: z.string() })
    .partial()
    .optional(),
  checkpoint: z.object({ sha256: z.string(), bytes: z.number() }),
  model: z
    .object({ bytes: z.number(), opset: z.number(), nodes: z.number(), ops: z.array(z.string()) })
    .partial()
    .optional(),
  spec: z.object({
    hash: z.string(),
    task: z.string(),
    metric: z.string(),
    target: z.number(),
    direction: z.string(),
  }),
  evalSet: z.object({ commitment: z.string(), samples: z.number(), tokens: z.number() }).partial(),
  score: z.number().optional(),
  onchainScore: z.string().optional(),
  qualifies: z.boolean().optional(),
  values: z.record(z.string(), z.number()).optional(),
  checks: z.array(z.string()).optional(),
  runtime: z
    .object({ onnxruntime: z.string(), node: z.string(), batchSize: z.number() })
    .partial()
    .optional(),
  evaluatedAt: z.string().optional(),
});

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: data
      ? `Evaluation report ${shortHex(data.sha256, 10, 6)} · Crowdtrain`
      : "Evaluation report · Crowdtrain",
  },
];

export async function loader({ params }: LoaderFunctionArgs) {
  const sha256 = params.sha256 ?? "";
  if (!isSha256(sha256))
    throw json({ error: "a report is named by its sha256: 64 hex characters" }, { status: 400 });
  const { artifacts, db } = await services();
  const notFound = () => json({ error: `no evaluation report ${sha256}` }, { status: 404 });
  // Only a report an evaluation wrote: any other public artifact that merely parses as one (a "checkpoint"
  // a trainer made to look like a report) is not shown as the platform's word.
  if (!(await isEvaluationReport(db.db, sha256))) throw notFound();
  const found = await artifacts.has("public", sha256);
  if (!found || found.size > MAX_REPORT_BYTES || (await artifacts.hasOwners(sha256))) throw notFound();
  let parsed: z.infer<typeof reportSchema>;
  try {
    parsed = reportSchema.parse(JSON.parse(await text(artifacts.read("public", sha256))));
  } catch {
    throw notFound();
  }
  return json({ sha256, report: parsed });
}

const OUTCOME_WORDS = {
  scored: "Scored",
  copy: "Disqualified as a copy",
  invalid: "Not scored: the checkpoint is invalid",
} as const;

export default function Report() {
  const { sha256, report } = useLoaderData<typeof loader>();
  const { spec } = report;
  const bountyId = report.submission?.bountyId;
  return (
    <>
      {bountyId ? (
        <p className="muted">
          <Link to={`/bounties/${bountyId}`}>Bounty #{bountyId}</Link> / submission #
          {report.submission?.submissionId ?? "?"}
        </p>
      ) : null}
      <h1>Evaluation report</h1>
      <p>
        <strong>{OUTCOME_WORDS[report.outcome]}</strong>
        {report.score !== undefined ? (
          <>
            : {spec.metric} <span title={String(report.score)}>{formatScore(report.score)}</span> against a
            target of {spec.direction === "higher" ? "≥" : "≤"} {spec.target}
            {report.qualifies === undefined
              ? ""
              : report.qualifies
                ? ", which qualifies"
                : ", which does not qualify"}
          </>
        ) : null}
        .
      </p>
      {report.reason || report.failure ? (
        <p className="flag">{[report.reason, report.failure].filter(Boolean).join(": ")}</p>
      ) : null}
      {report.copyOf ? <p className="flag">It copies submission #{report.copyOf}.</p> : null}
      <dl className="facts">
        <dt>Task</dt>
        <dd>{spec.task}</dd>
        <dt>Checkpoint</dt>
        <dd>
          <code title={report.checkpoint.sha256}>{shortHex(report.checkpoint.sha256, 10, 6)}</code>,{" "}
          {(report.checkpoint.bytes / 1024).toFixed(1)} KiB
        </dd>
        {report.model ? (
          <>
            <dt>Model</dt>
            <dd>
              {report.model.nodes ?? "?"} nodes, opset {report.model.opset ?? "?"}
              {report.model.ops?.length ? `; ops ${report.model.ops.join(", ")}` : ""}
            </dd>
          </>
        ) : null}
        <dt>Eval set</dt>
        <dd>
          {report.evalSet.samples !== undefined ? `${report.evalSet.samples} samples` : "—"}
          {report.evalSet.tokens !== undefined ? `, ${report.evalSet.tokens} tokens` : ""}
          {report.evalSet.commitment ? (
            <>
              {" "}
              (commitment{" "}
              <code title={report.evalSet.commitment}>{shortHex(report.evalSet.commitment, 10, 6)}</code>)
            </>
          ) : null}
        </dd>
        {report.values && Object.keys(report.values).length > 0 ? (
          <>
            <dt>Measured</dt>
            <dd>
              {Object.entries(report.values)
                .map(([name, value]) => `${name} ${formatScore(value)}`)
                .join(", ")}
            </dd>
          </>
        ) : null}
        {report.checks?.length ? (
          <>
            <dt>Checks passed</dt>
            <dd>{report.checks.join(", ")}</dd>
          </>
        ) : null}
        {report.onchainScore ? (
          <>
            <dt>Published score</dt>
            <dd>
              <code>{report.onchainScore}</code> (9 decimals, on-chain)
            </dd>
          </>
        ) : null}
        <dt>Spec hash</dt>
        <dd>
          <code>{spec.hash}</code>
        </dd>
        {report.runtime ? (
          <>
            <dt>Run with</dt>
            <dd>
              onnxruntime {report.runtime.onnxruntime ?? "?"}, Node {report.runtime.node ?? "?"}, batches of{" "}
              {report.runtime.batchSize ?? "?"}
              {report.evaluatedAt ? `, at ${formatUtc(report.evaluatedAt)}` : ""}
            </dd>
          </>
        ) : null}
      </dl>
      <p>
        <a href={`/artifacts/${sha256}`}>The report as JSON</a>{" "}
        <span className="muted">(its hash, {shortHex(sha256, 10, 6)}, is what the board holds)</span>
      </p>
    </>
  );
}
