/**
 * The bounty page's Training card, for a Funded bounty: where its training job stands, in words, and why
 * it is stuck when it is (no spec, no pool that fits, failed attempts), with what happens next.
 */
import { formatUtc } from "../../core/format.js";
import type { QueueStatus } from "../models/queue.server.js";
import { Progress } from "./ui/Progress.js";

type Needs = { minVramGb: number; gpus: number };
type Offer = { name: string; gpuCount: number; vramGb: number; online: boolean };

const needsText = (needs: Needs) =>
  needs.gpus === 0
    ? `a CPU${needs.minVramGb > 0 ? ` with ${needs.minVramGb} GB` : ""}`
    : `${needs.gpus} GPU${needs.gpus === 1 ? "" : "s"} with at least ${needs.minVramGb} GB each`;

const offerText = (pool: Offer) =>
  `${pool.name}: ${pool.gpuCount === 0 ? "CPU only" : `${pool.gpuCount} × ${pool.vramGb} GB`}${pool.online ? "" : " (offline)"}`;

function NoPoolFits({ needs, pools }: { needs: Needs; pools: Offer[] }) {
  return (
    <p role="status">
      No registered pool can run this: it needs {needsText(needs)}.{" "}
      {pools.length === 0 ? (
        "No pools are registered yet."
      ) : (
        <>The pools offer: {pools.map(offerText).join("; ")}.</>
      )}{" "}
      It waits until a pool that fits is registered.
    </p>
  );
}

const At = ({ ms }: { ms: number }) => <time dateTime={new Date(ms).toISOString()}>{formatUtc(ms)}</time>;

function LastFailure({ failure }: { failure: { reason: string; at: number } | null }) {
  if (!failure) return null;
  return (
    <p className="muted">
      Offered again after a round that failed at <At ms={failure.at} />: {failure.reason}.
    </p>
  );
}

export function TrainingStatus({
  bountyId,
  specHash,
  specRegistered,
  queue,
  queueUnavailable,
}: {
  bountyId: string;
  specHash: string;
  specRegistered: boolean;
  queue: QueueStatus | null;
  queueUnavailable: boolean;
}) {
  let body: JSX.Element | null;
  if (!specRegistered) {
    body = (
      <p role="status">
        Waiting for its spec: the DAO has not registered spec <code>{specHash}</code> with this platform, so
        no pool can be told what to train. It is queued as soon as the spec is registered.
      </p>
    );
  } else if (queueUnavailable || !queue) {
    body = (
      <p className="muted">The training queue is unavailable right now; its position will show here again.</p>
    );
  } else if (queue.state === "none") {
    body = (
      <p>
        Not in the training queue yet: a funded bounty is queued within seconds. If it stays like this, an
        operator queues it with <code>npm run training -- retry {bountyId}</code>.
      </p>
    );
  } else if (queue.state === "waiting") {
    body = (
      <>
        {queue.noPoolFits ? (
          <NoPoolFits {...queue.noPoolFits} />
        ) : (
          <p>
            Waiting for a GPU pool: position {queue.position + 1} in its queue
            {queue.estimatedStartAt ? (
              <>
                , estimated start <At ms={queue.estimatedStartAt} />
              </>
            ) : (
              ": no pool that fits is online right now"
            )}
            .
          </p>
        )}
        <LastFailure failure={queue.lastFailure} />
      </>
    );
  } else if (queue.state === "leased") {
    body = (
      <>
        <p>Leased to a pool (attempt {queue.attempt}).</p>
        <Progress value={queue.percent ?? 0} label="training progress" wide>
          {queue.percent ?? 0}%
        </Progress>
        <LastFailure failure={queue.lastFailure} />
      </>
    );
  } else if (queue.state === "retrying") {
    body = (
      <>
        <p>
          An attempt failed; the job is offered again in a few seconds (attempt {queue.attempts + 1} next).
        </p>
        <LastFailure failure={queue.lastFailure} />
      </>
    );
  } else if (queue.state === "failed") {
    const deadlineMs = queue.deliveryDeadline === null ? null : queue.deliveryDeadline * 1000;
    body = (
      <>
        <p role="alert">
          <strong>Training failed:</strong> {queue.reason} ({queue.attempts}{" "}
          {queue.attempts === 1 ? "attempt" : "attempts"}
          {queue.rounds > 1 ? ` in ${queue.rounds} rounds` : ""}).
        </p>
        {deadlineMs !== null && queue.retryAt >= deadlineMs ? (
          <p>
            It is not offered again: its delivery deadline, <At ms={deadlineMs} />, comes before the next
            round.
          </p>
        ) : (
          <p>
            It is offered again to every pool that fits at <At ms={queue.retryAt} />
            {deadlineMs !== null ? (
              <>
                , and after that with a growing wait until the delivery deadline, <At ms={deadlineMs} />
              </>
            ) : null}
            . An operator can retry it now with <code>npm run training -- retry {bountyId}</code>.
          </p>
        )}
        {queue.noPoolFits ? <NoPoolFits {...queue.noPoolFits} /> : null}
      </>
    );
  } else if (queue.state === "completed") {
    body = (
      <p>
        A pool delivered its checkpoint
        {queue.finishedAt ? (
          <>
            {" "}
            at <At ms={queue.finishedAt} />
          </>
        ) : null}
        ; its evaluation is under Submissions. While none qualifies, an operator can offer the bounty to the
        pools again with <code>npm run training -- retry {bountyId}</code>.
      </p>
    );
  } else {
    body = null;
  }
  if (!body) return null;
  return (
    <section aria-labelledby="training-heading" className="card">
      <h2 id="training-heading">Training</h2>
      {body}
    </section>
  );
}
