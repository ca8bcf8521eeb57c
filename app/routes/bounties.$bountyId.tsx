import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import pTimeout from "p-timeout";
import { bountyBoardAbi } from "../../contracts/abi.js";
import {
  duration,
  formatScore,
  formatTokenAmount,
  formatUtc,
  percentOf,
  shortHex,
  timeLeft,
} from "../../core/format.js";
import { fromOnchainScore } from "../../core/spec.js";
import { BountyActions } from "../components/BountyActions.js";
import { CopyPolicy } from "../components/CopyPolicy.js";
import { FundingChart } from "../components/charts/FundingChart.js";
import { TrainingChart } from "../components/charts/TrainingChart.js";
import { TrainingStatus } from "../components/TrainingStatus.js";
import { TxLink } from "../components/TxLink.js";
import { VerifyCommand } from "../components/VerifyCommand.js";
import { publicEnv } from "../env.server.js";
import { useLiveUpdates } from "../hooks/use-live-updates.js";
import { bountyDetail, evalSetRevealFor } from "../models/bounty.server.js";
import { fundingSeries, topBackers, trainingCurve } from "../models/bounty-story.server.js";
import { platformContracts } from "../models/deployment.server.js";
import { bountyQueueStatus, type QueueStatus } from "../models/queue.server.js";
import { services } from "../services.server.js";
import { describeEvent } from "../utils/board-events.js";
import { currentUser } from "../utils/session.server.js";

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
  // Optional: with the queues (Redis) slow or down the page still renders, and says this part is unavailable.
  let queueUnavailable = false;
  const queue: QueueStatus | null = await bountyQueueStatus(bountyId).catch(() => {
    queueUnavailable = true;
    return null;
  });
  const { bounty, spec, submissions, disputes, timeline, token } = detail;
  const [funding, backers, curve, finalizableAt] = await Promise.all([
    fundingSeries(db.db, config.CHAIN_ID, bountyId),
    topBackers(db.db, config.CHAIN_ID, bountyId),
    trainingCurve(db.db, config.CHAIN_ID, bountyId),
    // Only the board knows when a funded bounty can be finalized (its verdicts and periods); optional.
    bounty.status === "Funded" ? readFinalizableAt(bountyId) : Promise.resolve(null),
  ]);
  // The DAO, signed in, gets what revealing its eval set on-chain takes (its salt): nobody else does.
  const user =
    bounty.finalizedAt !== null && !bounty.evalSetRevealedAt ? await currentUser(request) : undefined;
  const reveal = user ? await evalSetRevealFor(db.db, config.CHAIN_ID, bountyId, user.address) : undefined;
  const origin = new URL(request.url).origin;
  const score = (value: string | null) => (value === null ? null : fromOnchainScore(BigInt(value)));
  const iso = (seconds: string | null) =>
    seconds === null ? null : new Date(Number(seconds) * 1000).toISOString();
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
      arbiter: bounty.arbiter,
      bond: bounty.bond,
      disputeBond: bounty.disputeBond,
      challengeWindow: bounty.challengeWindow,
      revealPeriod: bounty.revealPeriod,
      evaluationPeriod: bounty.evaluationPeriod,
      verificationPeriod: bounty.verificationPeriod,
      allowOverfunding: bounty.allowOverfunding,
      feeBps: bounty.feeBps,
      bestSubmissionId: bounty.bestSubmissionId,
      finalizedAt: bounty.finalizedAt,
      evalSetRevealedAt: iso(bounty.evalSetRevealedAt),
      evalSetSha256: bounty.evalSetSha256,
      evalSetUri: bounty.evalSetUri,
      unlockAt: bounty.unlockAt,
      openDisputes: bounty.openDisputes,
      payout: bounty.payout,
      fee: bounty.fee,
    },
    evalSetReveal: reveal
      ? { ...reveal, uri: `${origin}/eval-sets/${bounty.evalSetCommitment.toLowerCase()}` }
      : null,
    disputes: disputes.map((d) => ({
      ...d,
      score: score(d.score),
      openedAt: iso(d.openedAt) as string,
      deadlineIso: iso(d.deadline) as string,
    })),
    token: { tokenSymbol: token.symbol, tokenDecimals: token.decimals },
    spec: spec ?? null,
    queue,
    queueUnavailable,
    submissions: submissions.map((s) => ({
      ...s,
      score: score(s.score),
      state: submissionState(s, bounty, Math.floor(Date.now() / 1000)),
      committedAt: iso(s.committedAt) as string,
      revealedAt: iso(s.revealedAt),
    })),
    timeline,
    earlierTransfers: detail.earlierTransfers,
    funding,
    backers,
    curve,
    finalizableAt,
    // Time left is counted from this, not from each renderer's clock, so hydration sees the same text.
    now: Date.now(),
    verify: { rpcUrl: publicEnv(config).rpcUrl, platformUrl: new URL(request.url).origin },
  });
}

/**
 * When the board lets anyone finalize a funded bounty (`finalizableAt`: seconds, as text), "unavailable"
 * when the chain does not answer within half a second, null when not now (a dispute is open).
 */
async function readFinalizableAt(bountyId: string): Promise<string | "unavailable" | null> {
  const { db, config, chain } = await services();
  try {
    const { board } = await platformContracts(db.db, config.CHAIN_ID);
    if (!board) return "unavailable";
    // Half a second at most: the fact is optional (the actions read it again in the browser), the page is not.
    const at = await pTimeout(
      chain.readContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "finalizableAt",
        args: [BigInt(bountyId)],
      }),
      { milliseconds: 500 },
    );
    return at === 0n ? null : String(at);
  } catch {
    return "unavailable";
  }
}

/**
 * A submission's state in words (docs/decisions/016-protocol-v2.md): Committed (its checkpoint still
 * secret), Unrevealed (its reveal period passed), Pending (revealed, awaiting its evaluation), Unevaluated
 * (its evaluation period passed: it cannot win, its trainer's bond is returned), Scored or Disqualified.
 */
function submissionState(
  s: { revealedAt: string | null; committedAt: string; verdict: string },
  bounty: { revealPeriod: number; evaluationPeriod: number },
  nowS: number,
): string {
  if (s.revealedAt === null) {
    return nowS >= Number(s.committedAt) + bounty.revealPeriod ? "Unrevealed" : "Committed";
  }
  if (s.verdict === "Pending" && nowS >= Number(s.revealedAt) + bounty.evaluationPeriod) return "Unevaluated";
  return s.verdict;
}

const period = (seconds: number) =>
  seconds % 86_400 === 0
    ? `${seconds / 86_400} d`
    : seconds % 3_600 === 0
      ? `${seconds / 3_600} h`
      : `${Math.round(seconds / 60)} min`;

export default function BountyPage() {
  const {
    bountyId,
    name,
    bounty,
    token,
    spec,
    queue,
    queueUnavailable,
    submissions,
    disputes,
    evalSetReveal,
    timeline,
    earlierTransfers,
    funding,
    backers,
    curve,
    finalizableAt,
    now,
    verify,
  } = useLoaderData<typeof loader>();
  const pct = percentOf(bounty.raised, bounty.goal);
  const finalized = ["Fulfilled", "Failed", "Cancelled"].includes(bounty.status);
  // The eval set is public once revealed on-chain, or once every bounty using it ended.
  const evalSetPublic = bounty.evalSetRevealedAt !== null || finalized;
  const winner = bounty.bestSubmissionId
    ? submissions.find((s) => s.submissionId === bounty.bestSubmissionId)
    : undefined;
  const revealed = submissions.filter((s) => s.uri !== null && s.checkpointHash !== null);
  useLiveUpdates(!finalized);
  return (
    <>
      <p className="muted">
        <Link to="/bounties">Bounties</Link> / #{bountyId}
      </p>
      <h1>{name}</h1>
      <p>
        <span className={`badge badge-${bounty.status.toLowerCase()}`}>{bounty.status}</span> Proposed by DAO{" "}
        <AccountLink address={bounty.dao} />
        {spec ? (
          <>
            {" "}
            · {spec.task.type} · {spec.metric.name} {spec.metric.direction === "higher" ? "≥" : "≤"}{" "}
            {spec.metric.target}
          </>
        ) : null}
      </p>
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
              : bounty.status === "Verifying" && bounty.unlockAt
                ? `verification period: payout unlocks ${timeLeft(bounty.unlockAt, now) === "ended" ? "now" : `in ${timeLeft(bounty.unlockAt, now).replace(" left", "")}`}`
                : "closed"}
        </p>
        <progress className="funding" max={100} value={pct} aria-label="raised against goal" />
        <p className="muted">
          {pct}% of the goal: {formatTokenAmount(bounty.raised, token)} of{" "}
          {formatTokenAmount(bounty.goal, token)}
        </p>
        {token.tokenDecimals !== null ? (
          <FundingChart
            points={funding}
            goal={bounty.goal}
            decimals={token.tokenDecimals}
            symbol={token.tokenSymbol ?? ""}
            nowMs={bounty.status === "Funding" ? now : null}
          />
        ) : null}
        {backers.length > 0 ? <TopBackers backers={backers} raised={bounty.raised} token={token} /> : null}
      </section>
      {bounty.status === "Verifying" ? (
        <section aria-labelledby="verification-heading" className="card">
          <h2 id="verification-heading">Verification period</h2>
          <p>
            Submission #{bounty.bestSubmissionId} won.{" "}
            {bounty.evalSetRevealedAt ? (
              <>
                The DAO revealed the eval set at{" "}
                <time dateTime={bounty.evalSetRevealedAt}>{formatUtc(bounty.evalSetRevealedAt)}</time>: anyone
                can re-run the evaluation and dispute a score until the payout unlocks.
              </>
            ) : (
              <>
                The DAO has not revealed the eval set yet; without a reveal the payout unlocks at the reveal
                deadline.
              </>
            )}
          </p>
          {bounty.unlockAt ? (
            <p>
              Payout unlocks at <Moment seconds={bounty.unlockAt} now={now} />
              {bounty.openDisputes > 0 ? `, once its ${bounty.openDisputes} open dispute(s) are settled` : ""}
              .
            </p>
          ) : null}
        </section>
      ) : null}
      <section aria-labelledby="actions-heading" className="card">
        <h2 id="actions-heading">Take part</h2>
        <BountyActions
          bountyId={bountyId}
          token={{ symbol: token.tokenSymbol, decimals: token.tokenDecimals }}
          refreshKey={`${bounty.status}:${bounty.raised}:${timeline.length}`}
          evalSetReveal={evalSetReveal}
          submissions={submissions
            .filter((s) => s.verdict !== "Pending")
            .map((s) => ({ submissionId: s.submissionId, verdict: s.verdict }))}
          openDisputes={disputes
            .filter((d) => d.outcome === "Open")
            .map((d) => ({ disputeId: d.disputeId, submissionId: d.submissionId, deadline: d.deadline }))}
          settledDisputes={disputes
            .filter((d) => d.outcome !== "Open" && !d.withdrawn)
            .map((d) => ({
              disputeId: d.disputeId,
              outcome: d.outcome,
              disputer: d.disputer,
              trainer: submissions.find((s) => s.submissionId === d.submissionId)?.trainer ?? null,
              amount: (BigInt(d.bond) + BigInt(d.reward)).toString(),
            }))}
        />
      </section>
      {bounty.status === "Funded" || queue?.state === "leased" ? (
        <TrainingStatus
          bountyId={bountyId}
          specHash={bounty.specHash}
          specRegistered={spec !== null}
          queue={queue}
          queueUnavailable={queueUnavailable}
        />
      ) : null}
      {curve && curve.points.length > 1 ? (
        <section aria-labelledby="curve-heading" className="card">
          <h2 id="curve-heading">Training curve</h2>
          <TrainingChart curve={curve} />
        </section>
      ) : null}
      <section aria-labelledby="facts-heading" className="card">
        <h2 id="facts-heading">Terms</h2>
        <dl className="facts">
          <dt>DAO</dt>
          <dd>
            <AccountLink address={bounty.dao} /> proposed it and reveals the eval set
          </dd>
          <dt>Arbiter</dt>
          <dd>
            <AccountLink address={bounty.arbiter} /> resolves disputes
          </dd>
          <dt>Token</dt>
          <dd>
            {token.tokenSymbol ?? "not indexed yet"}{" "}
            <code title={bounty.token}>{shortHex(bounty.token)}</code>
          </dd>
          <dt>Goal</dt>
          <dd>
            {formatTokenAmount(bounty.goal, token)};{" "}
            {bounty.allowOverfunding
              ? "funding continues past the goal until the funding deadline"
              : "funding stops at the goal"}
          </dd>
          <dt>Funding deadline</dt>
          <dd>
            <Moment seconds={bounty.fundingDeadline} now={now} />
          </dd>
          <dt>Delivery deadline</dt>
          <dd>
            <Moment seconds={bounty.deliveryDeadline} now={now} />
          </dd>
          {bounty.status === "Funded" ? (
            <>
              <dt>Finalizable</dt>
              <dd>
                {finalizableAt === "unavailable" ? (
                  <span className="muted">unknown right now (the chain did not answer)</span>
                ) : finalizableAt === null ? (
                  "once its open disputes are settled"
                ) : (
                  <>
                    from <Moment seconds={finalizableAt} now={now} />
                  </>
                )}
              </dd>
            </>
          ) : null}
          {bounty.finalizedAt ? (
            <>
              <dt>Finalized</dt>
              <dd>
                <Moment seconds={bounty.finalizedAt} now={now} />
              </dd>
            </>
          ) : null}
          {bounty.unlockAt && bounty.status !== "Verifying" ? (
            <>
              <dt>Payout unlock</dt>
              <dd>
                <Moment seconds={bounty.unlockAt} now={now} />
              </dd>
            </>
          ) : null}
          {winner ? (
            <>
              <dt>Winner</dt>
              <dd>
                submission #{winner.submissionId} by <AccountLink address={winner.trainer} />
                {winner.score !== null
                  ? `, ${spec?.metric.name ?? "score"} ${formatScore(winner.score)}`
                  : ""}
              </dd>
            </>
          ) : null}
          <dt>Bonds</dt>
          <dd>
            trainer {formatTokenAmount(bounty.bond, token)}, dispute{" "}
            {formatTokenAmount(bounty.disputeBond, token)}
          </dd>
          <dt>Platform fee</dt>
          <dd>
            {bounty.feeBps / 100}%
            {bounty.payout !== null && bounty.fee !== null
              ? ` (payout ${formatTokenAmount(bounty.payout, token)}, fee ${formatTokenAmount(bounty.fee, token)})`
              : ""}
          </dd>
          <dt>Periods</dt>
          <dd>
            reveal {period(bounty.revealPeriod)}, evaluation {period(bounty.evaluationPeriod)}, challenge
            window {period(bounty.challengeWindow)}, verification {period(bounty.verificationPeriod)}
          </dd>
        </dl>
      </section>
      {spec ? (
        <section aria-labelledby="spec-heading" className="card">
          <h2 id="spec-heading">Model card</h2>
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
            <TrainingData entries={spec.trainingData} />
            <dt>Spec hash</dt>
            <dd>
              <code>{bounty.specHash}</code>{" "}
              <a href={`/api/specs?hash=${bounty.specHash}`} className="muted">
                (the spec as JSON)
              </a>
            </dd>
            <dt>Eval set</dt>
            <dd>
              {evalSetPublic ? (
                <a href={`/eval-sets/${bounty.evalSetCommitment}`}>revealed: download with its salt</a>
              ) : (
                <>
                  private until the DAO reveals it after finalization; commitment{" "}
                  <code>{shortHex(bounty.evalSetCommitment, 10, 6)}</code>
                </>
              )}
            </dd>
            <dt>Winning model</dt>
            <dd>
              {winner?.uri && winner.checkpointHash ? (
                <>
                  <a href={winner.uri} download>
                    download the ONNX checkpoint of submission #{winner.submissionId}
                  </a>{" "}
                  <span className="muted">
                    (sha256{" "}
                    <code title={winner.checkpointHash}>{shortHex(winner.checkpointHash, 10, 6)}</code>)
                  </span>
                  {winner.reportSha256 ? (
                    <>
                      {" "}
                      · <Link to={`/reports/${winner.reportSha256}`}>its evaluation report</Link>
                    </>
                  ) : null}
                </>
              ) : (
                <span className="muted">none yet</span>
              )}
            </dd>
            {revealed.length > 0 ? (
              <>
                <dt>Revealed checkpoints</dt>
                <dd>
                  {revealed.map((s, i) => (
                    <span key={s.submissionId}>
                      {i > 0 ? ", " : null}
                      <a href={s.uri as string} download>
                        #{s.submissionId}
                      </a>
                    </span>
                  ))}
                </dd>
              </>
            ) : null}
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
        revealed={evalSetPublic}
      />
      <section aria-labelledby="submissions-heading">
        <h2 id="submissions-heading">Submissions</h2>
        {submissions.length === 0 ? (
          <p>No checkpoint committed yet.</p>
        ) : (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Score</th>
                  <th scope="col">State</th>
                  <th scope="col">Trainer</th>
                  <th scope="col">Committed</th>
                  <th scope="col">Revealed</th>
                  <th scope="col">Files</th>
                </tr>
              </thead>
              <tbody>
                {submissions.map((s) => (
                  <tr
                    key={s.submissionId}
                    className={s.submissionId === bounty.bestSubmissionId ? "winner" : undefined}
                  >
                    <td>
                      {s.submissionId}
                      {s.submissionId === bounty.bestSubmissionId ? (
                        <span className="badge badge-winner">
                          {" "}
                          {finalized || bounty.status === "Verifying" ? "winner" : "best"}
                        </span>
                      ) : null}
                    </td>
                    <td>
                      {s.score === null ? "—" : <span title={String(s.score)}>{formatScore(s.score)}</span>}
                    </td>
                    <td>
                      {s.state}
                      {s.copyOf ? <span className="flag"> copy of #{s.copyOf}</span> : null}
                      {s.outcome === "invalid" ? <span className="muted"> ({s.reason})</span> : null}
                    </td>
                    <td>
                      <AccountLink address={s.trainer} />
                    </td>
                    <td>
                      <time dateTime={s.committedAt} title={`commit ${s.txHash}`}>
                        {formatUtc(s.committedAt)}
                      </time>
                    </td>
                    <td>
                      {s.revealedAt ? (
                        <time dateTime={s.revealedAt} title={`reveal ${s.revealTx ?? ""}`}>
                          {formatUtc(s.revealedAt)}
                        </time>
                      ) : (
                        <span className="muted">not yet</span>
                      )}
                    </td>
                    <td>
                      {s.uri && s.checkpointHash ? (
                        <a href={s.uri} download title={`checkpoint sha256 ${s.checkpointHash}`}>
                          model
                        </a>
                      ) : null}
                      {s.uri && s.reportSha256 ? " · " : null}
                      {s.reportSha256 ? (
                        <>
                          <Link to={`/reports/${s.reportSha256}`}>report</Link>{" "}
                          <a href={`/artifacts/${s.reportSha256}`} className="muted">
                            (JSON)
                          </a>
                        </>
                      ) : null}
                      {!s.uri && !s.reportSha256 ? "—" : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="disputes-heading">
        <h2 id="disputes-heading">Disputes</h2>
        {disputes.length === 0 ? (
          <p className="muted">
            No dispute. Anyone may dispute a verdict during its challenge window, and any verdict during the
            verification period, posting a bond of {formatTokenAmount(bounty.disputeBond, token)}.
          </p>
        ) : (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Dispute</th>
                  <th scope="col">Submission</th>
                  <th scope="col">Disputer</th>
                  <th scope="col">Bond</th>
                  <th scope="col">Arbiter's deadline</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {disputes.map((d) => (
                  <tr key={d.disputeId}>
                    <td title={`reason ${d.reasonHash}`}>#{d.disputeId}</td>
                    <td>#{d.submissionId}</td>
                    <td>
                      <AccountLink address={d.disputer} />
                    </td>
                    <td>{formatTokenAmount(d.bond, token)}</td>
                    <td>
                      <time dateTime={d.deadlineIso}>{formatUtc(d.deadlineIso)}</time>
                      {d.outcome === "Open" ? (
                        <span className="muted"> ({timeLeft(d.deadline, now)})</span>
                      ) : null}
                    </td>
                    <td>
                      {d.outcome}
                      {d.outcome === "Corrected" && d.score !== null ? ` to ${formatScore(d.score)}` : ""}
                      {d.reward !== "0" ? ` (reward ${formatTokenAmount(d.reward, token)})` : ""}
                      {d.resolveTx ? (
                        <>
                          {" "}
                          in <TxLink hash={d.resolveTx} />
                        </>
                      ) : null}
                    </td>
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
        {earlierTransfers > 0 ? (
          <p className="muted">
            {earlierTransfers} earlier contribution(s) and share transfer(s) are left out; the funding chart
            counts them all.
          </p>
        ) : null}
        <ol className="timeline">
          {timeline.map((entry) => (
            <li key={entry.key} data-event={entry.event}>
              <strong>{entry.step}</strong>{" "}
              {entry.txHash ? describeEvent(entry.event, entry.args, token) : entry.event}
              {entry.at ? (
                <span className="muted">
                  {" "}
                  at <time dateTime={entry.at}>{formatUtc(entry.at)}</time>
                </span>
              ) : null}
              {entry.txHash ? (
                <>
                  {" "}
                  in <TxLink hash={entry.txHash} />
                  {entry.blockNumber !== null ? (
                    <span className="muted"> (block {entry.blockNumber})</span>
                  ) : null}
                </>
              ) : null}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}

/** A moment given in unix seconds: its date in UTC and how far off it is from the loader's clock. */
function Moment({ seconds, now }: { seconds: string; now: number }) {
  const at = new Date(Number(seconds) * 1000);
  if (Number.isNaN(at.getTime())) return <>{seconds}</>;
  const left = timeLeft(seconds, now);
  const ago = Math.floor(now / 1000) - Number(seconds);
  return (
    <>
      <time dateTime={at.toISOString()}>{formatUtc(at.toISOString())}</time>{" "}
      <span className="muted">
        ({left === "ended" ? (ago >= 60 ? `${duration(ago)} ago` : "now") : left})
      </span>
    </>
  );
}

/** An account, short, linked to its page. */
function AccountLink({ address }: { address: string }) {
  return (
    <Link to={`/accounts/${address}`} title={address}>
      <code>{shortHex(address)}</code>
    </Link>
  );
}

/** The largest backers (public on-chain), with their share of what was raised. */
function TopBackers({
  backers,
  raised,
  token,
}: {
  backers: { account: string; contributed: string; shares: string }[];
  raised: string;
  token: { tokenSymbol: string | null; tokenDecimals: number | null };
}) {
  return (
    <div className="table-scroll">
      <table>
        <caption className="muted">Top backers, by what they contributed (public on-chain)</caption>
        <thead>
          <tr>
            <th scope="col">Backer</th>
            <th scope="col">Contributed</th>
            <th scope="col">Share of the raise</th>
          </tr>
        </thead>
        <tbody>
          {backers.map((b) => {
            const share =
              BigInt(raised) > 0n ? Number((BigInt(b.contributed) * 10_000n) / BigInt(raised)) / 100 : 0;
            return (
              <tr key={b.account}>
                <td>
                  <AccountLink address={b.account} />
                </td>
                <td>{formatTokenAmount(b.contributed, token)}</td>
                <td>
                  <span className="share-bar" aria-hidden="true">
                    <span style={{ width: `${Math.min(100, share)}%` }} />
                  </span>{" "}
                  {share}%
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
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
