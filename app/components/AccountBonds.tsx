/**
 * A trainer's part of an account's desk (formerly the /trainers page): its claims with their bonds (and the
 * "withdraw bond" action for its own wallet), and its submissions with scores, verdicts, copy flags and
 * reports. Data from app/models/trainer.server.ts' trainerDashboard.
 */
import { Link } from "@remix-run/react";
import { formatTokenAmount } from "../../core/format.js";
import { WithdrawBond } from "./WithdrawBond.js";

export interface ClaimRow {
  bountyId: string;
  name: string | null;
  status: string;
  bond: string;
  bondState: string;
  tokenSymbol: string | null;
  tokenDecimals: number | null;
}

export interface SubmissionRow {
  submissionId: string;
  bountyId: string;
  /** The score in the metric's own units, or null before a verdict. */
  score: number | null;
  best: boolean;
  verdict: string;
  outcome: string | null;
  reason: string | null;
  reportSha256: string | null;
}

export function ClaimsTable({ trainer, claims }: { trainer: string; claims: ClaimRow[] }) {
  if (claims.length === 0) return <p>No claim yet.</p>;
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Bounty</th>
            <th scope="col">Status</th>
            <th scope="col">Bond</th>
            <th scope="col">Bond state</th>
            <th scope="col">Next step</th>
          </tr>
        </thead>
        <tbody>
          {claims.map((c) => (
            <tr key={c.bountyId}>
              <td>
                <Link to={`/bounties/${c.bountyId}`}>{c.name ?? `#${c.bountyId}`}</Link>
              </td>
              <td>{c.status}</td>
              <td>{formatTokenAmount(c.bond, c)}</td>
              <td>{c.bondState}</td>
              <td>
                {c.bondState === "Posted" && c.bond !== "0" ? (
                  <WithdrawBond trainer={trainer} bountyId={c.bountyId} />
                ) : null}
                {c.status === "Funded" ? (
                  <Link to={`/bounties/${c.bountyId}`}>submit a checkpoint</Link>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SubmissionsTable({ submissions }: { submissions: SubmissionRow[] }) {
  if (submissions.length === 0) return <p>No checkpoint submitted yet.</p>;
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Bounty</th>
            <th scope="col">Score</th>
            <th scope="col">Verdict</th>
            <th scope="col">Report</th>
          </tr>
        </thead>
        <tbody>
          {submissions.map((s) => (
            <tr key={s.submissionId}>
              <td>{s.submissionId}</td>
              <td>
                <Link to={`/bounties/${s.bountyId}`}>#{s.bountyId}</Link>
              </td>
              <td>
                {s.score ?? "—"}
                {s.best ? <strong> best</strong> : null}
              </td>
              <td>
                {s.verdict}
                {s.outcome === "copy" ? <span className="flag"> copy</span> : null}
                {s.outcome === "invalid" ? <span className="muted"> ({s.reason})</span> : null}
              </td>
              <td>{s.reportSha256 ? <a href={`/artifacts/${s.reportSha256}`}>report</a> : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
