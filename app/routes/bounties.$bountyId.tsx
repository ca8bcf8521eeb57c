import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { BountyActions } from "~/components/BountyActions";
import { CopyPolicy } from "~/components/CopyPolicy";
import { VerifyCommand } from "~/components/VerifyCommand";
import { formatTokenAmount, formatUtc, percentOf, shortHex, timeLeft } from "~/lib/format";
import { useLiveUpdates } from "~/lib/use-live-updates";
import { bountyDetail } from "~/models/bounty.server";
import { bountyQueueStatus, type QueueStatus } from "~/models/queue.server";
import { services } from "~/services.server";
import { publicEnv } from "../../lib/env.server.js";
import { fromOnchainScore } from "../../lib/spec.js";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.name} · Crowdtrain` : "Bounty · Crowdtrain" },
];

/** GET /bounties/:bountyId: 400 for a malformed id, 404 for one the index does not hold. */
export async function loader({ params, request }: LoaderFunctionArgs) {
  const bountyId = params.bountyId ?? "";
  if (!/^[1-9]\d{0,77}$/.test(bountyId)) {
    throw json({ error: "a bounty id is a positive whole number" }, { status: 400 });
  }
  const { db, config } = await services();
  const detail = await bountyDetail(db.db, config.CHAIN_ID, bountyId);
  if (!detail) throw json({ error: `no bounty ${bountyId} on chain ${config.CHAIN_ID}` }, { status: 404 });
  // Queue position and training progress come from Redis; the page still renders without them.
  const queue: QueueStatus | null = await bountyQueueStatus(bountyId).catch(() => null);
  const { bounty, spec, submissions, timeline, token } = detail;
  return json({
    bountyId,
    name: spec?.name ?? `Bounty #${bountyId}`,
    bounty: {
      status: bounty.status,
      dao: bounty.dao,
      token: bounty.token,
      goal: bounty.goal,
      raised: bounty.raised,
      backerCount: bounty.backerCount,
      fundingDeadline: bounty.fundingDeadline,
      deliveryDeadline: bounty.deliveryDeadline,
      direction: bounty.direction,
      targetScore: bounty.targetScore,
      evalSetCommitment: bounty.evalSetCommitment,
      specHash: bounty.specHash,
    },
    token: { tokenSymbol: token.symbol, tokenDecimals: token.decimals },
    spec: spec ?? null,
    queue,
    submissions: submissions.map((s) => ({
      ...s,
      score: s.score === null ? null : fromOnchainScore(BigInt(s.score)),
      submittedAt: new Date(Number(s.submittedAt) * 1000).toISOString(),
    })),
    timeline,
    // Time left is counted from this, not from each renderer's clock, so hydration sees the same text.
    now: Date.now(),
    verify: { rpcUrl: publicEnv(config).rpcUrl, platformUrl: new URL(request.url).origin },
  });
}

export default function BountyPage() {
  const { bountyId, name, bounty, token, spec, queue, submissions, timeline, now, verify } =
    useLoaderData<typeof loader>();
  const pct = percentOf(bounty.raised, bounty.goal);
  const finalized = ["Fulfilled", "Failed", "Cancelled"].includes(bounty.status);
  useLiveUpdates(!finalized);
  return (
    <>
      <p className="muted">
        <Link to="/bounties">Bounties</Link> / #{bountyId}
      </p>
      <h1>{name}</h1>
      {spec?.description ? <p>{spec.description}</p> : null}
      <section aria-labelledby="funding-heading" className="card">
        <h2 id="funding-heading">Funding</h2>
        <p>
          <strong>{bounty.status}</strong> · {bounty.backerCount}{" "}
          {bounty.backerCount === 1 ? "backer" : "backers"} ·{" "}
          {bounty.status === "Funding"
            ? timeLeft(bounty.fundingDeadline, now)
            : bounty.status === "Funded"
              ? `delivery ${timeLeft(bounty.deliveryDeadline, now)}`
              : "closed"}
        </p>
        <progress className="funding" max={100} value={pct} aria-label="raised against goal" />
        <p className="muted">
          {pct}% of the goal: {formatTokenAmount(bounty.raised, token)} of{" "}
          {formatTokenAmount(bounty.goal, token)} (token{" "}
          <code title={bounty.token}>{shortHex(bounty.token)}</code>)
        </p>
      </section>
      <section aria-labelledby="actions-heading" className="card">
        <h2 id="actions-heading">Take part</h2>
        <BountyActions
          bountyId={bountyId}
          refreshKey={`${bounty.status}:${bounty.raised}:${timeline.length}`}
        />
      </section>
      {queue && (queue.state === "waiting" || queue.state === "leased") ? (
        <section aria-labelledby="training-heading" className="card">
          <h2 id="training-heading">Training</h2>
          {queue.state === "waiting" ? (
            <p>
              Waiting for a GPU pool: position {(queue.position ?? 0) + 1} in its queue
              {queue.estimatedStartAt ? (
                <>
                  , estimated start{" "}
                  <time dateTime={new Date(queue.estimatedStartAt).toISOString()}>
                    {formatUtc(queue.estimatedStartAt)}
                  </time>
                </>
              ) : null}
              .
            </p>
          ) : (
            <>
              <p>Leased to a pool (attempt {queue.attempt}).</p>
              <progress max={100} value={queue.percent ?? 0} aria-label="training progress" />{" "}
              {queue.percent ?? 0}%
            </>
          )}
        </section>
      ) : null}
      {spec ? (
        <section aria-labelledby="spec-heading">
          <h2 id="spec-heading">Spec</h2>
          <dl className="facts">
            <dt>Task</dt>
            <dd>{spec.task.type}</dd>
            <dt>Metric</dt>
            <dd>
              {spec.metric.name}, target {spec.metric.direction === "higher" ? "≥" : "≤"} {spec.metric.target}
            </dd>
            <dt>Model interface</dt>
            <dd>
              {spec.interface.inputs.map((t) => `${t.name}: ${t.dtype}[${t.shape.join(", ")}]`).join("; ")} →{" "}
              {spec.interface.outputs.map((t) => `${t.name}: ${t.dtype}[${t.shape.join(", ")}]`).join("; ")}
            </dd>
            <dt>Resources</dt>
            <dd>
              {spec.resources.gpus === 0
                ? "CPU"
                : `${spec.resources.gpus} GPU × ${spec.resources.minVramGb} GB`}
              , at most {spec.resources.maxTrainingMinutes} min
            </dd>
            <dt>License</dt>
            <dd>{spec.license}</dd>
            <dt>Spec hash</dt>
            <dd>
              <code>{bounty.specHash}</code>
            </dd>
            <dt>Eval set</dt>
            <dd>
              {finalized ? (
                <a href={`/eval-sets/${bounty.evalSetCommitment}`}>revealed: download with its salt</a>
              ) : (
                <>
                  private until finalized; commitment <code>{shortHex(bounty.evalSetCommitment, 10, 6)}</code>
                </>
              )}
            </dd>
            <TrainingData entries={spec.trainingData} />
          </dl>
        </section>
      ) : (
        <p className="muted">
          The spec of this bounty ({shortHex(bounty.specHash, 10, 6)}) is not registered.
        </p>
      )}
      {spec ? <CopyPolicy metric={spec.metric} /> : null}
      <VerifyCommand
        bountyId={bountyId}
        rpcUrl={verify.rpcUrl}
        platformUrl={verify.platformUrl}
        revealed={["Fulfilled", "Failed", "Cancelled"].includes(bounty.status)}
      />
      <section aria-labelledby="submissions-heading">
        <h2 id="submissions-heading">Submissions</h2>
        {submissions.length === 0 ? (
          <p>No checkpoint submitted yet.</p>
        ) : (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Score</th>
                  <th scope="col">Trainer</th>
                  <th scope="col">Submitted</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Report</th>
                </tr>
              </thead>
              <tbody>
                {submissions.map((s) => (
                  <tr key={s.submissionId}>
                    <td>{s.submissionId}</td>
                    <td>{s.score ?? "—"}</td>
                    <td>
                      <Link to={`/trainers/${s.trainer}`} title={s.trainer}>
                        <code>{shortHex(s.trainer)}</code>
                      </Link>
                    </td>
                    <td>
                      <time dateTime={s.submittedAt}>{formatUtc(s.submittedAt)}</time>
                    </td>
                    <td>
                      {s.verdict}
                      {s.outcome === "copy" ? <span className="flag"> copy of #{s.copyOf}</span> : null}
                      {s.outcome === "invalid" ? <span className="muted"> ({s.reason})</span> : null}
                    </td>
                    <td>{s.reportSha256 ? <a href={`/artifacts/${s.reportSha256}`}>report</a> : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        {timeline.length === 0 ? <p className="muted">No step indexed yet.</p> : null}
        <ol className="timeline">
          {timeline.map((entry) => (
            <li key={entry.key}>
              <strong>{entry.step}</strong> {entry.event}
              {entry.txHash ? (
                <>
                  {" "}
                  in <code title={entry.txHash}>{shortHex(entry.txHash, 10, 6)}</code>
                  {entry.blockNumber !== null ? (
                    <span className="muted"> (block {entry.blockNumber})</span>
                  ) : null}
                </>
              ) : entry.at ? (
                <span className="muted">
                  {" "}
                  at <time dateTime={entry.at}>{formatUtc(entry.at)}</time>
                </span>
              ) : null}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}

/**
 * The spec's training data: a link per http(s) address; a `builtin:` generator is marked as demo only,
 * since anyone can regenerate its held-out split, so its eval set is no secret.
 */
function TrainingData({ entries }: { entries: { uri: string; description?: string }[] }) {
  const builtin = entries.some((entry) => entry.uri.startsWith("builtin:"));
  return (
    <>
      <dt>Training data</dt>
      <dd>
        {entries.map((entry, i) => (
          <span key={entry.uri}>
            {i > 0 ? ", " : null}
            {/^https?:\/\//.test(entry.uri) ? <a href={entry.uri}>{entry.uri}</a> : <code>{entry.uri}</code>}
          </span>
        ))}
        {builtin ? (
          <p className="flag">
            Regenerable by anyone: demo only. A built-in generator made this data, so anyone can rebuild the
            held-out eval set and fit a model to it.
          </p>
        ) : null}
      </dd>
    </>
  );
}
